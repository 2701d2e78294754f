import { describe, expect, it } from 'vitest';
import { MAX_OUTPUT_CHUNK_SAMPLES } from '../../../shared/audio-format';
import { StageError } from '../pipeline/stage-error';
import { Turn, type TurnOutcome } from './turn';
import type { TurnLifecycleEvent } from '../pipeline/turn-events';
import type { TurnResult } from '../pipeline/turn-run';

const RATE = 24_000;

function setup(options: { userStoppedAt?: number | null } = {}) {
  const sent: { stream: number; seq: number; samples: number; sampleRate: number }[] = [];
  const events: TurnLifecycleEvent[] = [];
  const ended: TurnOutcome[] = [];
  const replied: TurnResult[] = [];
  let flushes = 0;
  let playing = 0;
  const pauses: boolean[] = [];
  const turn = new Turn({
    number: 3,
    stream: 7,
    sampleRate: RATE,
    userStoppedAt: options.userStoppedAt ?? null,
    output: {
      audio: (stream, seq, samples, sampleRate) => sent.push({ stream, seq, samples: samples.length, sampleRate }),
      flush: () => void flushes++,
      pause: (paused) => void pauses.push(paused),
    },
    emit: (event) => events.push(event),
    hooks: {
      replied: (_, result) => replied.push(result),
      playing: () => void playing++,
      ended: (_, outcome) => ended.push(outcome),
    },
  });
  /** Audio of one sentence, as the pipeline reports it: the segment first, then its samples. */
  const speak = (text: string, seconds: number) => {
    const samples = Math.round(seconds * RATE);
    turn.segments.push({ text, samples });
    turn.sendAudio(new Int16Array(samples), RATE);
  };
  return { turn, sent, events, ended, replied, speak, pauses, flushes: () => flushes, playing: () => playing };
}

const completed = (turn: Turn, replyText = 'Hello there.'): TurnResult => ({
  status: 'completed',
  userText: 'hi',
  replyText,
  toolCalls: [],
  segments: turn.segments,
  usage: null,
});

