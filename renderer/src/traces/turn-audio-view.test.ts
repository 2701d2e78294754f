import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SPAN } from '../../../shared/telemetry';
import { viewerSpan } from '../testing/viewer-span';
import { SpanWaterfall } from './SpanWaterfall';
import { SpanIndex, waterfall } from './trace-view';
import type { KeptAudio } from './turn-audio';
import { AudioLanes, Playhead, TurnAudioPlayer } from './TurnAudioPlayer';
import type { PlaybackState, TurnPlayback } from './use-turn-audio';

const audio: KeptAudio = {
  turn: 4,
  kept: true,
  startAt: 1_000_000 - 200,
  durationMs: 3_000,
  segments: [
    { lane: 'user', offsetMs: 0, durationMs: 1_400 },
    { lane: 'assistant', offsetMs: 1_800, durationMs: 1_000 },
    { lane: 'user', offsetMs: 2_400, durationMs: 300 },
  ],
};
const IDLE: PlaybackState = { phase: 'idle', playing: false, ended: false, positionS: 0, progress: null, error: null };
const playback = (state: Partial<PlaybackState> = {}): TurnPlayback => ({ state: { ...IDLE, ...state }, attach: () => {}, element: null, toggle: () => {}, seek: () => {} });
const player = (status: Parameters<typeof TurnAudioPlayer>[0]['status'], state?: Partial<PlaybackState>) =>
  renderToStaticMarkup(createElement(TurnAudioPlayer, { turn: 4, status, playback: playback(state), offsetMs: -200, outputDeviceId: '' }));
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('turn audio player', () => {
  it('offers "Play turn N", and "Pause turn N" while playing, in a section named for the turn', () => {
    const idle = player({ kind: 'kept', audio });
    expect(idle).toContain('aria-label="Turn 4 audio"');
    expect(idle).toMatch(/<button[^>]*>Play turn 4<\/button>/);
    expect(idle).toContain('<audio');
    expect(player({ kind: 'kept', audio }, { phase: 'ready', playing: true, positionS: 1.4 })).toMatch(/<button[^>]*>Pause turn 4<\/button>/);
  });

  it('says where it plays on the turn axis, and how far the file has come while it is fetched', () => {
    expect(text(player({ kind: 'kept', audio }, { phase: 'ready', playing: true, positionS: 1.4 }))).toContain('Playing from 1.2 s');
    expect(text(player({ kind: 'kept', audio }, { phase: 'ready', positionS: 2 }))).toContain('Paused at 1.8 s');
    const loading = player({ kind: 'kept', audio }, { phase: 'loading', progress: { loaded: 40, total: 100 } });
    expect(text(loading)).toContain('Preparing audio… 40%');
    expect(loading).toMatch(/<button[^>]*disabled=""[^>]*>Play turn 4/);
  });

  it('shows why a turn has no audio, and a failure as an alert', () => {
    const none = player({ kind: 'missing', text: 'No audio: audio capture was off' });
    expect(text(none)).toContain('No audio: audio capture was off');
    expect(none).not.toContain('<button');
    expect(player({ kind: 'failed', text: 'The turn audio could not be listed: gone' })).toMatch(/role="alert"[^>]*>The turn audio could not be listed: gone/);
    expect(player({ kind: 'kept', audio }, { error: 'The audio could not be played: bad file.' })).toMatch(/role="alert"[^>]*>The audio could not be played: bad file\./);
  });
});

describe('audio lanes and playhead on the waterfall', () => {
  const turn = viewerSpan({ seq: 1, spanId: '1'.repeat(16), name: SPAN.turn, startTime: [1_000, 0], endTime: [1_002, 0] });
  const child = viewerSpan({ seq: 2, spanId: '2'.repeat(16), parentSpanId: turn.spanId, name: 'child', startTime: [1_000, 500_000_000], endTime: [1_001, 0] });
  const fall = waterfall([turn, child], turn.spanId, new SpanIndex([turn, child]));

  it('draws the two lanes with their words and the talk-over, and the axis reaches the end of the audio', () => {
    const html = renderToStaticMarkup(
      createElement(SpanWaterfall, {
        rows: fall.rows,
        totalMs: fall.totalMs,
        selected: null,
        onSelect: () => {},
        extra: {
          untilMs: -200 + audio.durationMs,
          lanes: (totalMs) => createElement(AudioLanes, { audio, offsetMs: -200, totalMs }),
          overlay: (totalMs) => createElement(Playhead, { element: null, state: { ...IDLE, positionS: 1.2 }, offsetMs: -200, totalMs }),
        },
      }),
    );
    expect(html).toContain('aria-label="Audio lanes"');
    const words = text(html);
    expect(words).toContain('You: 0.0–1.2 s, 2.2–2.5 s');
    expect(words).toContain('Assistant: 1.6–2.6 s');
    expect(words).toContain('Both at once (talk-over): 2.2–2.5 s');
    // The axis is 2.8 s (the audio's end), past the spans' 2 s: the child span at 0.5 s sits at 17.857%.
    expect(html).toContain('left:17.857142857142858%');
    expect(html).toContain('class="audio-sound" style="left:78.571%;width:10.715%"');
    // The playhead at 1.2 s into the file: 1.0 s on the axis.
    expect(html).toMatch(/class="audio-playhead" style="left:35\.714%"/);
    // The lanes come before the spans, the playhead over all of them.
    expect(html.indexOf('audio-lanes')).toBeLessThan(html.indexOf('span-list'));
    expect(html.indexOf('audio-playhead-layer')).toBeGreaterThan(html.indexOf('span-list'));
  });
});
