import { describe, expect, it } from 'vitest';
import { otlpTraceFile } from '../../../shared/otlp-json';
import { ATTR, EVENT, SPAN } from '../../../shared/telemetry';
import type { ViewerSpan } from '../../../shared/trace-viewer';
import { viewerSpan } from '../testing/viewer-span';
import { openTraceFile, TRACE_FILE_MAX_BYTES, tooLarge, type OpenedConversation } from './trace-file';
import { summarize, turnRows, waterfall } from './trace-view';

const T0 = 1_800_000_000;
const at = (ms: number): [number, number] => [T0 + Math.floor(ms / 1000), Math.round((ms % 1000) * 1_000_000)];
const hex = (prefix: string, length: number) => prefix.padEnd(length, '0');

/** A conversation as the live viewer has it: a spoken turn (renderer playback included) and a typed one. */
function liveConversation(conversationId: string, trace: string, start: number): ViewerSpan[] {
  let seq = 0;
  const traceId = hex(trace, 32);
  const span = (id: string, name: string, from: number, ms: number, extra: Partial<ViewerSpan> = {}) =>
    viewerSpan({ seq: seq++, traceId, spanId: hex(id, 16), name, startTime: at(start + from), endTime: at(start + from + ms), ...extra });
  const under = (id: string) => ({ parentSpanId: hex(id, 16) });
  return [
    span('c0', SPAN.conversation, 0, 9_000, { attributes: { [ATTR.conversationId]: conversationId } }),
    span('a1', SPAN.turn, 100, 2_000, { ...under('c0'), attributes: { [ATTR.turnNumber]: 1, [ATTR.turnInput]: 'voice', [ATTR.voiceToVoiceMs]: 812.25 } }),
    span('a2', 'speech_to_text m', 110, 150, {
      ...under('a1'),
      kind: 2,
      attributes: { [ATTR.operationName]: 'speech_to_text', [ATTR.ttfbMs]: 148, [ATTR.conversationId]: conversationId, [ATTR.outputMessages]: JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `Hello from ${conversationId}` }] }]) },
    }),
    span('a3', 'chat m', 270, 600, { ...under('a1'), kind: 2, attributes: { [ATTR.operationName]: 'chat', [ATTR.timeToFirstChunk]: 0.2, [ATTR.finishReasons]: ['stop'] } }),
    span('a4', 'text_to_speech m', 500, 300, { ...under('a1'), kind: 2, attributes: { [ATTR.operationName]: 'text_to_speech', [ATTR.ttfbMs]: 101 } }),
    span('a5', SPAN.audioPlayback, 600, 1_200, { ...under('a1'), process: 'renderer', attributes: { [ATTR.processType]: 'renderer' }, events: [{ name: EVENT.playbackStarted, time: at(start + 612), attributes: {}, droppedAttributesCount: 0 }] }),
    span('b1', SPAN.turn, 4_000, 1_500, { ...under('c0'), attributes: { [ATTR.turnNumber]: 2, [ATTR.turnInput]: 'text' }, events: [{ name: EVENT.firstAudio, time: at(start + 4_700), attributes: {}, droppedAttributesCount: 0 }] }),
    span('b2', 'chat m', 4_010, 900, { ...under('b1'), kind: 2, status: { code: 2, message: 'rate limited' }, attributes: { [ATTR.operationName]: 'chat' } }),
  ];
}

const resources = {
  main: { 'service.name': 'voice-agent-stack', [ATTR.processType]: 'main' },
  renderer: { 'service.name': 'voice-agent-stack', [ATTR.processType]: 'renderer' },
};

const withoutSeq = <T extends { span: ViewerSpan }>(rows: T[]) => rows.map(({ span: { seq: _seq, ...span }, ...row }) => ({ ...row, span }));

function opened(name: string, text: string): OpenedConversation[] {
  const result = openTraceFile(name, text, 1);
  if (!result.ok) throw new Error(result.message);
  return result.conversations;
}

function refused(text: string): string {
  const result = openTraceFile('x.json', text, 1);
  if (result.ok) throw new Error('opened');
  return result.message;
}

