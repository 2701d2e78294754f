/**
 * Voice-to-voice with and without preemptive replies, side by side in one
 * run with the same scripted provider latencies, against the floor physics
 * allows: max(silence window, STT + first token + first phrase + TTS first
 * byte). The silence window is sent as a microphone sends it (a frame every
 * 20 ms), since the point is what runs during it. Also: how many of the
 * requests prepared ahead of time are thrown away when the user pauses
 * mid-sentence (300-450 ms) and goes on.
 */
import { FRAME_SAMPLES } from '../shared/audio-format';
import { ATTR, EVENT, SPAN } from '../shared/telemetry';
import { inMemoryTelemetry } from '../electron/agent/testing/in-memory-telemetry';
import { until } from '../electron/agent/testing/until';
import { BenchClient, benchConfig, completeTurn, stagesFor, type FakeProviders } from './harness';
import { FIRST_PHRASE_TOKENS, LATENCY, SCRIPTED_TURN } from './pipeline-bench';
import { figure, type Figure } from './stats';

const voiced = () => new Int16Array(FRAME_SAMPLES).fill(2000);
const unvoiced = () => new Int16Array(FRAME_SAMPLES);
const of = (n: number, make: () => Int16Array) => Array.from({ length: n }, make);

/** The floor: the silence window, or the work that must follow the last word, whichever is longer. */
export function voiceToVoiceFloorMs(latency: typeof LATENCY = LATENCY): number {
  const firstPhraseMs = (FIRST_PHRASE_TOKENS - 1) * latency.llmTokenIntervalMs;
  return Math.max(latency.silenceMs, latency.sttMs + latency.llmFirstTokenMs + firstPhraseMs + latency.ttsFirstByteMs);
}

/** One spoken turn: 600 ms of speech (at once), then the silence window in real time; ms from the last word to the first audio out. */
async function pacedTurn(client: BenchClient): Promise<number> {
  client.resetMarks();
  for (const frame of of(30, voiced)) client.samples(frame);
  await new Promise((resolve) => setImmediate(resolve));
  const stoppedAt = performance.now();
  const window = of(LATENCY.silenceMs / 20, unvoiced);
  const last = window.pop()!;
  await client.paced(window, stoppedAt);
  await completeTurn(client, () => client.samples(last));
  return client.firstAudioAt! - stoppedAt;
}

export async function preemptiveBench(providers: FakeProviders, reps: number): Promise<Figure[]> {
  await providers.configure({
    ...SCRIPTED_TURN,
    // Only the first byte counts here; the rest of the reply comes at once, so that a turn is short.
    ttsRealtimeFactor: 0,
    ttsMsPerChar: 60,
  });
  const client = (preemptive: boolean) => {
    const config = benchConfig(providers.url, LATENCY.silenceMs);
    config.vad.preemptiveReply = preemptive;
    const c = new BenchClient(stagesFor(providers.url), config);
    c.send({ type: 'conversation.start' });
    return c;
  };
  const off = client(false);
  const on = client(true);
  const offMs: number[] = [];
  const onMs: number[] = [];
  for (let i = 0; i < reps + 2; i++) {
    // Alternating, so that the machine's noise falls on both alike.
    const a = await pacedTurn(off);
    const b = await pacedTurn(on);
    if (i < 2) continue; // warm-up
    offMs.push(a);
    onMs.push(b);
  }
  for (const c of [off, on]) {
    c.send({ type: 'conversation.end' });
    c.session.close();
  }

  const wasted = await wastedRequests(providers, Math.max(4, Math.round(reps / 2)));
  const floor = voiceToVoiceFloorMs();
  const theoretical = LATENCY.silenceMs + LATENCY.sttMs + LATENCY.llmFirstTokenMs + LATENCY.ttsFirstByteMs;
  const latencies = `STT ${LATENCY.sttMs}, LLM TTFT ${LATENCY.llmFirstTokenMs} + ${LATENCY.llmTokenIntervalMs}/token, TTS TTFB ${LATENCY.ttsFirstByteMs}, silence ${LATENCY.silenceMs} ms sent in real time`;
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  return [
    figure('voice_to_voice_ms', 'ms', offMs, null, { note: `preemptive replies off: user stopped speaking -> first audio to the transport, ${latencies}` }),
    figure('voice_to_voice_preemptive_ms', 'ms', onMs, floor + 60, {
      on: 'median',
      note: 'preemptive replies on (prepared PREEMPT_AFTER_MS = 20 ms into the pause), same latencies, alternating with the figure above; budget: the floor + 60 ms at the median',
    }),
    figure('voice_to_voice_floor_ms', 'ms', [floor], null, { note: 'max(silence window, STT + first token + first phrase at 30 tokens/s + TTS first byte)' }),
    figure('voice_to_voice_preemptive_ratio', 'ratio', [median(onMs) / median(offMs)], null, { note: 'median on / median off' }),
    figure('voice_to_voice_theoretical_min_ms', 'ms', [theoretical], null, { note: "silence window + the providers' first-byte times (what waiting out the window costs at least)" }),
    figure('voice_to_voice_excess_ms', 'ms', offMs.map((v) => v - theoretical), null, {
      note: 'preemption off, measured minus theoretical: the model writing the first phrase, loopback HTTP and the fake server timers, and our pipeline (pipeline_overhead_ms)',
    }),
    wasted,
  ];
}

