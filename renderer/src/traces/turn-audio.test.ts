import { describe, expect, it } from 'vitest';
import type { AudioSegment } from '../../../shared/turn-audio';
import {
  audioFileName,
  audioOrigin,
  decodeFailure,
  axisMsAt,
  axisPercent,
  axisWithAudio,
  fileOffsetMs,
  laneIntervals,
  laneText,
  positionText,
  preparingText,
  seekSeconds,
  talkOver,
  turnAudioStatus,
  type KeptAudio,
} from './turn-audio';

const CONVERSATION = '0d6c1a56-3c3e-4c6b-9a8e-6f1f7e0c8a11';
const TURN_START = 1_800_000_000_000;
const live = { kind: 'live', key: CONVERSATION } as const;
const seg = (lane: AudioSegment['lane'], offsetMs: number, durationMs: number): AudioSegment => ({ lane, offsetMs, durationMs });
/** Turn 2's audio: the file starts 300 ms before the turn span (speech's pre-roll) and lasts 5 s. */
const kept: KeptAudio = {
  turn: 2,
  kept: true,
  startAt: TURN_START - 300,
  durationMs: 5_000,
  segments: [seg('user', 0, 1_900), seg('assistant', 2_500, 2_000), seg('user', 3_600, 600)],
};

describe('which turns have audio', () => {
  it('plays only live conversations: a file never holds audio, a turn outside a conversation has none', () => {
    expect(audioOrigin(CONVERSATION, CONVERSATION, false)).toEqual(live);
    expect(audioOrigin(CONVERSATION, CONVERSATION, true)).toEqual({ kind: 'file' });
    expect(audioOrigin('a'.repeat(32), null, false)).toEqual({ kind: 'outside' });
    expect(turnAudioStatus({ kind: 'file' }, 1, null)).toEqual({ kind: 'missing', text: 'No audio: trace files never hold audio' });
    expect(turnAudioStatus({ kind: 'outside' }, 1, null)).toMatchObject({ kind: 'missing', text: expect.stringMatching(/^No audio: this turn ran outside a conversation/) });
  });

  it('finds the chosen turn in the list; a turn left out had capture off, unless the conversation has its own reason', () => {
    const list = { turns: [kept, { turn: 3, kept: false, reason: 'no-sound' } as const] };
    expect(turnAudioStatus(live, 2, { list })).toEqual({ kind: 'kept', audio: kept });
    expect(turnAudioStatus(live, 3, { list })).toEqual({ kind: 'missing', text: 'No audio: nothing was said or played in this turn' });
    expect(turnAudioStatus(live, 4, { list })).toEqual({ kind: 'missing', text: 'No audio: audio capture was off' });
    expect(turnAudioStatus(live, null, { list })).toEqual({ kind: 'missing', text: 'No audio: audio capture was off' });
    expect(turnAudioStatus(live, 2, { list: { turns: [], reason: 'other-session' } })).toEqual({
      kind: 'missing',
      text: 'No audio: its audio belongs to another window or tab and plays only there',
    });
  });

  it('says it is still looking, that the list failed, or that main keeps none', () => {
    expect(turnAudioStatus(live, 2, null)).toEqual({ kind: 'looking' });
    expect(turnAudioStatus(live, 2, { error: 'The app did not answer (audio.turns) within 30 s.' })).toEqual({
      kind: 'failed',
      text: 'The turn audio could not be listed: The app did not answer (audio.turns) within 30 s.',
    });
    // Main answering that it keeps none here is the reason, not a failure.
    expect(turnAudioStatus(live, 2, { error: 'This host keeps no turn audio.', unavailable: true })).toEqual({ kind: 'missing', text: 'No audio: this host keeps no turn audio' });
  });
});

