import { describe, expect, it } from 'vitest';
import { ATTR, EVENT, SPAN } from '../../../shared/telemetry';
import type { ViewerSpan } from '../../../shared/trace-viewer';
import { viewerSpan } from '../testing/viewer-span';
import { formatMs, formatSeconds, stat, summarize, turnRows, waterfall } from './trace-view';

const T0 = 1_800_000_000;
const traceId = 'a'.repeat(32);
let seq = 0;
/** A span starting `start` ms after T0 and lasting `ms`. */
function span(spanId: string, name: string, start: number, ms: number, extra: Partial<ViewerSpan> = {}): ViewerSpan {
  const at = (offset: number): [number, number] => [T0 + Math.floor(offset / 1000), Math.round((offset % 1000) * 1_000_000)];
  return viewerSpan({
    seq: seq++,
    traceId,
    spanId: spanId.padEnd(16, '0'),
    name,
    startTime: at(start),
    endTime: at(start + ms),
    ...extra,
    ...(extra.parentSpanId ? { parentSpanId: extra.parentSpanId.padEnd(16, '0') } : {}),
  });
}

function voiceTurn(prefix: string, start: number, options: { v2v?: number; interrupted?: boolean; sttError?: string } = {}): ViewerSpan[] {
  const turnId = `${prefix}1`;
  const turn = span(turnId, SPAN.turn, start, 2_000, {
    attributes: { [ATTR.turnNumber]: Number(prefix.replace(/\D/g, '')) || 1, [ATTR.turnInput]: 'voice', [ATTR.turnInterrupted]: options.interrupted ?? false, ...(options.v2v === undefined ? {} : { [ATTR.voiceToVoiceMs]: options.v2v }) },
    ...(options.sttError ? { status: { code: 2, message: options.sttError } } : {}),
  });
  const under = { parentSpanId: turnId };
  const stt = span(`${prefix}2`, 'speech_to_text m', start + 10, 150, {
    ...under,
    attributes: { [ATTR.operationName]: 'speech_to_text', ...(options.sttError ? {} : { [ATTR.ttfbMs]: 148 }) },
    ...(options.sttError ? { status: { code: 2, message: options.sttError } } : {}),
  });
  if (options.sttError) return [stt, turn];
  return [
    span(`${prefix}3`, 'chat m', start + 170, 600, { ...under, attributes: { [ATTR.operationName]: 'chat', [ATTR.timeToFirstChunk]: 0.2 } }),
    span(`${prefix}4`, 'text_to_speech m', start + 400, 300, { ...under, attributes: { [ATTR.operationName]: 'text_to_speech', [ATTR.ttfbMs]: 101 } }),
    span(`${prefix}5`, 'text_to_speech m', start + 700, 300, { ...under, attributes: { [ATTR.operationName]: 'text_to_speech', [ATTR.ttfbMs]: 90 } }),
    stt,
    span(`${prefix}6`, 'http', start + 20, 100, { parentSpanId: `${prefix}2` }),
    turn,
  ];
}

