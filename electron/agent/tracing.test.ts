/** The span tree of conversations, across the bridge, with InMemorySpanExporter. */
import { SpanKind } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ATTR, SPAN, type SerializedSpan } from '../../shared/telemetry';
import { parseTraceparent } from '../../shared/trace-context';
import { readPipelineConfig } from './pipeline/pipeline-config';
import { OpenAILanguageModel, OpenAISpeechToText, OpenAITextToSpeech } from './providers/openai';
import { Session } from './session/session';
import { Telemetry } from './telemetry/sdk/telemetry';
import { readTelemetryConfig } from './telemetry/sdk/telemetry-config';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './testing/fake-openai-server';
import { byOperation } from './testing/genai-conventions';
import { inMemoryTelemetry } from './testing/in-memory-telemetry';
import { ScriptedMicrophone } from './testing/scripted-microphone';
import { scriptedSession } from './testing/scripted-session';
import { scriptedVad } from './testing/test-stages';
import { until } from './testing/until';

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

function setup(options: { captureContent?: boolean; traceEachTurn?: boolean } = {}) {
  const { telemetry, finishedSpans } = inMemoryTelemetry({
    env: { OTEL_CAPTURE_CONTENT: options.captureContent ? 'true' : 'false', ...(options.traceEachTurn ? { TRACE_EACH_TURN: 'true' } : {}) },
  });
  const { session, carrier, send, detail, messages } = scriptedSession(server.url, { telemetry });
  const microphone = new ScriptedMicrophone();
  const speak = async () => {
    microphone.speakTo(session);
    await sleep(30);
  };
  session.open();
  return { session, telemetry, send, speak, detail, messages, spans: finishedSpans, envelopes: carrier.envelopes, carrier };
}

