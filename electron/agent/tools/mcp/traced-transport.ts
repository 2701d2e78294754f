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
 *
 * The spans are made by an `McpRequestTracer` (the app's, from
 * telemetry/conversation/mcp-request-spans.ts); without one nothing is traced.
 */
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type MessageExtraInfo,
} from '@modelcontextprotocol/sdk/types.js';

/** Who the transport talks to, for the spans' network attributes. */
export interface McpPeer {
  /** The server's name in the configuration. */
  readonly server: string;
  /** `pipe` for stdio, `tcp` for Streamable HTTP. */
  readonly network: 'pipe' | 'tcp';
  readonly address?: string;
  readonly port?: number;
}

/** A request about to be sent, as its span describes it. */
export interface McpRequest {
  readonly method: string;
  readonly requestId: string;
  readonly params: Record<string, unknown> | undefined;
  readonly peer: McpPeer;
  readonly sessionId: string | undefined;
  readonly protocolVersion: string | undefined;
}

/** How a request ended. */
export type McpRequestEnd =
  | { type: 'ok' | 'cancelled' | 'tool_error' | 'closed' }
  | { type: 'error'; code: number; message: string }
  | { type: 'failed'; error: Error };

export interface McpRequestSpan {
  /** The span's trace context for the request's `params._meta` (empty when there is none to send). */
  readonly meta: Readonly<Record<string, string>>;
  end(end: McpRequestEnd): void;
}

export interface McpRequestTracer {
  /** A span for the request when it is sent under an active span; null otherwise. */
  start(request: McpRequest): McpRequestSpan | null;
}

const CANCELLED = 'notifications/cancelled';

export class TracedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  private readonly pending = new Map<string, { span: McpRequestSpan; method: string }>();
  private protocolVersion: string | undefined;

  constructor(
    private readonly inner: Transport,
    private readonly peer: McpPeer,
    /** The app's tracing of MCP requests; none by default. */
    private readonly tracer?: McpRequestTracer,
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
    const span = isJSONRPCRequest(message) ? this.startSpan(message.method, String(message.id), message.params) : null;
    if (span && isJSONRPCRequest(message)) {
      key = String(message.id);
      this.pending.set(key, { span, method: message.method });
      message = { ...message, params: withMeta(message.params, span.meta) };
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

  private startSpan(method: string, requestId: string, params: Record<string, unknown> | undefined): McpRequestSpan | null {
    return this.tracer?.start({ method, requestId, params, peer: this.peer, sessionId: this.inner.sessionId, protocolVersion: this.protocolVersion }) ?? null;
  }

  private received(message: JSONRPCMessage): void {
    if (isJSONRPCResultResponse(message)) {
      const result = message.result as { isError?: unknown };
      this.finish(String(message.id), result.isError === true ? { type: 'tool_error' } : { type: 'ok' });
    } else if (isJSONRPCErrorResponse(message) && message.id !== undefined) {
      this.finish(String(message.id), { type: 'error', code: message.error.code, message: message.error.message });
    }
  }

  private finish(key: string, end: McpRequestEnd): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    entry.span.end(end);
  }
}

/** The request's params with the span's trace context added to `_meta`. */
function withMeta(params: Record<string, unknown> | undefined, added: Readonly<Record<string, string>>): Record<string, unknown> {
  if (Object.keys(added).length === 0) return params ?? {};
  const meta = typeof params?._meta === 'object' && params._meta !== null ? (params._meta as Record<string, unknown>) : {};
  return { ...params, _meta: { ...meta, ...added } };
}