describe('openTraceFile', () => {
  it('opens the viewer\'s own download as the same conversation: the same turns, figures and waterfalls', () => {
    const live = liveConversation('conv-1', 'aa', 0);
    const [file, ...more] = opened('trace-aa.json', otlpTraceFile(live, resources));
    expect(more).toEqual([]);
    // The same entry as main's store lists: the same first words, turns and spans.
    expect(file!.conversation).toMatchObject({ conversationId: 'conv-1', traceId: hex('aa', 32), turns: 2, spans: live.length, startedAt: T0 * 1000, firstWords: 'Hello from conv-1' });
    expect(file!.conversation.key).toMatch(/^file:1:/);
    expect(file!.fileName).toBe('trace-aa.json');
    const rows = turnRows(live);
    expect(turnRows(file!.spans)).toEqual(rows);
    expect(rows.map((r) => [r.number, r.input, r.voiceToVoiceMs, r.replyMs, r.sttMs, r.firstTokenMs, r.firstAudioMs, r.status.kind])).toEqual([
      [1, 'voice', 812.25, 812.25, 148, 200, 101, 'completed'],
      [2, 'text', null, 700, null, null, null, 'completed'],
    ]);
    expect(summarize(turnRows(file!.spans))).toEqual(summarize(rows));
    for (const row of rows) {
      const before = waterfall(live, row.spanId);
      const after = waterfall(file!.spans, row.spanId);
      expect(after.totalMs).toBe(before.totalMs);
      expect(withoutSeq(after.rows)).toEqual(withoutSeq(before.rows));
    }
    expect(waterfall(file!.spans, rows[0]!.spanId).rows.map((r) => r.process)).toContain('renderer');
  });

  it('opens a collector\'s export: several resources and scopes, base64 ids, times as numbers, enums by name, every kind of value', () => {
    const b64 = (hexId: string) => btoa(String.fromCharCode(...hexId.match(/../g)!.map((h) => parseInt(h, 16))));
    const traceId = hex('0af7651916cd43dd8448eb211c80319c', 32);
    const kv = (key: string, value: object) => ({ key, value });
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [kv('service.name', { stringValue: 'voice-agent-stack' })] },
          scopeSpans: [
            {
              scope: { name: 'voice-agent-stack', version: '1.0.0' },
              spans: [
                {
                  traceId: b64(traceId),
                  spanId: b64('b7ad6b7169203331'),
                  parentSpanId: '',
                  name: SPAN.turn,
                  kind: 'SPAN_KIND_INTERNAL',
                  startTimeUnixNano: 1_800_000_000_000_000_000,
                  endTimeUnixNano: '1800000002000000000',
                  attributes: [
                    kv(ATTR.turnNumber, { intValue: '3' }),
                    kv(ATTR.turnInput, { stringValue: 'voice' }),
                    kv(ATTR.voiceToVoiceMs, { doubleValue: 640.5 }),
                    kv(ATTR.turnInterrupted, { boolValue: false }),
                    kv('big', { intValue: '9007199254740993' }),
                    kv('blob', { bytesValue: 'AAEC' }),
                    kv('map', { kvlistValue: { values: [kv('a', { intValue: 1 }), kv('b', { arrayValue: { values: [{ stringValue: 'x' }] } })] } }),
                    kv('list', { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 2 }, { boolValue: true }, {}] } }),
                    kv('nested', { arrayValue: { values: [{ arrayValue: { values: [{ intValue: 1 }] } }] } }),
                    kv('nan', { doubleValue: 'NaN' }),
                    kv('empty', {}),
                  ],
                  status: { code: 'STATUS_CODE_OK' },
                },
              ],
            },
          ],
        },
        {
          resource: { attributes: [kv('service.name', { stringValue: 'speech-service' })] },
          scopeSpans: [
            { scope: { name: 'http' }, spans: [] },
            {
              scope: { name: 'stt' },
              spans: [
                {
                  traceId: traceId.toUpperCase(),
                  spanId: 'B7AD6B7169203332',
                  parentSpanId: 'b7ad6b7169203331',
                  name: 'speech_to_text whisper',
                  kind: 3,
                  startTimeUnixNano: '1800000000100000000',
                  endTimeUnixNano: '1800000000300000000',
                  attributes: [kv(ATTR.operationName, { stringValue: 'speech_to_text' }), kv(ATTR.ttfbMs, { intValue: 190 })],
                  status: { code: 2, message: 'slow' },
                },
              ],
            },
          ],
        },
      ],
    };
    const [file] = opened('collector.json', JSON.stringify(request, null, 2));
    expect(file!.conversation).toMatchObject({ conversationId: null, traceId, key: `file:1:${traceId}`, turns: 1, spans: 2, firstWords: null });
    const [turn, stt] = file!.spans;
    expect(turn).toMatchObject({ spanId: 'b7ad6b7169203331', kind: 0, startTime: [T0, 0], endTime: [T0 + 2, 0], status: { code: 1 }, scope: { name: 'voice-agent-stack', version: '1.0.0' } });
    expect(turn!.parentSpanId).toBeUndefined();
    expect(turn!.attributes).toEqual({
      [ATTR.turnNumber]: 3,
      [ATTR.turnInput]: 'voice',
      [ATTR.voiceToVoiceMs]: 640.5,
      [ATTR.turnInterrupted]: false,
      big: '9007199254740993',
      blob: 'AAEC',
      map: '{"a":1,"b":["x"]}',
      list: ['x', 2, true, null],
      nested: '[[1]]',
      nan: 'NaN',
    });
    expect(stt).toMatchObject({ traceId, spanId: 'b7ad6b7169203332', parentSpanId: 'b7ad6b7169203331', kind: 2, status: { code: 2, message: 'slow' }, scope: { name: 'stt' } });
    const [row] = turnRows(file!.spans);
    expect(row).toMatchObject({ number: 3, input: 'voice', voiceToVoiceMs: 640.5, sttMs: 190, status: { kind: 'completed' } });
  });

  it('opens JSON Lines (one export request per line, as the Collector\'s file exporter writes) and lists each conversation, newest first', () => {
    const older = otlpTraceFile(liveConversation('conv-old', 'bb', 0), resources);
    const newer = otlpTraceFile(liveConversation('conv-new', 'cc', 60_000), resources);
    const files = opened('traces.jsonl', `${older}\n\n${newer}\r\n`);
    expect(files.map((f) => [f.conversation.conversationId, f.conversation.turns])).toEqual([
      ['conv-new', 2],
      ['conv-old', 2],
    ]);
    expect(new Set(files.map((f) => f.conversation.key)).size).toBe(2);
  });

  it('counts a span written twice (in two exports) once', () => {
    const text = otlpTraceFile(liveConversation('conv-1', 'aa', 0), resources);
    const [file] = opened('twice.jsonl', `${text}\n${text}`);
    expect(file!.conversation.turns).toBe(2);
    expect(turnRows(file!.spans)).toHaveLength(2);
  });

  it('refuses what is not JSON, saying where', () => {
    expect(refused('{"resourceSpans": [')).toMatch(/^x\.json cannot be opened: not JSON: /);
    const line = otlpTraceFile(liveConversation('conv-1', 'aa', 0), resources);
    expect(refused(`${line}\n{"resourceSpans": oops}\n`)).toMatch(/^x\.json cannot be opened: line 2 is not JSON: /);
    expect(refused('  \n')).toBe('x.json cannot be opened: the file is empty.');
  });

  it('refuses JSON that is not OTLP trace data, saying what does not fit', () => {
    expect(refused('{"name": "not a trace"}')).toBe('x.json cannot be opened: not OTLP/JSON trace data: it holds no "resourceSpans" (an OTLP trace export request does).');
    expect(refused('[1, 2]')).toMatch(/holds no "resourceSpans"/);
    expect(refused('{"resourceSpans": {}}')).toMatch(/not OTLP\/JSON trace data: resourceSpans: /);
    const bad = JSON.parse(otlpTraceFile(liveConversation('conv-1', 'aa', 0), resources)) as { resourceSpans: { scopeSpans: { spans: { traceId: string; startTimeUnixNano: unknown }[] }[] }[] };
    bad.resourceSpans[0]!.scopeSpans[0]!.spans[1]!.traceId = 'xyz';
    expect(refused(JSON.stringify(bad))).toBe(
      'x.json cannot be opened: not OTLP/JSON trace data: resourceSpans.0.scopeSpans.0.spans.1.traceId: not a trace id (32 hex digits, or base64 of 16 bytes).',
    );
    bad.resourceSpans[0]!.scopeSpans[0]!.spans[1]!.traceId = 'a'.repeat(32);
    bad.resourceSpans[0]!.scopeSpans[0]!.spans[1]!.startTimeUnixNano = 'yesterday';
    expect(refused(JSON.stringify(bad))).toMatch(/resourceSpans\.0\.scopeSpans\.0\.spans\.1\.startTimeUnixNano: /);
    // A metrics export is OTLP/JSON, but no trace data.
    expect(refused('{"resourceMetrics": []}')).toMatch(/holds no "resourceSpans"/);
  });

  it('refuses values nested deeper than any exporter writes, instead of failing the page', () => {
    let value = '{"stringValue":"x"}';
    for (let i = 0; i < 20_000; i++) value = `{"arrayValue":{"values":[${value}]}}`;
    const span = `{"traceId":"${'a'.repeat(32)}","spanId":"${'b'.repeat(16)}","name":"turn","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"k","value":${value}}]}`;
    expect(refused(`{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]}`)).toBe('x.json cannot be opened: not OTLP/JSON trace data: its values are nested too deeply.');
  });

  it('refuses a file with no spans, or no turns of this app', () => {
    expect(refused('{"resourceSpans": []}')).toBe('x.json holds no spans.');
    const other = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'GET /', startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }],
    };
    expect(refused(JSON.stringify(other))).toBe('x.json holds no turns: none of its 1 spans is a "turn" span of this app, so there is nothing to show.');
  });

  it('refuses a file over the size limit, before reading it and when given its text', () => {
    expect(tooLarge('big.json', TRACE_FILE_MAX_BYTES)).toBeNull();
    expect(tooLarge('big.json', TRACE_FILE_MAX_BYTES + 1)).toBe('big.json is too large to open: 32.0 MiB, and the viewer opens trace files of at most 32 MiB.');
    expect(tooLarge('big.json', 100 * 1024 * 1024)).toMatch(/^big\.json is too large to open: 100\.0 MiB/);
    // Multi-byte characters count as the bytes they take.
    const text = `{"resourceSpans": [], "pad": "${'é'.repeat(TRACE_FILE_MAX_BYTES / 2)}"}`;
    expect(refused(text)).toMatch(/^x\.json is too large to open: 32\.0 MiB/);
  });
});
