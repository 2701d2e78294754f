/**
 * An MCP transport that traces the requests going through it, as the MCP
 * semantic conventions describe: a CLIENT span per request, named
 * `{mcp.method.name} {target}` (the tool's name for `tools/call`), from the
 * request being sent to its response, with the method, the JSON-RPC id, the
 * session, the protocol version and the network; `error.type` for a
 * JSON-RPC error (its code) or a tool result marked `isError` (`tool_error`).
 * The span's W3C trace context goes to the server in the request's
 * `params._meta` (`traceparent`, `tracestate`), so a server that traces
 * joins the conversation's trace.
 *
 * Only requests made under an active span are traced (a tool call under its
 * `execute_tool` span); the handshake and tool listing at start-up, outside
 * any turn, are not, so they do not start traces of their own.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type MessageExtraInfo,
} from '@modelcontextprotocol/sdk/types.js';
import { ATTR, GEN_AI_OPERATION, MCP_META, MCP_TOOL_ERROR } from '../../../../shared/telemetry';
import { formatTraceparent } from '../../../../shared/trace-context';

/** Who the transport talks to, for the spans' network attributes. */
export interface McpPeer {
  /** The server's name in the configuration. */
  readonly server: string;
  /** `pipe` for stdio, `tcp` for Streamable HTTP. */
  readonly network: 'pipe' | 'tcp';
  readonly address?: string;
  readonly port?: number;
}

const TRACER = 'voice-agent-stack.mcp';
const CANCELLED = 'notifications/cancelled';

export class TracedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  private readonly pending = new Map<string, { span: Span; method: string }>();
  private protocolVersion: string | undefined;

  constructor(
    private readonly inner: Transport,
    private readonly peer: McpPeer,
    /** The app's tracer; by default the global provider's. */
    private readonly tracer: Tracer = trace.getTracer(TRACER),
  ) {}

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion = (version: string): void => {
    this.protocolVersion = version;
    this.inner.setProtocolVersion?.(version);
  };

  start(): Promise<void> {
    this.inner.onmessage = (message, extra) => {
      this.received(message);
      this.onmessage?.(message, extra);
    };
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onclose = () => {
      for (const key of [...this.pending.keys()]) this.finish(key, { type: 'closed' });
      this.onclose?.();
    };
    return this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    let key: string | undefined;
    if (isJSONRPCRequest(message) && trace.getSpan(context.active())) {
      key = String(message.id);
      const span = this.startSpan(message.method, key, message.params);
      this.pending.set(key, { span, method: message.method });
      message = { ...message, params: withTraceContext(message.params, span) };
    } else if (isJSONRPCNotification(message) && message.method === CANCELLED) {
      const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId;
      if (requestId !== undefined) this.finish(String(requestId), { type: 'cancelled' });
    }
    try {
      await this.inner.send(message, options);
    } catch (error) {
      if (key !== undefined) this.finish(key, { type: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
      throw error;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Ends the server's session (Streamable HTTP only: a DELETE with the session id). */
  async terminateSession(): Promise<void> {
    const inner = this.inner as Transport & { terminateSession?: () => Promise<void> };
    if (inner.sessionId && inner.terminateSession) await inner.terminateSession();
  }

  private startSpan(method: string, requestId: string, params: Record<string, unknown> | undefined): Span {
    const tool = method === 'tools/call' && typeof params?.name === 'string' ? params.name : undefined;
    const prompt = method === 'prompts/get' && typeof params?.name === 'string' ? params.name : undefined;
    const target = tool ?? prompt;
    const sessionId = this.inner.sessionId;
    const attributes: Attributes = {
      [ATTR.mcpMethodName]: method,
      [ATTR.jsonrpcRequestId]: requestId,
      [ATTR.mcpServerName]: this.peer.server,
      [ATTR.networkTransport]: this.peer.network,
      ...(this.peer.network === 'tcp' ? { [ATTR.networkProtocolName]: 'http' } : {}),
      ...(this.peer.address ? { [ATTR.serverAddress]: this.peer.address } : {}),
      ...(this.peer.port ? { [ATTR.serverPort]: this.peer.port } : {}),
      ...(sessionId ? { [ATTR.mcpSessionId]: sessionId } : {}),
      ...(this.protocolVersion ? { [ATTR.mcpProtocolVersion]: this.protocolVersion } : {}),
      ...(tool ? { [ATTR.toolName]: tool, [ATTR.operationName]: GEN_AI_OPERATION.executeTool } : {}),
    };
    return this.tracer.startSpan(target ? `${method} ${target}` : method, { kind: SpanKind.CLIENT, attributes });
  }

  private received(message: JSONRPCMessage): void {
    if (isJSONRPCResultResponse(message)) {
      const result = message.result as { isError?: unknown };
      this.finish(String(message.id), result.isError === true ? { type: 'tool_error' } : { type: 'ok' });
    } else if (isJSONRPCErrorResponse(message) && message.id !== undefined) {
      this.finish(String(message.id), { type: 'error', code: message.error.code, message: message.error.message });
    }
  }

  private finish(key: string, end: SpanEnd): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    const { span } = entry;
    switch (end.type) {
      case 'ok':
        break;
      case 'cancelled':
        span.setAttribute(ATTR.stageCancelled, true);
        break;
      case 'tool_error':
        span.setAttribute(ATTR.errorType, MCP_TOOL_ERROR);
        span.setStatus({ code: SpanStatusCode.ERROR });
        break;
      case 'error':
        span.setAttributes({ [ATTR.errorType]: String(end.code), [ATTR.rpcResponseStatusCode]: String(end.code) });
        span.setStatus({ code: SpanStatusCode.ERROR, message: end.message });
        break;
      case 'closed':
        span.setAttribute(ATTR.errorType, 'connection_closed');
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'the connection to the MCP server closed' });
        break;
      case 'failed':
        span.setAttribute(ATTR.errorType, end.error.name || 'Error');
        span.recordException(end.error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: end.error.message });
    }
    span.end();
  }
}

type SpanEnd =
  | { type: 'ok' | 'cancelled' | 'tool_error' | 'closed' }
  | { type: 'error'; code: number; message: string }
  | { type: 'failed'; error: Error };

/** The request's params with the span's trace context added to `_meta`. */
function withTraceContext(params: Record<string, unknown> | undefined, span: Span): Record<string, unknown> {
  const spanContext = span.spanContext();
  const traceparent = formatTraceparent(spanContext);
  if (!traceparent) return params ?? {};
  const tracestate = spanContext.traceState?.serialize();
  const meta = typeof params?._meta === 'object' && params._meta !== null ? (params._meta as Record<string, unknown>) : {};
  return { ...params, _meta: { ...meta, [MCP_META.traceparent]: traceparent, ...(tracestate ? { [MCP_META.tracestate]: tracestate } : {}) } };
}