const byName = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('tracing a conversation', () => {
  it('gives one trace per conversation: conversation > turn > vad, stt, context.aggregate, llm, tts', async () => {
    server.configure({ transcripts: ['first question', 'second question'], reply: 'One answer. Two sentences.' });
    const t = setup();
    t.send({ type: 'conversation.start' });
    for (let turn = 1; turn <= 2; turn++) {
      await t.speak();
      await until(() => t.messages('turn').filter((e) => e.message.type === 'turn' && e.message.phase === 'start').length === turn, { detail: t.detail });
      const start = t.messages('turn').at(-1)!;
      const stream = start.message.type === 'turn' ? start.message.stream : -1;
      await until(() => t.messages('transcript').some((e) => e.message.type === 'transcript' && e.message.role === 'assistant' && e.message.final && t.envelopes.indexOf(e) > t.envelopes.indexOf(start)), { detail: t.detail });
      t.send({ type: 'playback', event: 'started', stream, playedMs: 0 });
      t.send({ type: 'playback', event: 'drained', stream, playedMs: 900 });
    }
    t.send({ type: 'conversation.end' });
    t.session.close();
    const spans = await t.spans();

    const [conversation] = byName(spans, SPAN.conversation);
    expect(conversation).toBeDefined();
    expect(parentOf(conversation!)).toBeUndefined();
    expect(conversation!.attributes[ATTR.conversationId]).toMatch(/[0-9a-f-]{36}/);
    const traceId = conversation!.spanContext().traceId;

    const turns = byName(spans, SPAN.turn);
    expect(turns.map((s) => s.attributes[ATTR.turnNumber])).toEqual([1, 2]);
    for (const turn of turns) {
      expect(turn.spanContext().traceId).toBe(traceId);
      expect(parentOf(turn)).toBe(conversation!.spanContext().spanId);
      expect(turn.attributes).toMatchObject({ [ATTR.turnInput]: 'voice', [ATTR.turnInterrupted]: false });
      expect(turn.attributes[ATTR.voiceToVoiceMs]).toBeGreaterThan(0);
      const children = spans.filter((s) => parentOf(s) === turn.spanContext().spanId).map((s) => s.name);
      expect(children).toEqual(expect.arrayContaining([SPAN.vad, 'speech_to_text test-model', SPAN.contextAggregate, 'chat test-model', 'text_to_speech test-model']));
      expect(children.filter((n) => n === 'text_to_speech test-model')).toHaveLength(2); // one per sentence
    }

    const [llm] = byOperation(spans, 'chat');
    expect(llm!.kind).toBe(SpanKind.CLIENT);
    expect(llm!.attributes).toMatchObject({
      [ATTR.operationName]: 'chat',
      [ATTR.providerName]: 'openai',
      [ATTR.requestModel]: 'test-model',
      [ATTR.serverAddress]: '127.0.0.1',
      [ATTR.serverPort]: Number(new URL(server.url).port),
      [ATTR.conversationId]: conversation!.attributes[ATTR.conversationId],
      [ATTR.outputTokens]: 4,
      [ATTR.responseId]: expect.stringMatching(/^chatcmpl-/) as string,
      [ATTR.responseModel]: 'fake',
      [ATTR.finishReasons]: ['stop'],
    });
    expect(llm!.attributes[ATTR.timeToFirstChunk]).toBeGreaterThanOrEqual(0);
    const [stt] = byOperation(spans, 'speech_to_text');
    expect(stt!.attributes[ATTR.sttAudioSeconds]).toBeGreaterThan(0);
    expect(stt!.attributes[ATTR.ttfbMs]).toBeGreaterThan(0);
    const [tts] = byOperation(spans, 'text_to_speech');
    expect(tts!.attributes).toMatchObject({ [ATTR.speechVoice]: 'alloy', [ATTR.outputType]: 'speech', [ATTR.ttsCharacters]: 'One answer.'.length });
    const [vad] = byName(spans, SPAN.vad);
    expect(vad!.events.map((e) => e.name)).toEqual(['speech.start', 'speech.stop']);
    expect(byName(spans, SPAN.contextAggregate)[1]!.attributes[ATTR.contextMessages]).toBe(4);

    // No content unless asked for.
    const all = JSON.stringify(spans.map((s) => s.attributes));
    expect(all).not.toContain('first question');
    expect(all).not.toContain('One answer');

    const [transport] = byName(spans, SPAN.transportSession);
    expect(transport!.events.map((e) => e.name)).toEqual(['connect', 'disconnect']);
    expect(transport!.attributes[ATTR.framesIn]).toBe(36);
  });

  it('records transcripts, prompts and replies when content capture is on', async () => {
    server.configure({ reply: 'Content reply.' });
    const t = setup({ captureContent: true });
    t.send({ type: 'user.text', text: 'typed secret question' });
    await until(() => t.messages('transcript').some((e) => e.message.type === 'transcript' && e.message.role === 'assistant' && e.message.final), { detail: t.detail });
    const spans = await t.spans();
    const [chat] = byOperation(spans, 'chat');
    expect(JSON.parse(String(chat!.attributes[ATTR.outputMessages]))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Content reply.' }], finish_reason: 'stop' },
    ]);
    expect(String(chat!.attributes[ATTR.inputMessages])).toContain('typed secret question');
    expect(String(byOperation(spans, 'text_to_speech')[0]!.attributes[ATTR.inputMessages])).toContain('Content reply.');
    t.session.close();
  });

  it('marks an interrupted turn, and an error with status ERROR and the exception', async () => {
    server.configure({ reply: 'A long reply. '.repeat(20), ttsRealtimeFactor: 2 });
    const t = setup();
    t.send({ type: 'conversation.start' });
    t.send({ type: 'user.text', text: 'talk for a while' });
    await until(() => t.carrier.audio.length > 0, { detail: t.detail });
    t.send({ type: 'playback', event: 'started', stream: 1, playedMs: 0 });
    server.fail('chat', { kind: 'status', status: 401 }); // for the next turn's model call
    await t.speak(); // barge-in
    await until(() => t.messages('audio.flush').length === 1, { detail: t.detail });
    await until(() => t.messages('notice').length === 1, { detail: t.detail });
    t.send({ type: 'conversation.end' });
    const spans = await t.spans();
    const turns = byName(spans, SPAN.turn);
    expect(turns[0]!.attributes).toMatchObject({ [ATTR.turnInput]: 'text', [ATTR.turnInterrupted]: true });
    expect(turns[0]!.events.map((e) => e.name)).toContain('barge_in');
    const failed = turns[1]!;
    expect(failed.status.code).toBe(2);
    expect(failed.attributes[ATTR.errorType]).toBe('auth');
    expect(failed.events.some((e) => e.name === 'exception')).toBe(true);
    const llm = byOperation(spans, 'chat').find((s) => parentOf(s) === failed.spanContext().spanId)!;
    expect(llm.status.code).toBe(2);
    t.session.close();
  });

  it("joins the renderer's spans to the trace, under the span named by traceparent, and refuses foreign traces", async () => {
    const t = setup();
    t.send({ type: 'conversation.start' });
    const state = t.messages('state').at(-1)!;
    const parent = parseTraceparent(state.traceparent)!;
    expect(parent).not.toBeNull();
    const now = Math.floor(Date.now() / 1000);
    const rendererSpan = (traceId: string): SerializedSpan => ({
      traceId,
      spanId: 'ab'.repeat(8),
      parentSpanId: parent.spanId,
      traceFlags: 1,
      name: SPAN.audioCapture,
      kind: 0,
      startTime: [now, 0],
      endTime: [now + 1, 5],
      attributes: { [ATTR.captureFramesSent]: 50 },
      events: [],
      status: { code: 0 },
    });
    t.send({ type: 'telemetry.spans', spans: [rendererSpan(parent.traceId), rendererSpan('f'.repeat(32))] });
    t.send({ type: 'conversation.end' });
    t.session.close();
    const spans = await t.spans();
    const capture = byName(spans, SPAN.audioCapture);
    expect(capture).toHaveLength(1);
    expect(capture[0]!.spanContext().traceId).toBe(parent.traceId);
    expect(parentOf(capture[0]!)).toBe(byName(spans, SPAN.conversation)[0]!.spanContext().spanId);
    expect(capture[0]!.attributes[ATTR.processType]).toBe('renderer');
    expect(byName(spans, SPAN.transportSession)[0]!.attributes[ATTR.spansRefused]).toBe(1);
  });

  it("with a trace per turn, roots each turn in its own trace, linked to the conversation, and the client's playback follows it", async () => {
    server.configure({ reply: 'Short.' });
    const t = setup({ traceEachTurn: true });
    t.send({ type: 'conversation.start' });
    t.send({ type: 'user.text', text: 'hello' });
    await until(() => t.messages('turn').some((e) => e.message.type === 'turn' && e.message.phase === 'start'), { detail: t.detail });
    const start = t.messages('turn')[0]!;
    const turnContext = parseTraceparent(start.traceparent)!;
    await until(() => t.carrier.audio.length > 0, { detail: t.detail });
    const now = Math.floor(Date.now() / 1000);
    t.send({
      type: 'telemetry.spans',
      spans: [
        {
          traceId: turnContext.traceId,
          spanId: 'cd'.repeat(8),
          parentSpanId: turnContext.spanId,
          traceFlags: 1,
          name: SPAN.audioPlayback,
          kind: 0,
          startTime: [now, 0],
          endTime: [now, 5],
          attributes: { [ATTR.playbackChunks]: 1 },
          events: [],
          status: { code: 0 },
        },
      ],
    });
    t.send({ type: 'conversation.end' });
    t.session.close();
    const spans = await t.spans();
    const [conversation] = byName(spans, SPAN.conversation);
    const [turn] = byName(spans, SPAN.turn);
    expect(turn!.parentSpanContext).toBeUndefined();
    expect(turn!.spanContext()).toMatchObject({ traceId: turnContext.traceId, spanId: turnContext.spanId });
    expect(turn!.spanContext().traceId).not.toBe(conversation!.spanContext().traceId);
    expect(turn!.links.map((l) => l.context.spanId)).toEqual([conversation!.spanContext().spanId]);
    expect(turn!.attributes[ATTR.conversationId]).toBe(conversation!.attributes[ATTR.conversationId]);
    for (const stage of byOperation(spans, 'chat').concat(byOperation(spans, 'text_to_speech'))) expect(stage.spanContext().traceId).toBe(turnContext.traceId);
    const [playback] = byName(spans, SPAN.audioPlayback);
    expect(playback!.spanContext().traceId).toBe(turnContext.traceId);
    expect(parentOf(playback!)).toBe(turnContext.spanId);
  });

  it('creates no spans when tracing is off, and tells the client the live state', async () => {
    const t = setup();
    t.telemetry.configure({ enabled: false });
    expect(t.messages('telemetry').at(-1)?.message).toEqual({ type: 'telemetry', state: { enabled: false, consoleExport: false, captureContent: false } });
    t.send({ type: 'conversation.start' });
    expect(t.messages('state').at(-1)?.traceparent).toBeUndefined();
    t.telemetry.configure({ enabled: true, consoleExport: true });
    expect(t.telemetry.tracingState).toMatchObject({ enabled: true, consoleExport: true });
    t.send({ type: 'conversation.end' });
    t.session.close();
    const spans = await t.spans();
    expect(byName(spans, SPAN.conversation)).toHaveLength(0);
  });
});

