import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ATTR, EVENT, SPAN } from '../../../shared/telemetry';
import type { ViewerSpan } from '../../../shared/trace-viewer';
import { viewerSpan } from '../testing/viewer-span';
import { LatencySummary } from './LatencySummary';
import { SpanWaterfall } from './SpanWaterfall';
import { SpanIndex, summarize, turnRows, waterfall } from './trace-view';
import { decisionSummary, turnDecisions } from './turn-decisions';

const T0 = 1_800_000_000;
/** `ms` after T0, as an HrTime. */
const at = (ms: number): [number, number] => [T0 + Math.floor(ms / 1000), Math.round((ms % 1000) * 1_000_000)];
const sid = (n: number) => n.toString(16).padStart(16, '0');
type Events = ViewerSpan['events'];
const event = (name: string, ms: number, attributes: ViewerSpan['events'][number]['attributes'] = {}) => ({ name, time: at(ms), attributes, droppedAttributesCount: 0 });

/** A voice turn from `start`: speech ends at +1000, the turn is confirmed 500 ms later, the reply plays at +2200. */
function turn(n: number, start: number, more: { events?: Events; attributes?: ViewerSpan['attributes']; played?: boolean } = {}): ViewerSpan[] {
  const turnSpan = viewerSpan({
    seq: n * 10,
    spanId: sid(n * 10),
    name: SPAN.turn,
    startTime: at(start),
    endTime: at(start + 4_000),
    attributes: { [ATTR.turnNumber]: n, [ATTR.turnInput]: 'voice', [ATTR.turnEndReason]: 'silence', ...more.attributes },
    events: [
      event(EVENT.endOfSpeech, start + 1_000, { [ATTR.vadSilenceMs]: 500 }),
      event(EVENT.turnConfirmed, start + 1_500),
      event(EVENT.firstAudio, start + 2_000),
      ...(more.events ?? []),
    ],
  });
  const playback = viewerSpan({
    seq: n * 10 + 1,
    spanId: sid(n * 10 + 1),
    parentSpanId: turnSpan.spanId,
    name: SPAN.audioPlayback,
    process: 'renderer',
    startTime: at(start + 2_050),
    endTime: at(start + 3_800),
    events: [event(EVENT.playbackStarted, start + 2_200)],
  });
  return more.played === false ? [turnSpan] : [turnSpan, playback];
}

const interrupted = [
  event(EVENT.interruptionDetected, 2_600, { [ATTR.interruptionOverlapMs]: 0 }),
  event(EVENT.interruptionResumed, 2_900, { [ATTR.interruptionOverlapMs]: 300 }),
  event(EVENT.interruptionDetected, 3_100, { [ATTR.interruptionOverlapMs]: 0 }),
  event(EVENT.interruptionConfirmed, 3_700, { [ATTR.interruptionOverlapMs]: 600 }),
];

