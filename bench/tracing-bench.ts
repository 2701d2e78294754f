/**
 * What tracing costs, per turn and per span, in CPU time: synthetic voice
 * turns (synthetic-turn.ts) go through the app's real observers (the
 * conversation trace and metrics, on the app's Telemetry) with tracing off,
 * with OTLP export to a live local receiver, and with console export as
 * well (formatted, written nowhere); next to the floor, the same spans and
 * metric points made and exported by a bare SDK loop (tracing-floor.ts).
 *
 * Each repetition runs a batch of turns per mode, modes interleaved and
 * rotated (A B C D, B C D A, ...) so machine noise falls on all alike, and
 * times it with process.cpuUsage() (user + system, this process only: the
 * receiver runs in another), exports flushed inside the batch. Tracing's cost
 * is a mode's CPU minus the off run's of the same repetition; per span, that
 * over the spans a turn makes. Batches of hundreds of turns put the cost far
 * above the clock's and the scheduler's noise, which three 20 ms turns did not.
 */
import { inspect } from 'node:util';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { silentLogger } from '../electron/agent/util/logger';
import type { ConversationEvent } from '../electron/agent/pipeline/turn-events';
import { ConversationMetrics, VoiceMetrics } from '../electron/agent/telemetry/conversation/conversation-metrics';
import { ConversationTrace } from '../electron/agent/telemetry/conversation/conversation-trace';
import { Telemetry } from '../electron/agent/telemetry/sdk/telemetry';
import { readTelemetryConfig } from '../electron/agent/telemetry/sdk/telemetry-config';
import type { FakeProviders } from './harness';
import { figure, round, type Figure } from './stats';
import { syntheticTurn } from './synthetic-turn';
import { BareSdk, recordingMeter, type Measurement, type TurnTemplate } from './tracing-floor';

/** `plain`: OTLP export as `otlp`, of turns without the turn-taking events (what they cost is the difference). */
type Mode = 'off' | 'otlp' | 'plain' | 'console' | 'floor';
type AppMode = Exclude<Mode, 'floor'>;

/**
 * Turns between flushes: 448 spans, under one export batch (512), so the
 * batch processors export whole batches and their queues (2,048) never
 * overflow, which would drop spans and understate the cost.
 */
const TURNS_PER_FLUSH = 64;

/** One conversation through the app's observers, as the assistant wires them. */
class ObservedConversation {
  private readonly trace: ConversationTrace;
  private readonly metrics: (event: ConversationEvent) => void;
  private turn = 0;

  constructor(
    telemetry: Telemetry,
    metrics?: (event: ConversationEvent) => void,
    private readonly turnTaking = true,
  ) {
    this.trace = new ConversationTrace(telemetry.tracer, { captureContent: () => false });
    this.metrics = metrics ?? telemetry.createConversationMetrics();
    this.observe({ type: 'conversation.started', at: Date.now(), conversationId: `bench-${Math.random().toString(16).slice(2)}` });
  }

  playTurn(): void {
    for (const event of syntheticTurn(++this.turn, Date.now() - 5_000, { turnTaking: this.turnTaking })) this.observe(event);
  }

  end(): void {
    this.observe({ type: 'conversation.ended', at: Date.now(), turns: this.turn, interruptions: 0, framesDropped: 0, vadQueueMax: 0 });
  }

  private observe(event: ConversationEvent): void {
    this.trace.observe(event);
    this.metrics(event);
  }
}

/** One synthetic turn's finished spans and metric measurements, as the app's observers make them. */
async function recordTemplate(): Promise<TurnTemplate> {
  const spans = new InMemorySpanExporter();
  const telemetry = new Telemetry(readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_METRICS_EXPORTER: 'none' }, () => {}), silentLogger, {
    exporter: spans,
    consoleExporter: new InMemorySpanExporter(),
  });
  const measurements: Measurement[] = [];
  const conversation = new ObservedConversation(telemetry, new ConversationMetrics(new VoiceMetrics(recordingMeter(measurements)), () => true).observe);
  conversation.playTurn();
  await telemetry.flush();
  const template = { spans: [...spans.getFinishedSpans()], measurements: [...measurements] };
  conversation.end();
  await telemetry.shutdown(2_000);
  return template;
}