describe('secrets', () => {
  it('never puts the API key or OTLP headers in spans, console export or logs', async () => {
    const KEY = 'sk-test-SECRET-9f8e7d6c';
    const HEADER = 'hdr-SECRET-1a2b3c';
    const lines: string[] = [];
    const logger = {
      info: (m: string, f?: unknown) => lines.push(m + JSON.stringify(f ?? {})),
      warn: (m: string, f?: unknown) => lines.push(m + JSON.stringify(f ?? {})),
      error: (m: string, f?: unknown) => lines.push(m + JSON.stringify(f ?? {})),
    };
    const printed: string[] = [];
    const dir = vi.spyOn(console, 'dir').mockImplementation((value: unknown) => void printed.push(JSON.stringify(value)));
    try {
      const exporter = new InMemorySpanExporter();
      const telemetry = new Telemetry(
        readTelemetryConfig(
          { ENABLE_TRACING: 'true', OTEL_CONSOLE_EXPORT: 'true', OTEL_CAPTURE_CONTENT: 'true', OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${HEADER}` },
          (m) => lines.push(m),
        ),
        logger,
        // Metrics print to the console too; their OTLP export stays in memory (no collector here).
        { exporter, batch: { scheduledDelayMillis: 10 }, metrics: { exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE) } },
      );
      const config = readPipelineConfig({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: KEY }, (m) => lines.push(m));
      const session = new Session(
        { kind: 'websocket', send: () => {}, sendAudio: () => {} },
        {
          logger,
          telemetry,
          assistant: {
            config,
            stages: () => ({
              stt: new OpenAISpeechToText(config.stt, 2_000),
              llm: new OpenAILanguageModel(config.llm, 2_000, 2_000),
              tts: new OpenAITextToSpeech(config.tts, 2_000, 2_000),
            }),
            createVad: async () => scriptedVad,
          },
        },
      );
      session.open();
      server.fail('chat', { kind: 'status', status: 401 });
      session.receiveMessage({ v: 1, seq: 0, message: { type: 'user.text', text: 'first' } });
      await new Promise((r) => setTimeout(r, 300));
      session.receiveMessage({ v: 1, seq: 1, message: { type: 'user.text', text: 'second' } });
      await new Promise((r) => setTimeout(r, 500));
      session.close();
      await telemetry.flush();
      expect(server.requests.some((r) => r.authorization === `Bearer ${KEY}`)).toBe(true); // the key was used...
      const everything = [
        JSON.stringify(exporter.getFinishedSpans().map((s) => ({ a: s.attributes, e: s.events, st: s.status, r: s.resource.attributes }))),
        ...printed,
        ...lines,
      ].join('\n');
      expect(printed.length).toBeGreaterThan(3);
      expect(everything).toContain('refused the API key'); // ...the failure was reported...
      expect(everything).not.toContain(KEY); // ...and the secrets went nowhere else.
      expect(everything).not.toContain('SECRET');
      await telemetry.shutdown(500);
    } finally {
      dir.mockRestore();
    }
  });
});
