import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES } from '../../../shared/audio-format';
import { TurnDetector, type TurnEvent } from './turn-detector';

/** Runs recorded VAD decisions ("1" voiced, "0" not, one per 20 ms frame). */
function run(decisions: string, options = { minSpeechMs: 100, silenceMs: 200 }): { events: TurnEvent[]; detector: TurnDetector } {
  const detector = new TurnDetector(options);
  const events: TurnEvent[] = [];
  [...decisions.replace(/\s/g, '')].forEach((d, i) => {
    const frame = new Int16Array(FRAME_SAMPLES).fill(i + 1);
    const event = detector.push(frame, d === '1');
    if (event) events.push(event);
  });
  return { events, detector };
}

describe('TurnDetector', () => {
  it('starts after the minimum speech and ends after the silence window', () => {
    const { events } = run('00000 11111 11111 00000 00000');
    expect(events.map((e) => e.type)).toEqual(['speech.start', 'speech.end']);
    expect(events[0]).toMatchObject({ atFrame: 10 }); // 5 voiced frames = 100 ms
    expect(events[1]).toMatchObject({ atFrame: 25 }); // 10 silent frames = 200 ms
  });

  it('ignores clicks shorter than the minimum speech', () => {
    const { events } = run('0011000110001100000000');
    expect(events).toEqual([]);
  });

  it('keeps going through pauses shorter than the silence window', () => {
    const { events } = run('11111 111 00000 00 11111 0000000000');
    expect(events.map((e) => e.type)).toEqual(['speech.start', 'speech.end']);
  });

  it('detects two utterances separated by silence', () => {
    const { events } = run(`${'1'.repeat(20)}${'0'.repeat(15)}${'1'.repeat(20)}${'0'.repeat(15)}`);
    expect(events.map((e) => e.type)).toEqual(['speech.start', 'speech.end', 'speech.start', 'speech.end']);
  });

  it('hands on the utterance with pre-roll and without the long trailing silence', () => {
    const { events } = run(`${'0'.repeat(20)}${'1'.repeat(25)}${'0'.repeat(10)}`, { minSpeechMs: 100, silenceMs: 200 });
    const end = events.find((e) => e.type === 'speech.end');
    if (end?.type !== 'speech.end') throw new Error('no end');
    const frames = end.audio.length / FRAME_SAMPLES;
    // 10 pre-roll frames (200 ms) + 25 voiced + 1 frame of tail.
    expect(frames).toBe(36);
    expect(end.audio[0]).toBe(11); // first pre-roll frame is frame #11
    expect(end.speechMs).toBe(700);
  });

  it('reports a pause with the utterance it would hand on, and the voice coming back', () => {
    const options = { minSpeechMs: 100, silenceMs: 200, pauseMs: 20 };
    const { events } = run(`${'1'.repeat(10)}000${'1'.repeat(5)}${'0'.repeat(10)}`, options);
    expect(events.map((e) => e.type)).toEqual(['speech.start', 'speech.pause', 'speech.resume', 'speech.pause', 'speech.end']);
    const [, firstPause, , lastPause, end] = events;
    if (firstPause?.type !== 'speech.pause' || lastPause?.type !== 'speech.pause' || end?.type !== 'speech.end') throw new Error('no pause');
    expect(firstPause.atFrame).toBe(11); // one silent frame after ten voiced ones
    expect(firstPause.audio.length / FRAME_SAMPLES).toBe(11);
    expect(lastPause.audio).toEqual(end.audio); // no voice after the pause: the same utterance
    expect(end.speechMs).toBe(lastPause.speechMs);
  });

  it('reports no pause without pauseMs, or when the pause is not shorter than the silence window', () => {
    expect(run(`${'1'.repeat(10)}${'0'.repeat(10)}`).events.map((e) => e.type)).toEqual(['speech.start', 'speech.end']);
    const { events } = run(`${'1'.repeat(10)}${'0'.repeat(10)}`, { minSpeechMs: 100, silenceMs: 200, pauseMs: 200 } as never);
    expect(events.map((e) => e.type)).toEqual(['speech.start', 'speech.end']);
  });

  it('cuts very long speech into turns', () => {
    const { events } = run('1'.repeat(60), { minSpeechMs: 100, silenceMs: 200, maxUtteranceMs: 400 } as never);
    expect(events.filter((e) => e.type === 'speech.end').length).toBeGreaterThanOrEqual(2);
  });

  it('forgets an utterance in progress on reset', () => {
    const { detector } = run('1111111111');
    expect(detector.isSpeaking).toBe(true);
    detector.reset();
    expect(detector.isSpeaking).toBe(false);
  });
});
