/**
 * The MCP client spans of a real turn: the fake OpenAI server asks for two
 * MCP tools of the loopback Streamable HTTP server; each call's
 * `tools/call {tool}` CLIENT span is a child of its `execute_tool` span, with
 * the MCP conventions' attributes, and its trace context reaches the server
 * in the request's `_meta`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR } from '../../../../shared/telemetry';
import { silentLogger } from '../../util/logger';
import { ConversationContext } from '../../conversation/conversation-context';
import { eventTime } from '../../pipeline/turn-events';
import { runTurn } from '../../pipeline/turn-run';
import { ConversationTrace } from '../../telemetry/conversation/conversation-trace';
import { mcpRequestTracer } from '../../telemetry/conversation/mcp-request-spans';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../../testing/fake-openai-server';
import { startMcpHttpServer, type McpHttpTestServer } from '../../testing/mcp-http-server';
import { spanProblems } from '../../testing/genai-conventions';
import { openAIStagesAt } from '../../testing/test-stages';
import { until } from '../../testing/until';
import { noTools } from '../tool';
import { ToolSwitches } from '../tool-switches';
import { McpServers } from './mcp-servers';

const contextManager = new AsyncLocalStorageContextManager();
const ended: ReadableSpan[] = [];
const recorder: SpanProcessor = { onStart() {}, onEnd: (span) => void ended.push(span), forceFlush: async () => {}, shutdown: async () => {} };
const provider = new TracerProvider({ spanProcessors: [recorder] });
let openai: FakeOpenAIServer;
let http: McpHttpTestServer;
let servers: McpServers;
let dir: string;

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
  openai = await startFakeOpenAIServer();
  http = await startMcpHttpServer();
  dir = await mkdtemp(join(tmpdir(), 'mcp-spans-'));
  const configFile = join(dir, 'mcp.json');
  await writeFile(configFile, JSON.stringify({ mcpServers: { web: { url: http.url } } }));
  const switches = await ToolSwitches.open(join(dir, 'tool-switches.json'), () => {});
  servers = await McpServers.open({ configFile, switches, builtins: [], clientInfo: { name: 'test', version: '1' }, logger: silentLogger, approvalsFile: join(dir, 'program-approvals.json'), tracer: mcpRequestTracer(provider.getTracer('voice-agent-stack.mcp')) });
  await until(() => servers.view().servers[0]?.status.state === 'ready', 'the server to be ready');
});
afterAll(async () => {
  await servers.stop();
  await http.close();
  await openai.close();
  await rm(dir, { recursive: true, force: true });
  trace.disable();
  contextManager.disable();
  context.disable();
});

async function tracedTurn(): Promise<void> {
  const conversation = new ConversationTrace(provider.getTracer('test'), { captureContent: () => false });
  conversation.observe({ type: 'conversation.started', at: eventTime(), conversationId: 'c-1' });
  conversation.observe({ type: 'turn.started', at: eventTime(), turn: 1, input: 'text' });
  openai.configure({ toolSteps: [[{ name: 'web__context', arguments: '{}' }, { name: 'web__fail', arguments: '{}' }]] });
  const tools = servers.provider(noTools).tools();
  const stages = { ...openAIStagesAt(openai.url, { model: 'm' }), tools: { tools, callTimeoutMs: 10_000, scope: <T>(callId: string, run: () => Promise<T>) => conversation.withinTool(1, callId, run) } };
  const result = await runTurn({ input: { kind: 'text', text: 'what context?' }, stages, context: new ConversationContext('Be brief.', { maxTurns: 5, maxTokens: 4_000 }), sink: { userText() {}, replyText() {}, audio() {} }, signal: new AbortController().signal, observer: { emit: (event) => conversation.observe({ ...event, turn: 1 }), scope: (stage, run) => conversation.within(1, stage, run) } });
  expect(result.status).toBe('completed');
  conversation.observe({ type: 'turn.ended', at: eventTime(), turn: 1, outcome: 'completed', audio: { chunks: 0, sentMs: 0, playedMs: 0 } });
}

describe('MCP client spans', () => {
  it('traces each tools/call under its execute_tool span and sends the trace context in _meta', async () => {
    await tracedTurn();
    const mcp = ended.filter((s) => s.attributes[ATTR.mcpMethodName] !== undefined);
    // The handshake and the listing ran outside any turn: not traced.
    expect(mcp.map((s) => s.name).sort()).toEqual(['tools/call context', 'tools/call fail']);
    for (const span of ended) expect(spanProblems(span)).toEqual([]);
    const call = mcp.find((s) => s.name === 'tools/call context')!;
    const parent = ended.find((s) => s.name === 'execute_tool web__context')!;
    expect(call.kind).toBe(SpanKind.CLIENT);
    expect(call.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(call.spanContext().traceId).toBe(parent.spanContext().traceId);
    const sessionId = http.calls.find((c) => c.tool === 'context')!.sessionId;
    expect(call.attributes).toMatchObject({
      [ATTR.mcpMethodName]: 'tools/call',
      [ATTR.toolName]: 'context',
      [ATTR.operationName]: 'execute_tool',
      [ATTR.jsonrpcRequestId]: expect.stringMatching(/^\d+$/),
      [ATTR.mcpSessionId]: sessionId,
      [ATTR.mcpProtocolVersion]: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      [ATTR.mcpServerName]: 'web',
      [ATTR.networkTransport]: 'tcp',
      [ATTR.networkProtocolName]: 'http',
      [ATTR.serverAddress]: '127.0.0.1',
      [ATTR.serverPort]: Number(new URL(http.url).port),
    });
    expect(call.attributes[ATTR.errorType]).toBeUndefined();

    const meta = http.calls.find((c) => c.tool === 'context')!.meta;
    expect(meta?.traceparent).toBe(`00-${call.spanContext().traceId}-${call.spanContext().spanId}-01`);

    const failed = mcp.find((s) => s.name === 'tools/call fail')!;
    expect(failed.attributes[ATTR.errorType]).toBe('tool_error');
    expect(failed.status.code).toBe(2);
    expect(failed.parentSpanContext?.spanId).toBe(ended.find((s) => s.name === 'execute_tool web__fail')!.spanContext().spanId);
  });

  it('ends the span of a cancelled request as cancelled, not as an error', async () => {
    const slow = servers.provider(noTools).tools().find((t) => t.name === 'web__slow')!;
    const parent = provider.getTracer('test').startSpan('execute_tool web__slow');
    const controller = new AbortController();
    const running = context.with(trace.setSpan(context.active(), parent), () => slow.call({}, { callId: 'c-slow', signal: controller.signal }));
    await until(() => http.calls.some((c) => c.tool === 'slow'), 'the slow call to arrive');
    controller.abort(new Error('barge-in'));
    await expect(running).rejects.toThrow();
    parent.end();
    const span = ended.find((s) => s.name === 'tools/call slow')!;
    expect(span.attributes[ATTR.stageCancelled]).toBe(true);
    expect(span.attributes[ATTR.errorType]).toBeUndefined();
    expect(span.status.code).toBe(0);
    expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });
});
