/**
 * Turns with tools, end to end through the real OpenAI provider and the
 * loopback server: streamed calls, results under the right ids, rounds,
 * concurrency, deadlines, cancellation and failures given back as results.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../testing/fake-openai-server';
import { openAIStagesAt } from '../testing/test-stages';
import { until } from '../testing/until';
import type { Tool, ToolOutcome } from '../tools/tool';
import { ConversationContext } from '../conversation/conversation-context';
import type { ToolCallResult } from './tool-calls';
import { MAX_TOOL_ROUNDS } from './tool-rounds';
import type { StageEvent } from './turn-events';
import { runTurn, type PipelineStages, type TurnSink } from './turn-run';

let server: FakeOpenAIServer;
let base: PipelineStages;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
  base = openAIStagesAt(server.url, { model: 'm' });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

/** A tool whose calls the test controls: each call waits for `answer` unless it answers at once. */
function tool(name: string, run: (args: Record<string, unknown>, signal: AbortSignal) => Promise<ToolOutcome>): Tool & { calls: Record<string, unknown>[]; aborted: number } {
  const made = {
    name,
    description: `The ${name} tool.`,
    parameters: { type: 'object', properties: { a: { type: 'number' } } },
    type: 'function' as const,
    source: 'test',
    calls: [] as Record<string, unknown>[],
    aborted: 0,
    call: async (args: Record<string, unknown>, context: { signal: AbortSignal }) => {
      made.calls.push(args);
      context.signal.addEventListener('abort', () => made.aborted++, { once: true });
      return run(args, context.signal);
    },
  };
  return made;
}

const sum = tool('get-sum', async (args) => ({ text: String(Number(args.a) + Number(args.b)) }));

function turn(tools: Tool[], options: { timeoutMs?: number; signal?: AbortSignal; sink?: Partial<TurnSink> } = {}) {
  const events: StageEvent[] = [];
  const running: (readonly string[])[] = [];
  const sink: TurnSink = { userText() {}, replyText() {}, audio() {}, toolsRunning: (names) => running.push(names), ...options.sink };
  const stages: PipelineStages = { ...base, tools: { tools, callTimeoutMs: options.timeoutMs ?? 5_000 } };
  const context = new ConversationContext('Be brief.', { maxTurns: 10, maxTokens: 4_000 });
  const done = runTurn({ input: { kind: 'text', text: 'add 2 and 3' }, stages, context, sink, signal: options.signal ?? new AbortController().signal, observer: { emit: (e) => events.push(e) } });
  return { done, events, running, context };
}

const chats = () => server.requests.filter((r) => r.endpoint === 'chat');
type Sent = { role: string; content: string | null; tool_call_id?: string; tool_calls?: { id: string; function: { name: string; arguments: string } }[] };
const messagesOf = (index: number) => chats()[index]!.body.messages as Sent[];