/**
 * Turns where the user pauses mid-sentence for 300-450 ms and goes on, with
 * preemptive replies on: of the requests started ahead of time (stage spans
 * marked preemptive), the share started before a preparation was thrown away.
 */
async function wastedRequests(providers: FakeProviders, turns: number): Promise<Figure> {
  const { telemetry, finishedSpans } = inMemoryTelemetry();
  const config = benchConfig(providers.url, LATENCY.silenceMs);
  config.vad.preemptiveReply = true;
  const client = new BenchClient(stagesFor(providers.url), config, telemetry);
  client.send({ type: 'conversation.start' });
  const pauses = [300, 350, 400, 450];
  for (let i = 0; i < turns; i++) {
    for (const frame of of(30, voiced)) client.samples(frame);
    await new Promise((resolve) => setImmediate(resolve));
    await client.paced(of(pauses[i % pauses.length]! / 20, unvoiced));
    await client.paced(of(20, voiced)); // and goes on
    const window = of(LATENCY.silenceMs / 20, unvoiced);
    const last = window.pop()!;
    await client.paced(window);
    await completeTurn(client, () => client.samples(last));
  }
  client.send({ type: 'conversation.end' });
  client.session.close();
  await until(async () => (await finishedSpans()).some((s) => s.name === SPAN.conversation), { what: 'the conversation span' });
  const spans = await finishedSpans();
  let wasted = 0;
  let prepared = 0;
  for (const turn of spans.filter((s) => s.name === SPAN.turn)) {
    const cancelledAt = turn.events.filter((e) => e.name === EVENT.preemptiveCancelled).map((e) => hrMs(e.time));
    const lastCancel = Math.max(-Infinity, ...cancelledAt);
    for (const stage of spans.filter((s) => s.parentSpanContext?.spanId === turn.spanContext().spanId && s.attributes[ATTR.turnPreemptive] === true)) {
      prepared++;
      if (hrMs(stage.startTime) <= lastCancel) wasted++;
    }
  }
  await telemetry.shutdown();
  return figure('preemptive_wasted_requests_pct', '%', [prepared ? (wasted / prepared) * 100 : Number.NaN], null, {
    note: `${turns} turns pausing 300-450 ms mid-sentence: ${wasted} of ${prepared} requests started ahead of time were thrown away`,
  });
}

function hrMs([seconds, nanos]: readonly [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}
