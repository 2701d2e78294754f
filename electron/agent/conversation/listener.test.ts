import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import { silentLogger } from '../util/logger';
import { scriptedVad } from '../testing/test-stages';
import { of, silence, speech } from '../testing/assistant-output';
import { Listener, MAX_PENDING_FRAMES, type ListenerHooks, type TurnTaking, type Utterance } from './listener';
import type { VoiceActivity } from '../pipeline/stages';
import { eventTime, type TurnLifecycleEvent } from '../pipeline/turn-events';

const VOICE: TurnTaking = { pushToTalk: false, minSpeechMs: 60, silenceMs: 100 };
const KEY: TurnTaking = { pushToTalk: true, minSpeechMs: 60, silenceMs: 100 };

type Heard =
  | { type: 'start'; at: number; by: string }
  | ({ type: 'utterance' } & Utterance)
  | ({ type: 'paused' } & Utterance)
  | { type: 'resumed' }
  | { type: 'discarded' }
  | { type: 'failed'; error: unknown };

function setup(createVad: () => Promise<VoiceActivity> = async () => scriptedVad) {
  const heard: Heard[] = [];
  let waiting: { count: number; resolve: () => void } | null = null;
  const note = (item: Heard) => {
    heard.push(item);
    if (waiting && heard.length >= waiting.count) waiting.resolve();
  };
  const hooks: ListenerHooks = {
    speechStarted: (at, by) => note({ type: 'start', at, by }),
    utterance: (utterance) => note({ type: 'utterance', ...utterance }),
    speechPaused: (utterance) => note({ type: 'paused', ...utterance }),
    speechResumed: () => note({ type: 'resumed' }),
    speechDiscarded: () => note({ type: 'discarded' }),
    detectorFailed: (error) => note({ type: 'failed', error }),
  };
  let vads = 0;
  let turns = 0;
  const events: TurnLifecycleEvent[] = [];
  const listener = new Listener({
    createVad: () => {
      vads++;
      return createVad();
    },
    nextTurn: () => ++turns,
    emit: (event) => events.push(event),
    hooks,
    logger: silentLogger,
  });
  /** Resolves once `count` reports have arrived. */
  const reports = (count: number) =>
    heard.length >= count ? Promise.resolve() : new Promise<void>((resolve) => (waiting = { count, resolve }));
  const listening = () => events.map((e) => `${e.type} ${e.turn}`);
  return { listener, heard, reports, events, listening, vads: () => vads };
}

/** A voice detector that decides a frame only when the test lets it. */
function gatedVad() {
  const gates: (() => void)[] = [];
  let disposed = 0;
  const vad: VoiceActivity = {
    name: 'gated',
    isSpeech: (frame) => new Promise((resolve) => gates.push(() => resolve((frame[0] ?? 0) > 0))),
    reset() {},
    dispose: async () => void disposed++,
  };
  return { vad, gates, disposed: () => disposed };
}