describe('turn audio on the time axis', () => {
  const offset = fileOffsetMs(kept, TURN_START);

  it('places the file by its start on the spans clock, and the axis reaches its end', () => {
    expect(offset).toBe(-300);
    expect(axisWithAudio(3_000, kept, offset)).toBe(4_700);
    expect(axisWithAudio(6_000, kept, offset)).toBe(6_000);
    expect(axisWithAudio(6_000, null, 0)).toBe(6_000);
  });

  it("draws each lane's sound from the segments, clamped at the turn's start", () => {
    expect(laneIntervals(kept.segments, offset)).toEqual({
      user: [
        { fromMs: 0, toMs: 1_600 },
        { fromMs: 3_300, toMs: 3_900 },
      ],
      assistant: [{ fromMs: 2_200, toMs: 4_200 }],
    });
    // Wholly before the turn, or silent: not drawn.
    expect(laneIntervals([seg('user', 0, 200), seg('assistant', 500, 0)], offset)).toEqual({ user: [], assistant: [] });
  });

  it('finds the talk-over: where the user spoke over the reply', () => {
    const lanes = laneIntervals(kept.segments, offset);
    expect(talkOver(lanes)).toEqual([{ fromMs: 3_300, toMs: 3_900 }]);
    expect(talkOver({ user: [{ fromMs: 0, toMs: 1_000 }], assistant: [{ fromMs: 1_000, toMs: 2_000 }] })).toEqual([]);
    expect(
      talkOver({
        user: [
          { fromMs: 0, toMs: 1_500 },
          { fromMs: 1_400, toMs: 2_500 },
        ],
        assistant: [{ fromMs: 1_000, toMs: 3_000 }],
      }),
    ).toEqual([{ fromMs: 1_000, toMs: 2_500 }]);
  });

  it('says each lane in words', () => {
    const lanes = laneIntervals(kept.segments, offset);
    expect(laneText('You', lanes.user)).toBe('You: 0.0–1.6 s, 3.3–3.9 s');
    expect(laneText('Assistant', lanes.assistant)).toBe('Assistant: 2.2–4.2 s');
    expect(laneText('Assistant', [])).toBe('Assistant: no sound');
  });

  it("seeks a span's start within the file", () => {
    expect(seekSeconds(1_000, offset, kept)).toBe(1.3);
    // A span at the turn's start: the file's pre-roll is skipped to it, not played from before.
    expect(seekSeconds(0, offset, kept)).toBe(0.3);
    expect(seekSeconds(0, 200, kept)).toBe(0);
    expect(seekSeconds(60_000, offset, kept)).toBe(5);
  });

  it('moves the playhead along the axis from the file time, within the axis', () => {
    expect(axisMsAt(1.3, offset)).toBe(1_000);
    expect(axisPercent(axisMsAt(0, offset), 4_700)).toBe(0);
    expect(axisPercent(axisMsAt(2.65, offset), 4_700)).toBe(50);
    expect(axisPercent(10_000, 4_700)).toBe(100);
    expect(axisPercent(10, 0)).toBe(0);
  });
});

describe('turn audio words', () => {
  it('says where playback is, on the turn axis', () => {
    expect(positionText(true, false, 1_234)).toBe('Playing from 1.2 s');
    expect(positionText(false, false, -300)).toBe('Paused at 0.0 s');
    expect(positionText(false, true, 4_700)).toBe('Played to the end');
  });

  it('says a file that does not decode apart from other playback failures', () => {
    expect(decodeFailure({ code: 4, message: 'MEDIA_ELEMENT_ERROR: Format error' })).toBe('The audio could not be played: the file could not be decoded (MEDIA_ELEMENT_ERROR: Format error).');
    expect(decodeFailure({ code: 3, message: '' })).toBe('The audio could not be played: the file could not be decoded.');
    expect(decodeFailure({ code: 2, message: 'network' })).toBe('The audio could not be played (network).');
  });

  it('names downloads by trace and turn, and says how far one has come', () => {
    expect(audioFileName('ab'.repeat(16), 3)).toBe(`audio-${'ab'.repeat(16)}-turn-3.flac`);
    expect(audioFileName('ab'.repeat(16), null)).toBe(`audio-${'ab'.repeat(16)}.flac`);
    expect(preparingText(40, 100)).toBe('Preparing audio… 40%');
    expect(preparingText(49, 100)).toBe('Preparing audio… 40%');
    expect(preparingText(100, 100)).toBe('Preparing audio… 100%');
    expect(preparingText(0, null)).toBe('Preparing audio…');
  });
});
