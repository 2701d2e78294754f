/**
 * The spans of a turn with tools, from the real pipeline's events: a chat
 * span per model request, an execute_tool span per call under the turn,
 * content only with capture on, and the turn's tool time.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ATTR } from '../../../../shared/telemetry';
import { ConversationContext } from '../../conversation/conversation-context';
import { eventTime } from '../../pipeline/turn-events';
import { runTurn } from '../../pipeline/turn-run';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../../testing/fake-openai-server';
import { spanProblems } from '../../testing/genai-conventions';
import { openAIStagesAt } from '../../testing/test-stages';
import type { Tool } from '../../tools/tool';
import { ConversationTrace } from './conversation-trace';

let server: FakeOpenAIServer;
const contextManager = new AsyncLocalStorageContextManager();
beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  server = await startFakeOpenAIServer();
});
afterAll(async () => {
  contextManager.disable();
  context.disable();
  await server.close();
});
beforeEach(() => server.reset());

const sum: Tool = {
  name: 'get-sum',
  description: 'Adds a and b.',
  parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
  type: 'function',
  source: 'everything',
  call: async (args) => ({ text: String(Number(args.a) + Number(args.b)) }),
};
const broken: Tool = { ...sum, name: 'broken', call: () => Promise.reject(new Error('no disk')) };

async function tracedTurn(capture: boolean): Promise<ReadableSpan[]> {
  const ended: ReadableSpan[] = [];
  const recorder: SpanProcessor = { onStart() {}, onEnd: (span) => void ended.push(span), forceFlush: async () => {}, shutdown: async () => {} };
  const trace = new ConversationTrace(new TracerProvider({ spanProcessors: [recorder] }).getTracer('test'), { captureContent: () => capture });
  trace.observe({ type: 'conversation.started', at: eventTime(), conversationId: 'c-1' });
  trace.observe({ type: 'turn.started', at: eventTime(), turn: 1, input: 'text' });
  server.configure({ toolSteps: [[{ name: 'get-sum', arguments: '{"a":2,"b":3}' }, { name: 'broken', arguments: '{}' }]] });
  const stages = { ...openAIStagesAt(server.url, { model: 'm' }), tools: { tools: [sum, broken], callTimeoutMs: 5_000 } };
  const result = await runTurn({ input: { kind: 'text', text: 'add' }, stages, context: new ConversationContext('Be brief.', { maxTurns: 5, maxTokens: 4_000 }), sink: { userText() {}, replyText() {}, audio() {} }, signal: new AbortController().signal, observer: { emit: (event) => trace.observe({ ...event, turn: 1 }), scope: (stage, run) => trace.within(1, stage, run) } });
  expect(result.status).toBe('completed');
  trace.observe({ type: 'turn.ended', at: eventTime(), turn: 1, outcome: 'completed', audio: { chunks: 0, sentMs: 0, playedMs: 0 } });
  return ended;
}

describe('tool call spans', () => {
  it('opens an execute_tool span per call under the turn, with the conventions attributes and error.type on failure', async () => {
    const spans = await tracedTurn(false);
    const turn = spans.find((s) => s.name === 'turn')!;
    const tools = spans.filter((s) => s.attributes[ATTR.operationName] === 'execute_tool');
    expect(tools.map((s) => s.name).sort()).toEqual(['execute_tool broken', 'execute_tool get-sum']);
    for (const span of tools) {
      expect(span.parentSpanContext?.spanId).toBe(turn.spanContext().spanId);
      expect(spanProblems(span)).toEqual([]);
      expect(span.attributes[ATTR.toolCallId]).toMatch(/^call_/);
      expect(span.attributes[ATTR.toolType]).toBe('function');
      expect(span.attributes[ATTR.toolSource]).toBe('everything');
      expect(span.attributes[ATTR.toolCallArguments]).toBeUndefined();
      expect(span.attributes[ATTR.toolCallResult]).toBeUndefined();
    }
    const failed = tools.find((s) => s.name === 'execute_tool broken')!;
    expect(failed.status.code).toBe(2);
    expect(failed.attributes[ATTR.errorType]).toBe('failed');
    const chats = spans.filter((s) => s.attributes[ATTR.operationName] === 'chat');
    expect(chats).toHaveLength(2);
    expect(chats.every((s) => s.attributes[ATTR.toolDefinitions] === undefined)).toBe(true);
    expect(chats[0]!.attributes[ATTR.finishReasons]).toEqual(['tool_calls']);
    expect(turn.attributes[ATTR.turnToolCalls]).toBe(2);
    expect(turn.attributes[ATTR.turnToolMs]).toEqual(expect.any(Number));
  });

  it('records arguments, results, the tool definitions and the calls in the chat messages only with content capture on', async () => {
    const spans = await tracedTurn(true);
    const sumSpan = spans.find((s) => s.name === 'execute_tool get-sum')!;
    expect(sumSpan.attributes[ATTR.toolCallArguments]).toBe('{"a":2,"b":3}');
    expect(sumSpan.attributes[ATTR.toolCallResult]).toBe('5');
    const chats = spans.filter((s) => s.attributes[ATTR.operationName] === 'chat');
    for (const chat of chats) expect(spanProblems(chat)).toEqual([]);
    expect(JSON.parse(String(chats[0]!.attributes[ATTR.toolDefinitions]))).toEqual([
      { type: 'function', name: 'get-sum', description: 'Adds a and b.', parameters: sum.parameters },
      { type: 'function', name: 'broken', description: 'Adds a and b.', parameters: sum.parameters },
    ]);
    const asked = JSON.parse(String(chats[0]!.attributes[ATTR.outputMessages])) as { parts: { type: string; name?: string }[] }[];
    expect(asked[0]!.parts.map((p) => [p.type, p.name])).toEqual([
      ['tool_call', 'get-sum'],
      ['tool_call', 'broken'],
    ]);
    const input = JSON.parse(String(chats[1]!.attributes[ATTR.inputMessages])) as { role: string; parts: { type: string; response?: string }[] }[];
    expect(input.filter((m) => m.role === 'tool').map((m) => m.parts[0]!.response)).toEqual(['5', 'Error: broken failed: no disk']);
  });
});
