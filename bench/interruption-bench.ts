/**
 * Interruptions that are real, through the real voice detector (Silero) and
 * the real interruption rule: generated coughs (noise bursts) and click
 * trains played over a reply that is playing must not stop it; real speech
 * (synthesised) must, and the time that takes from the speech's first sound
 * is barge_in_ms, of which the confirmation (CONFIRM_BARGE_IN_MS of voice,
 * or words in a quick transcript) is barge_in_confirmation_ms.
 */
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../shared/audio-format';
import type { ServerEnvelope } from '../shared/protocol';
import { CONFIRM_BARGE_IN_MS } from '../electron/agent/conversation/barge-in';
import { SileroVoiceActivity } from '../electron/agent/providers/silero-vad';
import { seededRandom } from '../electron/agent/testing/seeded-random';
import { synthesizeSpeech } from '../electron/agent/testing/synthetic-speech';
import { until } from '../electron/agent/testing/until';
import { BenchClient, benchConfig, stagesFor, type FakeProviders } from './harness';
import { figure, type Figure } from './stats';

/**
 * A cough: a burst of low-passed noise with a sharp attack and a 150-300 ms
 * decay; every other one voiced too (a buzz at 120-250 Hz under the noise, as
 * a cough from the throat is), which a voice detector may well take for speech.
 */
export function cough(random: () => number, voiced: boolean): Int16Array {
  const ms = 150 + random() * 150;
  const out = new Int16Array(Math.round((ms / 1000) * INPUT_SAMPLE_RATE));
  let low = 0;
  const peak = 8_000 + random() * 8_000;
  const pitch = 120 + random() * 130;
  for (let i = 0; i < out.length; i++) {
    low += 0.35 * (random() * 2 - 1 - low); // one-pole low-pass: a breathy, not hissing, noise
    const t = i / out.length;
    const envelope = Math.min(1, i / 160) * Math.exp(-4 * t);
    const phase = ((i * pitch) / INPUT_SAMPLE_RATE) % 1;
    const buzz = voiced ? (phase < 0.1 ? 1 : 0) * 0.8 + Math.sin(2 * Math.PI * phase) * 0.4 : 0;
    out[i] = Math.max(-32_768, Math.min(32_767, Math.round((low * 3 + buzz) * peak * envelope)));
  }
  return out;
}

/** A click train: 3-8 sharp decaying impulses 40-120 ms apart (a pen, a keyboard, a mouse). */
export function clicks(random: () => number): Int16Array {
  const count = 3 + Math.floor(random() * 6);
  const gap = Math.round(((40 + random() * 80) / 1000) * INPUT_SAMPLE_RATE);
  const out = new Int16Array(gap * count + 400);
  for (let c = 0; c < count; c++) {
    const peak = 10_000 + random() * 15_000;
    for (let i = 0; i < 240; i++) out[c * gap + i] = Math.round((random() * 2 - 1) * peak * Math.exp(-i / 30));
  }
  return out;
}

function frames(samples: Int16Array, trailingSilenceMs: number): Int16Array[] {
  const total = Math.ceil(samples.length / FRAME_SAMPLES) + trailingSilenceMs / 20;
  return Array.from({ length: total }, (_, k) => {
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(samples.subarray(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES));
    return frame;
  });
}

interface Heard {
  paused: boolean;
  resumed: boolean;
  flushed: boolean;
  pausedAt: number | null;
  flushedAt: number | null;
}