describe('turn decisions', () => {
  it('places each decision on the turn axis with its words, the silence window as a band', () => {
    const spans = turn(1, 0, { events: interrupted, attributes: { [ATTR.turnInterruptedBy]: 'user_speech' } });
    const decisions = turnDecisions(spans[0]!, new SpanIndex(spans));
    expect(decisions.markers.map((m) => [m.kind, Math.round(m.offsetMs), m.label])).toEqual([
      ['end_of_speech', 1_000, 'End of speech (silence window 500 ms)'],
      ['confirmed', 1_500, 'Turn confirmed: the silence window elapsed, 500 ms after the end of speech'],
      ['first_audio', 2_200, 'First audio playing'],
      ['interruption_detected', 2_600, 'Interruption detected: playback paused (overlap 0 ms)'],
      ['interruption_resumed', 2_900, 'Interruption resumed: a false interruption, playback went on (overlap 300 ms)'],
      ['interruption_detected', 3_100, 'Interruption detected: playback paused (overlap 0 ms)'],
      ['interruption_confirmed', 3_700, 'Interruption confirmed: the reply stopped (overlap 600 ms)'],
    ]);
    expect(decisions.silence).toEqual({ fromMs: 1_000, toMs: 1_500 });
  });

  it('offsets from the turn span start, falls back to the audio sent without a playback span, and makes no band without both ends', () => {
    const spans = turn(2, 5_000, { played: false, attributes: { [ATTR.turnEndReason]: 'push_to_talk' } });
    spans[0]!.events = spans[0]!.events.filter((e) => e.name !== EVENT.endOfSpeech);
    const decisions = turnDecisions(spans[0]!, new SpanIndex(spans));
    expect(decisions.markers.map((m) => [m.kind, Math.round(m.offsetMs), m.label])).toEqual([
      ['confirmed', 1_500, 'Turn confirmed: push-to-talk released'],
      ['first_audio', 2_000, 'First audio sent (its playback is not in the trace)'],
    ]);
    expect(decisions.silence).toBeNull();
  });

  it('marks nothing on a turn that recorded no decisions (a trace of an older version)', () => {
    const plain = viewerSpan({ seq: 0, spanId: sid(1), name: SPAN.turn, startTime: at(0), endTime: at(100) });
    expect(turnDecisions(plain, new SpanIndex([plain]))).toEqual({ markers: [], silence: null });
    expect(decisionSummary(turnRows([plain]), new SpanIndex([plain]))).toBeNull();
  });

  it('sums up the end-of-turn delay and the interruptions over the turns', () => {
    const spans = [...turn(1, 0, { events: interrupted }), ...turn(2, 10_000)];
    spans[2]!.events = spans[2]!.events.map((e) => (e.name === EVENT.turnConfirmed ? { ...e, time: at(11_800) } : e));
    const index = new SpanIndex(spans);
    expect(decisionSummary(turnRows(spans, index), index)).toEqual({
      endOfTurn: { median: 500, p95: 800, count: 2 },
      interruptions: { confirmed: 1, resumed: 1 },
    });
  });

  it('renders the markers on the axis, hidden from screen readers, and says each in a list', () => {
    const spans = turn(1, 0, { events: interrupted });
    const index = new SpanIndex(spans);
    const { rows, totalMs } = waterfall(spans, spans[0]!.spanId, index);
    const html = renderToStaticMarkup(createElement(SpanWaterfall, { rows, totalMs, selected: null, onSelect: () => {}, decisions: turnDecisions(spans[0]!, index) }));
    // The picture: a band from 25% to 37.5% of the 4 s axis, and seven glyphs, each at its place.
    expect(html).toMatch(/<div class="decision-row" aria-hidden="true">/);
    expect(html).toContain('class="decision-silence" title="Silence window: 500 ms" style="left:25%;width:12.5%"');
    expect([...html.matchAll(/class="decision-mark decision-(\w+) decision-lane-\d" style="left:([\d.]+)%"/g)].map((m) => [m[1], Number(m[2])])).toEqual([
      ['end_of_speech', 25],
      ['confirmed', 37.5],
      ['first_audio', 55],
      ['interruption_detected', 65],
      ['interruption_resumed', 72.5],
      ['interruption_detected', 77.5],
      ['interruption_confirmed', 92.5],
    ]);
    // The words: every marker with its time, in order, outside the hidden picture.
    const list = html.slice(html.indexOf('<ol class="decision-list" aria-label="Decisions on the time axis">'), html.indexOf('</ol>'));
    const items = [...list.matchAll(/<li>(.*?)<\/li>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
    expect(items).toEqual([
      'E +1000 ms End of speech (silence window 500 ms)',
      'C +1500 ms Turn confirmed: the silence window elapsed, 500 ms after the end of speech',
      'A +2200 ms First audio playing',
      'I +2600 ms Interruption detected: playback paused (overlap 0 ms)',
      'R +2900 ms Interruption resumed: a false interruption, playback went on (overlap 300 ms)',
      'I +3100 ms Interruption detected: playback paused (overlap 0 ms)',
      'X +3700 ms Interruption confirmed: the reply stopped (overlap 600 ms)',
      ' Silence window waited: 500 ms, from the end of speech to the confirmation',
    ]);
    expect(renderToStaticMarkup(createElement(SpanWaterfall, { rows, totalMs, selected: null, onSelect: () => {} }))).not.toContain('decision');
  });

  it('adds the end-of-turn delay and the interruption counts to the summary', () => {
    const spans = turn(1, 0, { events: interrupted });
    const index = new SpanIndex(spans);
    const rows = turnRows(spans, index);
    const html = renderToStaticMarkup(createElement(LatencySummary, { summary: summarize(rows), rows, decisions: decisionSummary(rows, index) }));
    expect(html).toContain('<dt>End-of-turn delay</dt><dd>500 ms / 500 ms');
    expect(html).toContain('<dt>Interruptions</dt><dd>1 confirmed, 1 resumed');
  });
});