describe('Listener', () => {
  it('hears an utterance through the voice detector: when speech started, then the audio and when it stopped', async () => {
    const { listener, heard, reports, events, listening } = setup();
    listener.start(VOICE);
    const before = eventTime();
    for (const frame of of(10, speech)) listener.pushFrame(frame);
    await reports(1);
    expect(heard[0]).toMatchObject({ type: 'start', by: 'voice' });
    const startedAt = (heard[0] as { at: number }).at;
    expect(startedAt).toBeLessThanOrEqual(eventTime() - VOICE.minSpeechMs); // speech began minSpeechMs before it was confirmed
    expect(startedAt).toBeGreaterThanOrEqual(before - VOICE.minSpeechMs);
    for (const frame of of(8, silence)) listener.pushFrame(frame);
    await reports(2);
    const utterance = heard[1] as Utterance;
    expect(utterance.audio.length).toBeGreaterThanOrEqual(10 * FRAME_SAMPLES);
    expect(utterance.speechMs).toBeGreaterThanOrEqual(200);
    expect(utterance.stoppedAt).toBeLessThanOrEqual(eventTime() - VOICE.silenceMs);
    expect(utterance.turn).toBe(1);
    expect(utterance.endedBy).toBe('silence');
    expect(listening()).toEqual(['listening.started 1', 'listening.stopped 1', 'turn.end_of_speech 1']);
    expect(events[0]).toMatchObject({ at: startedAt, detector: 'silero' });
    expect(events[1]).toMatchObject({ at: utterance.stoppedAt, speechMs: utterance.speechMs });
    // The user stopped when the utterance did, and the silence window in force ended it.
    expect(events[2]).toEqual({ type: 'turn.end_of_speech', at: utterance.stoppedAt, turn: 1, silenceMs: VOICE.silenceMs });
  });

  it('keeps at most 50 frames waiting for the detector, counting those it drops, and decides them in order', async () => {
    const { vad, gates } = gatedVad();
    const { listener, heard, reports } = setup(async () => vad);
    listener.start(VOICE);
    for (const frame of [...of(10, speech), ...of(MAX_PENDING_FRAMES, silence)]) listener.pushFrame(frame);
    expect(listener.droppedFrames).toBe(10);
    expect(listener.maxPendingFrames).toBe(MAX_PENDING_FRAMES);
    // The ten speech frames made it (the first ones), the last ten silent ones did not.
    for (let decided = 0; decided < MAX_PENDING_FRAMES; decided++) {
      while (gates.length === 0) await new Promise((r) => setImmediate(r));
      gates.shift()!();
    }
    await reports(2);
    expect(heard.map((h) => h.type)).toEqual(['start', 'utterance']);
    // Once the queue has room again, frames are taken again.
    listener.pushFrame(silence());
    expect(listener.droppedFrames).toBe(10);
  });

  it('drops the frames still waiting when it stops, and hears nothing after', async () => {
    const { vad, gates } = gatedVad();
    const { listener, heard, listening } = setup(async () => vad);
    listener.start(VOICE);
    for (const frame of of(10, speech)) listener.pushFrame(frame);
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    listener.stop();
    listener.pushFrame(speech());
    gates.shift()!(); // the frame in flight is decided, but not used
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(gates).toHaveLength(0); // the other nine were never sent to the detector
    expect(heard).toEqual([]);
    expect(listening()).toEqual([]);
  });

  it('takes push-to-talk turns: press starts, release hands on everything held; a short tap is ignored', () => {
    const { listener, heard, events, listening } = setup();
    listener.start(KEY);
    for (const frame of of(10, speech)) listener.pushFrame(frame); // key not held: nothing
    expect(heard).toEqual([]);
    listener.pushToTalk(true);
    listener.pushToTalk(true); // a repeated press changes nothing
    for (const frame of of(20, silence)) listener.pushFrame(frame); // silence counts while held
    listener.pushToTalk(false);
    expect(heard.map((h) => h.type)).toEqual(['start', 'utterance']);
    expect(heard[0]).toMatchObject({ by: 'push-to-talk' });
    expect(heard[1]).toMatchObject({ speechMs: (20 * FRAME_SAMPLES * 1000) / INPUT_SAMPLE_RATE });
    expect((heard[1] as Utterance).audio.length).toBe(20 * FRAME_SAMPLES);
    expect((heard[1] as Utterance).endedBy).toBe('push_to_talk');
    // Speech ended at the release; no silence window was waited for.
    expect(events[2]).toEqual({ type: 'turn.end_of_speech', at: (heard[1] as Utterance).stoppedAt, turn: 1 });
    listener.pushToTalk(true);
    listener.pushFrame(speech()); // 20 ms < 60 ms
    listener.pushToTalk(false);
    expect(heard.map((h) => h.type)).toEqual(['start', 'utterance', 'start', 'discarded']);
    listener.pushToTalk(false); // a release without a press
    expect(heard).toHaveLength(4);
    expect(listening()).toEqual(['listening.started 1', 'listening.stopped 1', 'turn.end_of_speech 1', 'listening.started 2', 'listening.abandoned 2']);
    expect(events[0]).toMatchObject({ detector: 'push-to-talk' });
    listener.pushToTalk(true);
    listener.stop(); // the conversation ended while the key was held
    expect(listening().slice(5)).toEqual(['listening.started 3', 'listening.abandoned 3']);
  });

  it('keeps the settings it started with, whatever happens to the object they came from', async () => {
    const { listener, heard, reports } = setup();
    const settings = { ...VOICE };
    listener.start(settings);
    settings.pushToTalk = true;
    settings.silenceMs = 10_000;
    for (const frame of [...of(10, speech), ...of(8, silence)]) listener.pushFrame(frame);
    await reports(2);
    expect(heard.map((h) => h.type)).toEqual(['start', 'utterance']);
  });

  it('ignores frames and keys while not started', () => {
    const { listener, heard } = setup();
    listener.pushFrame(speech());
    listener.pushToTalk(true);
    expect(heard).toEqual([]);
  });

  it('reports a detector that fails to load, and tries again at the next start', async () => {
    const { listener, heard, reports, vads } = setup(async () => {
      throw new Error('model missing');
    });
    listener.start(VOICE);
    await reports(1);
    expect(heard[0]).toMatchObject({ type: 'failed', error: new Error('model missing') });
    listener.pushFrame(speech()); // voice detection is off: dropped silently, not queued
    expect(listener.maxPendingFrames).toBe(0);
    listener.start(VOICE);
    expect(vads()).toBe(2);
  });

  it('loads the detector once across conversations and disposes of it', async () => {
    const { vad, disposed } = gatedVad();
    const { listener, vads } = setup(async () => vad);
    listener.start(VOICE);
    listener.start(KEY);
    await listener.dispose();
    expect(vads()).toBe(1);
    expect(disposed()).toBe(1);
  });

  it('with preemptive replies, tells of each pause (the utterance so far) and of the voice coming back; push-to-talk never pauses', async () => {
    const { listener, heard, reports } = setup();
    listener.start({ ...VOICE, silenceMs: 200, preemptiveReply: true });
    for (const frame of [...of(5, speech), ...of(4, silence), ...of(5, speech), ...of(10, silence)]) listener.pushFrame(frame);
    await reports(5);
    expect(heard.map((h) => h.type)).toEqual(['start', 'paused', 'resumed', 'paused', 'utterance']);
    const [, first, , last, utterance] = heard;
    if (first?.type !== 'paused' || last?.type !== 'paused' || utterance?.type !== 'utterance') throw new Error('no pause');
    expect([first.turn, last.turn]).toEqual([utterance.turn, utterance.turn]);
    expect(last.audio).toEqual(utterance.audio);
    expect(first.audio.length).toBeLessThan(utterance.audio.length);

    const ptt = setup();
    ptt.listener.start({ ...KEY, preemptiveReply: true });
    ptt.listener.pushToTalk(true);
    for (const frame of [...of(5, speech), ...of(4, silence), ...of(5, speech)]) ptt.listener.pushFrame(frame);
    ptt.listener.pushToTalk(false);
    await ptt.reports(2);
    expect(ptt.heard.map((h) => h.type)).toEqual(['start', 'utterance']);
  });

  it('tells of no pause with preemptive replies off', async () => {
    const { listener, heard, reports } = setup();
    listener.start({ ...VOICE, silenceMs: 200 });
    for (const frame of [...of(5, speech), ...of(4, silence), ...of(5, speech), ...of(10, silence)]) listener.pushFrame(frame);
    await reports(2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heard.map((h) => h.type)).toEqual(['start', 'utterance']);
  });
});