export async function interruptionBench(providers: FakeProviders, reps: number): Promise<Figure[]> {
  const config = benchConfig(providers.url);
  config.vad.preemptiveReply = false;
  const client = new BenchClient(stagesFor(providers.url), config, undefined, () => SileroVoiceActivity.load(config.vad.threshold));
  const heard: Heard = { paused: false, resumed: false, flushed: false, pausedAt: null, flushedAt: null };
  const unwatch = client.watch(({ message }: ServerEnvelope) => {
    if (message.type === 'audio.pause' && message.paused) Object.assign(heard, { paused: true, pausedAt: heard.pausedAt ?? performance.now() });
    if (message.type === 'audio.pause' && !message.paused) heard.resumed = true;
    if (message.type === 'audio.flush') Object.assign(heard, { flushed: true, flushedAt: performance.now() });
  });

  /** Plays `sound` over a reply that is playing; says what became of the reply. */
  const over = async (sound: Int16Array, transcript: string): Promise<{ heard: Heard; soundAt: number }> => {
    await providers.configure({ transcripts: [transcript], reply: 'Once upon a time. '.repeat(30), ttsRealtimeFactor: 1, ttsMsPerChar: 60 });
    client.send({ type: 'conversation.start' });
    client.resetMarks();
    const started = client.next((e) => e.message.type === 'turn' && e.message.phase === 'start');
    client.send({ type: 'user.text', text: 'Tell me a long story.' });
    const start = await started;
    const stream = start.message.type === 'turn' ? start.message.stream : 0;
    await until(() => client.firstAudioAt !== null, { what: "the story's first audio", intervalMs: 2 });
    client.send({ type: 'playback', event: 'started', stream, playedMs: 0 });
    Object.assign(heard, { paused: false, resumed: false, flushed: false, pausedAt: null, flushedAt: null });
    const onset = Math.floor(sound.findIndex((s) => Math.abs(s) > 500) / FRAME_SAMPLES);
    const soundAt = performance.now() + (onset + 1) * 20; // when the frame with its first sound is sent
    await client.paced(frames(sound, 700));
    // A quick transcript (and the fake server's 0 ms) decides a short sound within moments of its end.
    await until(() => heard.flushed || heard.resumed || !heard.paused, { what: 'the reply resuming or stopping', intervalMs: 5 });
    if (heard.paused && !heard.flushed) await until(() => heard.resumed || heard.flushed, { what: 'a decision', intervalMs: 5 });
    const result = { heard: { ...heard }, soundAt };
    client.send({ type: 'conversation.end' });
    return result;
  };

  const random = seededRandom(16);
  const outcomes = { cough: { went_on: 0, paused: 0, total: 0 }, click: { went_on: 0, paused: 0, total: 0 } };
  for (let i = 0; i < reps; i++) {
    for (const kind of ['cough', 'click'] as const) {
      // The fake speech-to-text writes what Whisper writes for a cough; a click gets no words.
      const { heard: h } = await over(kind === 'cough' ? cough(random, i % 2 === 1) : clicks(random), kind === 'cough' ? '[coughs]' : '');
      const o = outcomes[kind];
      o.total++;
      if (h.paused) o.paused++;
      if (!h.flushed) o.went_on++;
    }
  }

  const bargeIn: number[] = [];
  const confirmation: number[] = [];
  const sentences = ['Wait, stop, I have a question about that.', 'Hold on, what did you just say?', 'No, that is not what I asked for.'];
  for (let i = 0; i < reps; i++) {
    const speech = synthesizeSpeech(sentences[i % sentences.length]!, { sampleRate: INPUT_SAMPLE_RATE, voice: ['slt', 'rms', 'awb'][i % 3]! }).samples;
    const { heard: h, soundAt } = await over(speech, sentences[i % sentences.length]!);
    if (h.flushedAt === null) continue; // counted below as a missed interruption
    bargeIn.push(h.flushedAt - soundAt);
    if (h.pausedAt !== null) confirmation.push(h.flushedAt - h.pausedAt);
  }
  unwatch();
  client.session.close();

  const pct = (o: { went_on: number; total: number }) => (o.total ? (o.went_on / o.total) * 100 : Number.NaN);
  const all = { went_on: outcomes.cough.went_on + outcomes.click.went_on, total: outcomes.cough.total + outcomes.click.total };
  const detail = (kind: 'cough' | 'click') => `${kind}s: ${outcomes[kind].went_on}/${outcomes[kind].total} went on (${outcomes[kind].paused} paused first)`;
  return [
    figure('false_interruption_resumed_pct', '%', [pct(all)], 100, {
      direction: 'min',
      note: `generated coughs (noise bursts) and click trains over a playing reply, through Silero VAD: the reply went on (resumed after a pause, or never paused). ${detail('cough')}; ${detail('click')}`,
    }),
    figure('barge_in_ms', 'ms', bargeIn, null, {
      note: `real (synthesised) speech over a playing reply, first sound -> client told to flush; ${bargeIn.length}/${reps} stopped it. Includes the minimum speech (${config.vad.minSpeechMs} ms) and the confirmation rule`,
    }),
    figure('barge_in_confirmation_ms', 'ms', confirmation, null, {
      note: `what the interruption rule adds: playback held (speech confirmed) -> flushed; the rule asks for ${CONFIRM_BARGE_IN_MS} ms of voice or words in a quick transcript`,
    }),
  ];
}