export async function tracingBench(providers: FakeProviders, reps: number, turnsPerRep: number): Promise<Figure[]> {
  const template = await recordTemplate();
  const spansPerTurn = template.spans.length;
  const bare = new BareSdk(providers, template);
  const offSpans = new InMemorySpanExporter();
  const make = (mode: AppMode) =>
    new Telemetry(
      readTelemetryConfig(
        {
          ENABLE_TRACING: mode === 'off' ? 'false' : 'true',
          OTEL_CONSOLE_EXPORT: mode === 'console' ? 'true' : 'false',
          OTEL_EXPORTER_OTLP_ENDPOINT: providers.base,
        },
        () => {},
      ),
      silentLogger,
      mode === 'off' ? { exporter: offSpans, consoleExporter: offSpans } : {},
    );
  const appModes: AppMode[] = ['off', 'otlp', 'plain', 'console'];
  const modes: Mode[] = [...appModes, 'floor'];
  const telemetries = Object.fromEntries(appModes.map((m) => [m, make(m)])) as Record<AppMode, Telemetry>;
  const conversations = Object.fromEntries(appModes.map((m) => [m, new ObservedConversation(telemetries[m], undefined, m !== 'plain')])) as Record<AppMode, ObservedConversation>;
  /** CPU microseconds per turn, one value per repetition. */
  const cpu: Record<Mode, number[]> = { off: [], otlp: [], plain: [], console: [], floor: [] };
  const turnOf = (mode: Mode) => (mode === 'floor' ? bare.replay(template) : conversations[mode].playTurn());
  const flush = (mode: Mode) => (mode === 'floor' ? bare.flush() : telemetries[mode].flush());
  let exportedTurns = 0;

  // Console export formats each span for the terminal; here the text goes nowhere (a null stream).
  const realDir = console.dir;
  let printed = 0;
  console.dir = (value: unknown, options?: object) => {
    printed += inspect(value, options).length;
  };
  try {
    await providers.clearTraces();
    for (let rep = 0; rep < reps + 1; rep++) {
      for (const mode of [...modes.slice(rep % modes.length), ...modes.slice(0, rep % modes.length)]) {
        const start = process.cpuUsage();
        for (let t = 0; t < turnsPerRep; t++) {
          turnOf(mode);
          if (t % TURNS_PER_FLUSH === TURNS_PER_FLUSH - 1) await flush(mode);
        }
        await flush(mode);
        const used = process.cpuUsage(start);
        if (mode !== 'off') exportedTurns += turnsPerRep;
        if (rep === 0) continue; // warm-up
        cpu[mode].push((used.user + used.system) / turnsPerRep);
      }
    }
    for (const mode of appModes) {
      conversations[mode].end();
      await telemetries[mode].shutdown(2_000);
    }
    await bare.shutdown();
  } finally {
    console.dir = realDir;
  }
  const received = (await providers.traces()).spans.length;
  // Every span made reached the receiver (none dropped from a full queue): else the cost would be understated.
  // The exporting conversations' own spans (OTLP with and without turn-taking events, console, floor) come on top of the turns'.
  const expected = exportedTurns * spansPerTurn + 4;

  const cost = (mode: Mode) => cpu[mode].map((value, i) => value - cpu.off[i]!);
  const perSpan = (values: readonly number[]) => values.map((value) => value / spansPerTurn);
  const spread = (values: readonly number[]) => `min ${round(Math.min(...values))}, max ${round(Math.max(...values))}`;
  const otlpPerSpan = perSpan(cost('otlp'));
  const floorPerSpan = perSpan(cpu.floor);
  const ratio = cost('otlp').map((value, i) => value / cpu.floor[i]!);
  const runs = `${reps} runs of ${turnsPerRep} turns per mode (${spansPerTurn} spans and ${template.measurements.length} metric points a turn)`;
  return [
    figure('tracing_observer_off_us_per_turn', 'µs', cpu.off, null, { note: `CPU per synthetic turn through the app's observers with tracing off (nothing recorded); ${runs}` }),
    figure('tracing_cpu_us_per_turn', 'µs', cost('otlp'), null, { note: `CPU tracing and metrics add per turn, OTLP export (on minus off, paired runs; ${spread(cost('otlp'))})` }),
    figure('tracing_cpu_us_per_span', 'µs', otlpPerSpan, null, {
      note: `CPU tracing and metrics add per span, OTLP export to a local receiver (on minus off, paired runs; ${spread(otlpPerSpan)}); ${received} of ${expected} spans received`,
    }),
    figure('tracing_turn_taking_events_us_per_turn', 'µs', cpu.otlp.map((value, i) => value - cpu.plain[i]!), null, {
      note: `CPU the turn-taking events add per turn (end of speech, confirmation, a false interruption over the reply), OTLP export, paired runs with and without them`,
    }),
    figure('tracing_console_cpu_us_per_span', 'µs', perSpan(cost('console')), null, { note: `the same with console export as well (${printed} characters formatted, written nowhere)` }),
    figure('tracing_floor_cpu_us_per_span', 'µs', floorPerSpan, null, {
      note: `a bare SDK loop making and exporting the same spans (tree, times, attributes, events, resource) and metric points (${spread(floorPerSpan)})`,
    }),
    figure('tracing_cost_vs_floor', 'x', ratio, 1.5, { on: 'median', note: `the app's tracing cost over its floor, paired runs (${spread(ratio)}); budget on the median` }),
    figure('spans_created_tracing_off', 'spans', [offSpans.getFinishedSpans().length], 0, { note: 'tracing off creates no spans at all' }),
  ];
}