describe('Turn', () => {
  it('without audio, is over as soon as the pipeline completes', async () => {
    const { turn, ended, replied } = setup();
    turn.pipelineFinished(completed(turn));
    expect(turn.isOver).toBe(true);
    expect(replied).toHaveLength(1);
    expect(ended).toEqual([{ status: 'completed', result: completed(turn) }]);
    await expect(turn.done).resolves.toMatchObject({ status: 'completed' });
  });

  it('with audio, is over only when the pipeline completed and playback drained, in either order', () => {
    const a = setup();
    a.speak('One.', 0.5);
    a.turn.pipelineFinished(completed(a.turn));
    expect(a.replied).toHaveLength(1); // the reply is known...
    expect(a.turn.isOver).toBe(false); // ...but it is still playing
    a.turn.onPlayback('drained', 500);
    expect(a.ended).toMatchObject([{ status: 'completed' }]);

    const b = setup();
    b.speak('One.', 0.5);
    b.turn.onPlayback('drained', 500);
    expect(b.turn.isOver).toBe(false);
    b.turn.pipelineFinished(completed(b.turn));
    expect(b.ended).toMatchObject([{ status: 'completed' }]);
  });

  it('does not take a drain before more audio arrived as the end', () => {
    const { turn, ended, speak } = setup();
    speak('One.', 0.5);
    turn.onPlayback('drained', 500);
    speak('Two.', 0.5); // the client ran dry between sentences
    turn.pipelineFinished(completed(turn));
    expect(ended).toEqual([]);
    turn.onPlayback('drained', 1_000);
    expect(ended).toHaveLength(1);
  });

  it('sends audio in chunks the client accepts, numbered in order, and reports the first', () => {
    const { turn, sent, events } = setup();
    turn.sendAudio(new Int16Array(MAX_OUTPUT_CHUNK_SAMPLES * 2 + 10), RATE);
    turn.sendAudio(new Int16Array(5), RATE);
    expect(sent.map((c) => [c.stream, c.seq, c.samples])).toEqual([
      [7, 0, MAX_OUTPUT_CHUNK_SAMPLES],
      [7, 1, MAX_OUTPUT_CHUNK_SAMPLES],
      [7, 2, 10],
      [7, 3, 5],
    ]);
    expect(events.filter((e) => e.type === 'turn.audio_sent')).toHaveLength(1);
  });

  it('reports playback start once, with the voice-to-voice latency of a voice turn', () => {
    const userStoppedAt = performance.timeOrigin + performance.now() - 400;
    const { turn, events, playing, speak } = setup({ userStoppedAt });
    speak('One.', 0.5);
    turn.onPlayback('started', 0);
    turn.onPlayback('started', 20);
    expect(playing()).toBe(1);
    const started = events.filter((e) => e.type === 'turn.playback_started');
    expect(started).toHaveLength(1);
    const latency = started[0]!.type === 'turn.playback_started' ? started[0]!.voiceToVoiceMs : null;
    expect(latency).toBeGreaterThanOrEqual(400);
    expect(turn.voiceToVoiceMs).toBe(latency);
    expect(setup().turn.voiceToVoiceMs).toBeNull(); // a typed turn has none
  });

  it('on interrupt: stops the stages, flushes the client, keeps what was heard, and sends nothing more', async () => {
    const { turn, sent, events, ended, speak, flushes } = setup();
    speak('First part of the answer.', 1);
    speak('Second part that nobody hears.', 1);
    turn.onPlayback('started', 0);
    turn.onPlayback('drained', 1_000); // a report: one second played
    turn.interrupt('barge-in');
    expect(turn.signal.aborted).toBe(true);
    expect((turn.signal.reason as Error).message).toBe('barge-in');
    expect(flushes()).toBe(1);
    expect(ended).toEqual([{ status: 'interrupted', reason: 'barge-in', playedMs: 1_000, heard: 'First part of the answer.' }]);
    expect(events.map((e) => e.type)).toEqual(['turn.audio_sent', 'turn.playback_started', 'turn.interrupted', 'turn.ended']);
    expect(events.at(-1)).toMatchObject({ outcome: 'interrupted', audio: { chunks: sent.length, sentMs: 2_000, playedMs: 1_000 } });
    const count = sent.length;
    turn.sendAudio(new Int16Array(100), RATE);
    turn.pipelineFinished({ ...completed(turn), status: 'cancelled' });
    turn.interrupt('again');
    expect(sent).toHaveLength(count);
    expect(ended).toHaveLength(1);
    await expect(turn.done).resolves.toMatchObject({ status: 'interrupted' });
  });

  it('holds playback for a possible barge-in and resumes it, reporting the false interruption, with the stages running on', () => {
    const { turn, pauses, events, ended } = setup();
    turn.pausePlayback();
    turn.pausePlayback(); // once
    expect(turn.isPaused).toBe(true);
    expect(turn.signal.aborted).toBe(false);
    turn.resumePlayback();
    turn.resumePlayback();
    expect(pauses).toEqual([true, false]);
    expect(events.filter((e) => e.type === 'turn.false_interruption')).toEqual([
      { type: 'turn.false_interruption', at: expect.any(Number), turn: 3, pausedMs: expect.any(Number) },
    ]);
    expect(ended).toEqual([]);
  });

  it('counts at most what was sent as played, and nothing when playback never started', () => {
    const a = setup();
    a.speak('Short.', 0.2);
    a.turn.onPlayback('started', 5_000); // an over-eager report
    a.turn.interrupt('new message');
    expect(a.ended[0]).toMatchObject({ playedMs: 200, heard: 'Short.' });

    const b = setup();
    b.speak('Never played.', 0.5);
    b.turn.interrupt('new message');
    expect(b.ended[0]).toMatchObject({ playedMs: 0, heard: '' });
    expect(b.flushes()).toBe(1);
    const c = setup();
    c.turn.interrupt('new message'); // nothing sent: nothing to flush
    expect(c.flushes()).toBe(0);
  });

  it('tells what was heard for a later, exact playback report', () => {
    const { turn, speak } = setup();
    speak('One two three four.', 1);
    turn.interrupt('barge-in');
    expect(turn.heardAfter(500)).toBe('One two');
  });

  it('on failure, is over at once with what had been sent', () => {
    const { turn, ended, events, replied, speak } = setup();
    speak('Sent in full.', 0.5);
    turn.segments.push({ text: 'Never synthesised.', samples: 0 });
    const error = new StageError('tts', 'auth', 'The voice refused the API key.');
    turn.pipelineFinished({ ...completed(turn), status: 'failed', error });
    expect(replied).toEqual([]);
    expect(ended).toMatchObject([{ status: 'failed', error, heard: 'Sent in full.' }]);
    expect(events.at(-1)).toMatchObject({ type: 'turn.ended', outcome: 'failed', error, errorType: 'auth' });
  });
});
