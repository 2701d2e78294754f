import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import { decodeAudioFrame, encodeAudioFrame, FrameKind } from '../../../shared/audio-frame';
import { ATTR, SPAN } from '../../../shared/telemetry';
import { startFakeOpenAIServer, TTS_SAMPLE_RATE, type FakeOpenAIServer } from '../testing/fake-openai-server';
import { inMemoryTelemetry } from '../testing/in-memory-telemetry';
import { scriptedSession } from '../testing/scripted-session';
import { synthesizeSpeech } from '../testing/synthetic-speech';
import { until } from '../testing/until';
import { decodeFlac } from '../turn-audio/flac';
import { TurnAudioStore } from '../turn-audio/turn-audio-store';
import { decodeWav } from '../util/wav';
import { playedReply } from './turn-audio-recorder';

describe('the reply as heard', () => {
  const reply = { chunks: [Int16Array.from([1, 2, 3, 4]), Int16Array.from([5, 6, 7, 8])], samples: 8, sampleRate: 1_000 };

  it('is cut where playback stopped', () => {
    expect(Array.from(playedReply(reply, 5, 0, [])!)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(playedReply(reply, 60, 0, [])!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(playedReply(reply, 0, 0, [])).toBeNull();
  });

  it('holds silence where a sound held playback, at the point it had reached', () => {
    // Playback from t=100; held at t=103 for 2 ms: three samples had played.
    expect(Array.from(playedReply(reply, 6, 100, [{ at: 103, ms: 2 }])!)).toEqual([1, 2, 3, 0, 0, 4, 5, 6]);
    // A hold after what was heard ended changes nothing.
    expect(Array.from(playedReply(reply, 2, 100, [{ at: 105, ms: 2 }])!)).toEqual([1, 2]);
  });
});

describe('recording a spoken conversation', () => {
  let server: FakeOpenAIServer;
  const dirs: string[] = [];
  beforeAll(async () => {
    server = await startFakeOpenAIServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** Speech synthesised for the words, as the scripted detector hears it (each frame's first sample positive), then silence. */
  function utterance(words: string): ArrayBuffer[] {
    const speech = synthesizeSpeech(words, { sampleRate: INPUT_SAMPLE_RATE }).samples.subarray(0, 20 * FRAME_SAMPLES);
    const frames: Int16Array[] = [];
    for (let at = 0; at + FRAME_SAMPLES <= speech.length; at += FRAME_SAMPLES) {
      const frame = speech.slice(at, at + FRAME_SAMPLES);
      frame[0] = Math.max(1, Math.abs(frame[0]!));
      frames.push(frame);
    }
    for (let i = 0; i < 8; i++) frames.push(new Int16Array(FRAME_SAMPLES));
    return frames.map((samples, seq) => encodeAudioFrame({ kind: FrameKind.Microphone, seq, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples }));
  }

  async function setup(keeping: boolean) {
    const dataDir = mkdtempSync(join(tmpdir(), 'recorder-'));
    dirs.push(dataDir);
    const store = await TurnAudioStore.open(dataDir);
    const { telemetry, finishedSpans } = inMemoryTelemetry();
    const { session, carrier, send, detail, messages } = scriptedSession(server.url, {
      telemetry,
      turnAudio: { keeping, save: (r) => store.save(r), turns: (id) => store.turns(id), render: (id, turn) => store.render(id, turn) },
    });
    // As a microphone sends them, a frame every 20 ms: the times voice detection gives are the room's.
    const speak = async (words: string) => {
      for (const frame of utterance(words)) {
        session.receiveAudio(frame);
        await sleep(20);
      }
      await sleep(30);
    };
    /** The reply's audio as it was sent on `stream`, in order. */
    const sent = (stream: number) => {
      const chunks = carrier.audio.map((frame) => decodeAudioFrame(frame, FrameKind.AssistantAudio)).flatMap((d) => (d.ok && d.frame.stream === stream ? [d.frame.samples] : []));
      const all = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const chunk of chunks) all.set(chunk, (at += chunk.length) - chunk.length);
      return all;
    };
    session.open();
    return { dataDir, store, session, send, speak, messages, detail, sent, spans: finishedSpans };
  }

  const turnStart = (t: Awaited<ReturnType<typeof setup>>, n: number) => {
    const start = t.messages('turn').find((e) => e.message.type === 'turn' && e.message.phase === 'start' && e.message.number === n);
    return start?.message.type === 'turn' ? start.message.stream : null;
  };
  const ms = (time: ReadableSpan['startTime']) => time[0] * 1000 + time[1] / 1e6;

  it('keeps what speech-to-text received and the reply as far as barge-in let it play, where the spans put them', async () => {
    server.configure({ transcripts: ['first question', 'stop there', 'stop there'], reply: 'A long reply. '.repeat(20), ttsRealtimeFactor: 2 });
    const t = await setup(true);
    t.send({ type: 'conversation.start' });
    const conversationId = t.messages('state').map((e) => (e.message.type === 'state' ? e.message.conversationId : null)).find(Boolean)!;
    await t.speak('what is the weather like today');
    await until(() => turnStart(t, 1) !== null && t.sent(turnStart(t, 1)!).length > 0, { detail: t.detail });
    const stream = turnStart(t, 1)!;
    t.send({ type: 'playback', event: 'started', stream, playedMs: 0 });
    await sleep(150); // some of the reply plays
    await t.speak('stop there please'); // barge-in
    await until(() => turnStart(t, 2) !== null, { detail: t.detail });
    t.send({ type: 'conversation.end' });
    t.session.close();
    await t.store.settled();
    const spans = await t.spans();

    const folder = join(t.dataDir, 'turn-audio', conversationId);
    const user = async (turn: number) => decodeFlac(readFileSync(join(folder, `turn-${turn}-user.flac`)));
    const asInt16 = (samples: Float32Array) => Int16Array.from(samples, (s) => Math.round(s * 32_768));
    const received = server.requests.filter((r) => r.endpoint === 'transcriptions').map((r) => decodeWav(r.audio!).samples);
    // Turn 1's utterance as speech-to-text received it; turn 2's too (after the quick transcript that decided the barge-in).
    expect(asInt16((await user(1)).channels[0]!)).toEqual(received[0]);
    expect(asInt16((await user(2)).channels[0]!)).toEqual(received.at(-1));
    expect((await user(1)).sampleRate).toBe(INPUT_SAMPLE_RATE);

    // The reply as heard: the start of what was sent, as long as the span says it played.
    const turn1 = spans.find((s) => s.name === SPAN.turn && s.attributes[ATTR.turnNumber] === 1)!;
    expect(turn1.attributes[ATTR.turnInterrupted]).toBe(true);
    const playedMs = Number(turn1.attributes[ATTR.turnPlayedMs]);
    const reply = await decodeFlac(readFileSync(join(folder, 'turn-1-assistant.flac')));
    const heard = asInt16(reply.channels[0]!);
    expect(reply.sampleRate).toBe(TTS_SAMPLE_RATE);
    expect(playedMs).toBeGreaterThan(0);
    expect(Math.abs(heard.length - (playedMs * TTS_SAMPLE_RATE) / 1000)).toBeLessThanOrEqual(TTS_SAMPLE_RATE / 1000);
    expect(heard.length).toBeLessThan(t.sent(stream).length);
    expect(heard).toEqual(t.sent(stream).subarray(0, heard.length));

    // On the turn's time axis, as the spans have it: the utterance ends where voice detection heard speech
    // end (and the short tail after it), the reply starts voice-to-voice after that.
    const [kept1] = await t.store.turns(conversationId);
    if (!kept1?.kept) throw new Error('turn 1 kept no audio');
    const vad = spans.find((s) => s.name === SPAN.vad && s.parentSpanContext?.spanId === turn1.spanContext().spanId)!;
    const [userLane] = kept1.segments.filter((s) => s.lane === 'user');
    const userEnd = kept1.startAt + userLane!.offsetMs + userLane!.durationMs;
    expect(userEnd - ms(vad.endTime)).toBeGreaterThanOrEqual(-0.5);
    expect(userEnd - ms(vad.endTime)).toBeLessThanOrEqual(40.5);
    const assistantLane = kept1.segments.find((s) => s.lane === 'assistant')!;
    const voiceToVoiceMs = Number(turn1.attributes[ATTR.voiceToVoiceMs]);
    expect(Math.abs(kept1.startAt + assistantLane.offsetMs - (ms(vad.endTime) + voiceToVoiceMs))).toBeLessThanOrEqual(1);
    expect(assistantLane.durationMs).toBeCloseTo(heard.length / 24, 0);
  });

  it('writes nothing with keeping off', async () => {
    server.configure({ transcripts: ['first question'], reply: 'Short.' });
    const t = await setup(false);
    t.send({ type: 'conversation.start' });
    await t.speak('what is the weather like today');
    await until(() => t.messages('transcript').some((e) => e.message.type === 'transcript' && e.message.role === 'assistant' && e.message.final), { detail: t.detail });
    t.send({ type: 'conversation.end' });
    t.session.close();
    await t.store.settled();
    expect(readdirSync(join(t.dataDir, 'turn-audio'))).toEqual([]);
  });
});
