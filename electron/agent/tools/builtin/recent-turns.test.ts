/**
 * describe_recent_turns end to end in one process: typed turns through a real
 * session, traced by the real conversation observer into the trace viewer's
 * store, read back as summaries and answered to the model's tool call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ATTR, GEN_AI_OPERATION, SPAN } from '../../../../shared/telemetry';
import type { ViewerSpan } from '../../../../shared/trace-viewer';
import type { Telemetry } from '../../telemetry/sdk/telemetry';
import { readTelemetryConfig } from '../../telemetry/sdk/telemetry-config';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../../testing/fake-openai-server';
import { inMemoryTelemetry } from '../../testing/in-memory-telemetry';
import { ScriptedMicrophone } from '../../testing/scripted-microphone';
import { scriptedSession } from '../../testing/scripted-session';
import { until } from '../../testing/until';
import { describeTurns, duration } from './describe-recent-turns';
import { turnSummaries } from './recent-turns';

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

function session(telemetry: Telemetry) {
  const { session: made, carrier, send, detail } = scriptedSession(server.url, { telemetry });
  const turnStarts = () => carrier.envelopes.filter((e) => e.message.type === 'turn' && e.message.phase === 'start');
  const turnEnds = () => carrier.envelopes.filter((e) => e.message.type === 'turn' && e.message.phase === 'end');
  /** A typed turn whose reply the client plays to the end. */
  const typed = async (text: string) => {
    const started = turnStarts().length;
    const ended = turnEnds().length;
    const audio = carrier.audio.length;
    send({ type: 'user.text', text });
    await until(() => turnStarts().length > started, { detail });
    const start = turnStarts().at(-1)!.message;
    const stream = start.type === 'turn' ? start.stream : -1;
    await until(() => carrier.audio.length > audio, { detail });
    send({ type: 'playback', event: 'started', stream, playedMs: 0 });
    await until(() => carrier.envelopes.some((e) => e.message.type === 'transcript' && e.message.role === 'assistant' && e.message.final && carrier.envelopes.indexOf(e) > carrier.envelopes.indexOf(turnStarts().at(-1)!)), { detail });
    send({ type: 'playback', event: 'drained', stream, playedMs: 500 });
    await until(() => turnEnds().length > ended, { detail });
  };
  /** A spoken turn (the scripted detector hears it) whose reply the client plays to the end. */
  const spoken = async () => {
    const started = turnStarts().length;
    const ended = turnEnds().length;
    new ScriptedMicrophone().speakTo(made);
    await until(() => turnStarts().length > started, { detail });
    const start = turnStarts().at(-1)!.message;
    const stream = start.type === 'turn' ? start.stream : -1;
    await until(() => carrier.audio.length > 0, { detail });
    send({ type: 'playback', event: 'started', stream, playedMs: 0 });
    await until(() => carrier.envelopes.some((e) => e.message.type === 'transcript' && e.message.role === 'assistant' && e.message.final), { detail });
    send({ type: 'playback', event: 'drained', stream, playedMs: 500 });
    await until(() => turnEnds().length > ended, { detail });
  };
  made.open();
  return { session: made, send, typed, spoken, detail };
}

const ofOperation = (spans: readonly ViewerSpan[], operation: string) => spans.filter((s) => s.attributes[ATTR.operationName] === operation);
const toolMessages = () =>
  server.requests
    .filter((r) => r.endpoint === 'chat')
    .flatMap((r) => (r.body.messages as { role: string; content: string }[]).filter((m) => m.role === 'tool'))
    .map((m) => m.content);
const offeredTools = () => server.requests.filter((r) => r.endpoint === 'chat').map((r) => ((r.body.tools ?? []) as { function: { name: string } }[]).map((t) => t.function.name));