describe('tool calls in a turn', () => {
  it('runs a streamed call and gives the model its result under the call id, then speaks the answer', async () => {
    server.configure({ toolSteps: [[{ name: 'get-sum', arguments: '{"a": 2, "b": 3}' }]] });
    const { done } = turn([sum]);
    const result = await done;
    expect(result.status).toBe('completed');
    expect(result.replyText).toBe('The tools said: 5.');
    expect(result.segments.map((s) => s.text)).toEqual(['The tools said: 5.']);
    expect(chats()).toHaveLength(2);
    expect(chats()[0]!.body.tools).toEqual([{ type: 'function', function: { name: 'get-sum', description: 'The get-sum tool.', parameters: sum.parameters } }]);
    const second = messagesOf(1);
    const asked = second.at(-2)!;
    expect(asked.role).toBe('assistant');
    expect(asked.tool_calls?.map((c) => c.function)).toEqual([{ name: 'get-sum', arguments: '{"a": 2, "b": 3}' }]);
    expect(second.at(-1)).toEqual({ role: 'tool', tool_call_id: asked.tool_calls![0]!.id, content: '5' });
    expect(result.toolCalls.map((c: ToolCallResult) => [c.call.name, c.outcome, c.text])).toEqual([['get-sum', 'ok', '5']]);
  });

  it('runs several calls of one response at the same time, each result under its own id', async () => {
    const gates: (() => void)[] = [];
    const slow = tool('slow', (args) => new Promise((resolve) => gates.push(() => resolve({ text: `slow ${String(args.a)}` }))));
    server.configure({ toolSteps: [[{ name: 'slow', arguments: '{"a": 1}' }, { name: 'slow', arguments: '{"a": 2}' }, { name: 'get-sum', arguments: '{"a":1,"b":1}' }]] });
    const { done } = turn([slow, sum]);
    // Both slow calls have started before either was answered: they run concurrently.
    await until(() => gates.length === 2, 'both slow calls to start');
    gates[1]!();
    gates[0]!();
    const result = await done;
    const asked = messagesOf(1).find((m) => m.tool_calls)!.tool_calls!;
    const answers = messagesOf(1).filter((m) => m.role === 'tool');
    expect(answers.map((m) => m.tool_call_id)).toEqual(asked.map((c) => c.id));
    expect(answers.map((m) => m.content)).toEqual(['slow 1', 'slow 2', '2']);
    expect(result.replyText).toBe('The tools said: slow 1; slow 2; 2.');
  });

  it('stops offering tools after the last round, so the model has to answer', async () => {
    const step = [{ name: 'get-sum', arguments: '{"a":1,"b":2}' }];
    server.configure({ toolSteps: Array.from({ length: MAX_TOOL_ROUNDS + 2 }, () => step) });
    const result = await turn([sum]).done;
    expect(result.status).toBe('completed');
    expect(chats()).toHaveLength(MAX_TOOL_ROUNDS + 1);
    expect(chats().map((r) => Array.isArray(r.body.tools))).toEqual([...Array.from({ length: MAX_TOOL_ROUNDS }, () => true), false]);
    expect(result.toolCalls).toHaveLength(MAX_TOOL_ROUNDS);
  });

  it('gives the model a failure, an isError result, an unknown tool and bad arguments as results; the turn goes on', async () => {
    const broken = tool('broken', () => Promise.reject(new Error('disk on fire')));
    const refusing = tool('refusing', async () => ({ text: 'no such city', isError: true }));
    server.configure({
      toolSteps: [
        [
          { name: 'broken', arguments: '{}' },
          { name: 'refusing', arguments: '{}' },
          { name: 'missing', arguments: '{}' },
          { name: 'get-sum', arguments: '{"a": ' },
        ],
      ],
    });
    const { done, events } = turn([broken, refusing, sum]);
    const result = await done;
    expect(result.status).toBe('completed');
    expect(result.toolCalls.map((c) => c.outcome)).toEqual(['failed', 'tool_error', 'unknown_tool', 'bad_arguments']);
    const answers = messagesOf(1).filter((m) => m.role === 'tool').map((m) => m.content);
    expect(answers[0]).toBe('Error: broken failed: disk on fire');
    expect(answers[1]).toBe('Error: no such city');
    expect(answers[2]).toContain('there is no tool named "missing"');
    expect(answers[3]).toBe('Error: the arguments of get-sum are not valid JSON.');
    expect(events.filter((e) => e.type === 'tool.ended').map((e) => e.type === 'tool.ended' && e.error !== undefined)).toEqual([true, true, true, true]);
  });

  it('stops a call at its deadline and tells the model so', async () => {
    const hang = tool('hang', (_args, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true })));
    server.configure({ toolSteps: [[{ name: 'hang', arguments: '{}' }]] });
    const result = await turn([hang], { timeoutMs: 50 }).done;
    expect(result.status).toBe('completed');
    expect(result.toolCalls.map((c) => c.outcome)).toEqual(['timeout']);
    expect(hang.aborted).toBe(1);
    expect(messagesOf(1).at(-1)!.content).toBe('Error: hang did not answer within 0.1 s and was stopped.');
  });

  it('cancels running calls when the turn is interrupted, and names a slow call while it runs', async () => {
    const hang = tool('hang', () => new Promise(() => {}));
    server.configure({ toolSteps: [[{ name: 'hang', arguments: '{}' }]] });
    const controller = new AbortController();
    const { done, events, running } = turn([hang], { signal: controller.signal });
    await until(() => running.some((names) => names.includes('hang')), 'the status to name the slow call');
    controller.abort(new Error('barge-in'));
    const result = await done;
    expect(result.status).toBe('cancelled');
    expect(hang.aborted).toBe(1);
    expect(events.find((e) => e.type === 'tool.ended')).toMatchObject({ outcome: 'cancelled' });
    expect(running.at(-1)).toEqual([]);
    expect(chats()).toHaveLength(1);
  });

  it('turns tools off for a model that refuses them, says so once, and answers without them', async () => {
    server.configure({ rejectTools: 'registry.ollama.ai/library/gemma:2b does not support tools' });
    const notices: string[] = [];
    const stages = openAIStagesAt(server.url, { model: 'gemma' });
    const first = await runTurn({ input: { kind: 'text', text: 'hi' }, stages: { ...stages, tools: { tools: [sum], callTimeoutMs: 1_000 } }, context: new ConversationContext('', { maxTurns: 5, maxTokens: 4_000 }), sink: { userText() {}, replyText() {}, audio() {}, notice: (text) => notices.push(text) }, signal: new AbortController().signal });
    expect(first.status).toBe('completed');
    expect(first.replyText).toContain('You said: hi');
    const second = await runTurn({ input: { kind: 'text', text: 'again' }, stages: { ...stages, tools: { tools: [sum], callTimeoutMs: 1_000 } }, context: new ConversationContext('', { maxTurns: 5, maxTokens: 4_000 }), sink: { userText() {}, replyText() {}, audio() {}, notice: (text) => notices.push(text) }, signal: new AbortController().signal });
    expect(second.status).toBe('completed');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/does not take tools \(400 registry.ollama.ai\/library\/gemma:2b does not support tools\)/);
    // Refused once with tools, then asked without; the next turn offers none.
    expect(chats().map((r) => Array.isArray(r.body.tools))).toEqual([true, false, false]);
  });
});
