/**
 * The MCP client spans, as the MCP semantic conventions describe them: a
 * CLIENT span per request made under an active span, named
 * `{mcp.method.name} {target}` (the tool's name for `tools/call`), with the
 * method, the JSON-RPC id, the session, the protocol version and the network;
 * `error.type` for a JSON-RPC error (its code) or a tool result marked
 * `isError` (`tool_error`). Its W3C trace context goes in the request's `_meta`.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR, GEN_AI_OPERATION, MCP_META, MCP_TOOL_ERROR } from '../../../../shared/telemetry';
import { formatTraceparent } from '../../../../shared/trace-context';
import type { McpRequest, McpRequestEnd, McpRequestTracer } from '../../tools/mcp/traced-transport';

export function mcpRequestTracer(tracer: Tracer): McpRequestTracer {
  return {
    start: (request) => {
      if (!trace.getSpan(context.active())) return null;
      const span = startSpan(tracer, request);
      return { meta: traceContextMeta(span), end: (end) => endSpan(span, end) };
    },
  };
}

function startSpan(tracer: Tracer, { method, requestId, params, peer, sessionId, protocolVersion }: McpRequest): Span {
  const tool = method === 'tools/call' && typeof params?.name === 'string' ? params.name : undefined;
  const prompt = method === 'prompts/get' && typeof params?.name === 'string' ? params.name : undefined;
  const target = tool ?? prompt;
  const attributes: Attributes = {
    [ATTR.mcpMethodName]: method,
    [ATTR.jsonrpcRequestId]: requestId,
    [ATTR.mcpServerName]: peer.server,
    [ATTR.networkTransport]: peer.network,
    ...(peer.network === 'tcp' ? { [ATTR.networkProtocolName]: 'http' } : {}),
    ...(peer.address ? { [ATTR.serverAddress]: peer.address } : {}),
    ...(peer.port ? { [ATTR.serverPort]: peer.port } : {}),
    ...(sessionId ? { [ATTR.mcpSessionId]: sessionId } : {}),
    ...(protocolVersion ? { [ATTR.mcpProtocolVersion]: protocolVersion } : {}),
    ...(tool ? { [ATTR.toolName]: tool, [ATTR.operationName]: GEN_AI_OPERATION.executeTool } : {}),
  };
  return tracer.startSpan(target ? `${method} ${target}` : method, { kind: SpanKind.CLIENT, attributes });
}

function endSpan(span: Span, end: McpRequestEnd): void {
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

/** The span's trace context as `_meta` entries (`traceparent`, `tracestate`). */
function traceContextMeta(span: Span): Record<string, string> {
  const spanContext = span.spanContext();
  const traceparent = formatTraceparent(spanContext);
  if (!traceparent) return {};
  const tracestate = spanContext.traceState?.serialize();
  return { [MCP_META.traceparent]: traceparent, ...(tracestate ? { [MCP_META.tracestate]: tracestate } : {}) };
}