describe('reading recent turns from the trace store', () => {
  it("summarizes a conversation's turns as its spans tell them", async () => {
    const { telemetry } = inMemoryTelemetry();
    const t = session(telemetry);
    t.send({ type: 'conversation.start' });
    await t.typed('first secret question');
    await t.typed('second secret question');
    const [conversation] = telemetry.traceStore.list();
    const spans = telemetry.traceStore.spansOf(conversation!.key)!;
    const summaries = turnSummaries(spans, { captureContent: false });

    const turns = spans.filter((s) => s.name === SPAN.turn);
    const chats = ofOperation(spans, GEN_AI_OPERATION.chat);
    const speech = ofOperation(spans, GEN_AI_OPERATION.textToSpeech);
    expect(summaries).toHaveLength(2);
    summaries.forEach((summary, i) => {
      const chat = chats.find((c) => c.parentSpanId === turns[i]!.spanId)!;
      const tts = speech.find((c) => c.parentSpanId === turns[i]!.spanId)!;
      expect(summary).toMatchObject({
        number: turns[i]!.attributes[ATTR.turnNumber],
        input: 'text',
        voiceToVoiceMs: turns[i]!.attributes[ATTR.phaseFirstAudioPlayingMs],
        llm: { firstTokenMs: (chat.attributes[ATTR.timeToFirstChunk] as number) * 1_000, requests: 1 },
        tts: { firstAudioMs: tts.attributes[ATTR.ttfbMs] },
        interrupted: false,
        falseInterruptions: 0,
        error: null,
      });
      expect(summary.voiceToVoiceMs).toBeGreaterThanOrEqual(0);
      expect(summary.stt).toBeUndefined();
      expect(summary.tools).toBeUndefined();
      expect(summary.userWords).toBeUndefined();
    });
    await t.session.close();
  });

  it('reads a spoken turn: voice-to-voice and the speech-to-text stage', async () => {
    server.configure({ transcripts: ['a spoken secret'] });
    const { telemetry } = inMemoryTelemetry();
    const t = session(telemetry);
    t.send({ type: 'conversation.start' });
    await t.spoken();
    const [conversation] = telemetry.traceStore.list();
    const spans = telemetry.traceStore.spansOf(conversation!.key)!;
    const [turn] = spans.filter((s) => s.name === SPAN.turn);
    const [stt] = ofOperation(spans, GEN_AI_OPERATION.speechToText);
    const [summary] = turnSummaries(spans, { captureContent: true });
    expect(summary).toMatchObject({ input: 'voice', voiceToVoiceMs: turn!.attributes[ATTR.voiceToVoiceMs], stt: { firstByteMs: stt!.attributes[ATTR.ttfbMs] } });
    expect(summary!.voiceToVoiceMs).toBeGreaterThan(0);
    expect(summary!.stt!.ms).toBeGreaterThan(0);
    // Capture is off: the spans hold no words to read, whatever the reader is told.
    expect(summary!.userWords).toBeUndefined();
    expect(describeTurns([summary!])).toContain(`the reply started playing ${duration(summary!.voiceToVoiceMs!)} after you stopped speaking. Speech-to-text took`);
    await t.session.close();
  });

  it('answers the model from the store, is traced like any tool, and leaves content out unless capture is on', async () => {
    const { telemetry, finishedSpans } = inMemoryTelemetry();
    const t = session(telemetry);
    t.send({ type: 'conversation.start' });
    await t.typed('first secret question');
    await t.typed('second secret question');
    server.configure({ toolSteps: [[{ name: 'describe_recent_turns', arguments: '{"turns": 2}' }]] });
    await t.typed('why was that so slow?');

    const [answer] = toolMessages();
    const [conversation] = telemetry.traceStore.list();
    const stored = telemetry.traceStore.spansOf(conversation!.key)!;
    // What the tool said is what the store held when it ran: the two turns before the question.
    const before = turnSummaries(stored, { captureContent: false }).slice(0, 2);
    expect(answer).toBe(describeTurns(before, 2));
    expect(answer).toContain(`Turn 2: the reply started playing ${duration(before[1]!.voiceToVoiceMs!)} after your message.`);
    expect(answer).toContain('Turn 1: ');
    expect(answer).not.toContain('secret');

    const spans = await finishedSpans();
    const tool = spans.find((s) => s.attributes[ATTR.operationName] === GEN_AI_OPERATION.executeTool)!;
    expect(tool.name).toBe('execute_tool describe_recent_turns');
    expect(tool.attributes).toMatchObject({ [ATTR.toolName]: 'describe_recent_turns', [ATTR.toolType]: 'function', [ATTR.toolSource]: 'built-in' });
    expect(tool.attributes[ATTR.toolCallResult]).toBeUndefined();
    // The third turn now carries the call: the tool's time is in the next answer.
    expect(turnSummaries(telemetry.traceStore.spansOf(conversation!.key)!, { captureContent: false })[2]!.tools).toMatchObject({ calls: 1, names: ['describe_recent_turns'] });
    await t.session.close();
  });

  it('says what the user typed only while content capture is on, even when the spans hold it', async () => {
    const captured = { ENABLE_TRACING: 'true', OTEL_CAPTURE_CONTENT: 'true' };
    const { telemetry } = inMemoryTelemetry({ env: captured });
    const t = session(telemetry);
    t.send({ type: 'conversation.start' });
    await t.typed('what is the weather like');
    server.configure({ toolSteps: [[{ name: 'describe_recent_turns', arguments: '{}' }]] });
    await t.typed('why was that so slow?');
    expect(toolMessages()[0]).toContain('Turn 1 (you typed "what is the weather like"): the reply started playing');

    // Capture goes off: the words recorded while it was on stay in the store, and out of the answer.
    telemetry.applyConfig(readTelemetryConfig({ ...captured, OTEL_CAPTURE_CONTENT: 'false' }, () => {}));
    server.configure({ toolSteps: [[{ name: 'describe_recent_turns', arguments: '{}' }]] });
    await t.typed('and now?');
    const [conversation] = telemetry.traceStore.list();
    expect(JSON.stringify(telemetry.traceStore.spansOf(conversation!.key))).toContain('what is the weather like');
    const answer = toolMessages().at(-1)!;
    expect(answer).toContain('Turn 1: the reply started playing');
    expect(answer).not.toContain('weather');
    expect(answer).not.toContain('why was that');
    await t.session.close();
  });

  it('is offered only while tracing is on, and outside a conversation describes only this session’s turns', async () => {
    const { telemetry } = inMemoryTelemetry();
    const other = session(telemetry);
    await other.typed('another window');
    const t = session(telemetry);
    await t.typed('first question');
    telemetry.configure({ enabled: false });
    await t.typed('second question');
    telemetry.configure({ enabled: true });
    await t.typed('third question');
    server.configure({ toolSteps: [[{ name: 'describe_recent_turns', arguments: '{}' }]] });
    await t.typed('why?');
    expect(offeredTools().map((names) => names.includes('describe_recent_turns'))).toEqual([true, true, false, true, true, true]);
    // Tracing off cleared the store: only the third question's turn is left, and the other session's is not this one's.
    const [answer] = toolMessages();
    expect(answer).toMatch(/^Only one turn has finished, so there is nothing to compare it with yet\.\nTurn \d+: the reply started playing \d+ ms after your message\./);
    expect(answer!.split('\n')).toHaveLength(2);
    await other.session.close();
    await t.session.close();
  });
});
