/**
 * What tracing and metrics cost per turn: CPU and wall time with tracing off,
 * on with OTLP export (spans and metrics) to a live local receiver, and on
 * with console export; next to the floor, the same spans and metric points
 * made and exported by a bare SDK loop (tracing-floor.ts). Modes are
 * interleaved (A B C D, B C D A, ...) so machine noise falls on all alike.
 *
 * A turn is a voice turn as the app runs it: 2 s of microphone frames and the
 * silence window arrive over the session, then STT, LLM and TTS (2 s of reply
 * audio sent back). Voice detection is scripted, so its inference (about
 * 0.1 ms per 32 ms of audio) is left out: the ratio measured is on the high side.
 */
import { inspect } from 'node:util';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { silentLogger } from '../electron/agent/util/logger';
import { Telemetry } from '../electron/agent/telemetry/sdk/telemetry';
import { readTelemetryConfig } from '../electron/agent/telemetry/sdk/telemetry-config';
import { BenchClient, benchConfig, stagesFor, voiceTurn, type FakeProviders } from './harness';
import { figure, type Figure } from './stats';
import { BareSdk, recordTurn } from './tracing-floor';

type Mode = 'off' | 'otlp' | 'console' | 'floor';
type AppMode = Exclude<Mode, 'floor'>;

export async function tracingBench(providers: FakeProviders, reps: number, turnsPerRep: number): Promise<Figure[]> {
  await providers.configure({ transcripts: ['What time is it?'], reply: 'A short answer. With two sentences.', ttsMsPerChar: 60 });
  const template = await recordTurn(providers);
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
  const appModes: AppMode[] = ['off', 'otlp', 'console'];
  const modes: Mode[] = [...appModes, 'floor'];
  const telemetries = Object.fromEntries(appModes.map((m) => [m, make(m)])) as Record<AppMode, Telemetry>;
  const clients = Object.fromEntries(
    appModes.map((m) => [m, new BenchClient(stagesFor(providers.url), benchConfig(providers.url), telemetries[m])]),
  ) as Record<AppMode, BenchClient>;
  for (const client of Object.values(clients)) client.send({ type: 'conversation.start' });
  const cpu: Record<Mode, number[]> = { off: [], otlp: [], console: [], floor: [] };
  const wall: Record<Mode, number[]> = { off: [], otlp: [], console: [], floor: [] };
  const turnOf = async (mode: Mode) => {
    if (mode === 'floor') return bare.replay(template);
    await voiceTurn(clients[mode]);
  };
  const flush = (mode: Mode) => (mode === 'floor' ? bare.flush() : telemetries[mode].flush());

  // Console export writes readable spans; here they go to a null sink so the bench output stays legible.
  const realDir = console.dir;
  let printed = 0;
  console.dir = (value: unknown, options?: object) => {
    printed += inspect(value, options).length;
  };
  try {
    for (let rep = 0; rep < reps + 1; rep++) {
      // Rotate the order (A B C D, B C D A, ...) so no mode always runs first or last.
      for (const mode of [...modes.slice(rep % modes.length), ...modes.slice(0, rep % modes.length)]) {
        const cpuStart = process.cpuUsage();
        const wallStart = performance.now();
        for (let t = 0; t < turnsPerRep; t++) await turnOf(mode);
        await flush(mode);
        const used = process.cpuUsage(cpuStart);
        if (rep === 0) continue; // warm-up
        // Paired with the off run of the same repetition (see overhead below).
        cpu[mode].push((used.user + used.system) / 1000 / turnsPerRep);
        wall[mode].push((performance.now() - wallStart) / turnsPerRep);
      }
    }
    for (const mode of appModes) {
      clients[mode].send({ type: 'conversation.end' });
      clients[mode].session.close();
      await telemetries[mode].shutdown(2_000);
    }
    await bare.shutdown();
  } finally {
    console.dir = realDir;
  }
  const overhead = (mode: Mode) => cpu[mode].map((value, i) => ((value - cpu.off[i]!) / cpu.off[i]!) * 100);
  // What tracing and metrics add per turn, paired with the off run of the same repetition.
  const cost = cpu.otlp.map((value, i) => value - cpu.off[i]!);
  const points = template.measurements.length;
  const exported = (await providers.traces()).spans.length;
  return [
    figure('turn_cpu_tracing_off_ms', 'ms', cpu.off, null, { note: 'CPU time of the app per voice turn (providers run in another process)' }),
    figure('turn_cpu_tracing_otlp_ms', 'ms', cpu.otlp, null, { note: `OTLP export to a live local receiver (${exported} spans received)` }),
    figure('turn_cpu_tracing_console_ms', 'ms', cpu.console, null, { note: `console export (${printed} characters formatted)` }),
    figure('turn_wall_tracing_off_ms', 'ms', wall.off, null),
    figure('turn_wall_tracing_otlp_ms', 'ms', wall.otlp, null),
    figure('tracing_cpu_overhead_pct', '%', overhead('otlp'), null, { on: 'median', note: 'CPU per turn, tracing on (OTLP) vs off, paired runs (noise on a small base: see the cost and floor below)' }),
    figure('tracing_cpu_cost_ms', 'ms', cost, null, { note: 'CPU tracing and metrics add per turn (on minus off, paired runs)' }),
    figure('tracing_cpu_floor_ms', 'ms', cpu.floor, null, {
      note: `a bare SDK loop making and exporting the same ${template.spans.length} spans and ${points} metric measurements per turn, same attributes`,
    }),
    figure('tracing_cost_vs_floor', 'x', cost.map((value, i) => value / cpu.floor[i]!), 1.5, { on: 'median', note: 'the app\'s tracing cost over its floor, paired runs; budget on the median' }),
    figure('tracing_console_cpu_overhead_pct', '%', overhead('console'), null),
    figure('spans_created_tracing_off', 'spans', [offSpans.getFinishedSpans().length], 0, { note: 'tracing off creates no spans at all' }),
  ];
}