describe('turnRows', () => {
  it('takes each turn\'s figures from its stage spans, whatever order the spans came in', () => {
    const spans = [...voiceTurn('b', 0, { v2v: 812 }), ...voiceTurn('c', 5_000, { v2v: 640 })];
    const forwards = turnRows(spans);
    const backwards = turnRows([...spans].reverse());
    expect(backwards).toEqual(forwards);
    expect(forwards.map((r) => [r.number, r.input, r.voiceToVoiceMs, r.sttMs, r.firstTokenMs, r.firstAudioMs, r.status.kind])).toEqual([
      [1, 'voice', 812, 148, 200, 101, 'completed'],
      [1, 'voice', 640, 148, 200, 101, 'completed'],
    ]);
  });

  it('shows a turn whose children have not arrived with its figures missing, not zero', () => {
    const [turn] = voiceTurn('b', 0).slice(-1);
    const [row] = turnRows([turn!]);
    expect(row).toMatchObject({ sttMs: null, firstTokenMs: null, firstAudioMs: null, voiceToVoiceMs: null });
    expect(formatMs(row!.sttMs)).toBe('–');
  });

  it('says interrupted, or the error a failed stage ended the turn with', () => {
    const rows = turnRows([...voiceTurn('b', 0, { interrupted: true }), ...voiceTurn('c', 5_000, { sttError: 'Speech-to-text failed: 401' })]);
    expect(rows.map((r) => r.status)).toEqual([{ kind: 'interrupted' }, { kind: 'failed', message: 'Speech-to-text failed: 401' }]);
    expect(rows[1]).toMatchObject({ sttMs: null, firstTokenMs: null });
  });

  it('times a typed turn to the first sound the renderer played, even when that span arrives late', () => {
    const turn = span('d1', SPAN.turn, 0, 2_000, { attributes: { [ATTR.turnInput]: 'text', [ATTR.turnNumber]: 3 }, events: [{ name: EVENT.firstAudio, time: [T0, 500_000_000], attributes: {}, droppedAttributesCount: 0 }] });
    expect(turnRows([turn])[0]!.replyMs).toBe(500);
    const playback = span('d2', SPAN.audioPlayback, 450, 1_000, { parentSpanId: 'd1', process: 'renderer', events: [{ name: EVENT.playbackStarted, time: [T0, 620_000_000], attributes: {}, droppedAttributesCount: 0 }] });
    const rows = turnRows([turn, playback]);
    expect(rows[0]).toMatchObject({ replyMs: 620, voiceToVoiceMs: null, input: 'text' });
  });

  it('leaves out utterances that never became a turn', () => {
    expect(turnRows([span('e1', SPAN.turn, 0, 10, { attributes: { [ATTR.turnAbandoned]: true } })])).toEqual([]);
  });
});

describe('waterfall', () => {
  it('nests spans under their parents by start time, on the turn\'s time axis, with their process and status', () => {
    const playback = span('b7', SPAN.audioPlayback, 900, 1_000, { parentSpanId: 'b1', process: 'renderer' });
    const spans = [playback, ...voiceTurn('b', 0, { v2v: 812 })];
    const { rows, totalMs } = waterfall(spans, 'b1'.padEnd(16, '0'));
    expect(rows.map((r) => [r.span.name, r.depth, Math.round(r.offsetMs), r.process])).toEqual([
      [SPAN.turn, 0, 0, 'main'],
      ['speech_to_text m', 1, 10, 'main'],
      ['http', 2, 20, 'main'],
      ['chat m', 1, 170, 'main'],
      ['text_to_speech m', 1, 400, 'main'],
      ['text_to_speech m', 1, 700, 'main'],
      [SPAN.audioPlayback, 1, 900, 'renderer'],
    ]);
    expect(totalMs).toBe(2_000);
  });

  it('marks the failed span, and is empty for a turn it does not have', () => {
    const { rows } = waterfall(voiceTurn('c', 0, { sttError: 'boom' }), 'c1'.padEnd(16, '0'));
    expect(rows.map((r) => r.status)).toEqual(['error', 'error']);
    expect(waterfall([], 'f'.repeat(16))).toEqual({ rows: [], totalMs: 0 });
  });
});

describe('summary', () => {
  it('gives the median and 95th percentile (nearest rank) of what is there', () => {
    expect(stat([300, null, 100, 200])).toEqual({ median: 200, p95: 300, count: 3 });
    expect(stat([null])).toBeNull();
    const rows = turnRows([...voiceTurn('b', 0, { v2v: 812 }), ...voiceTurn('c', 5_000, { sttError: 'x' })]);
    expect(summarize(rows)).toMatchObject({ voiceToVoice: { median: 812, count: 1 }, stt: { median: 148, count: 1 } });
    expect(formatSeconds(812)).toBe('0.81 s');
    expect(formatMs(812.4)).toBe('812 ms');
  });
});
