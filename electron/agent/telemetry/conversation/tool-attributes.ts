/**
 * The GenAI conventions' view of one tool call: an INTERNAL span named
 * `execute_tool {gen_ai.tool.name}` with the tool's name, type and the
 * model's call id; `error.type` when the call did not succeed (its outcome:
 * timeout, tool_error, ...), and `stage.cancelled` (not an error) when the
 * turn stopped it; arguments and result only with content capture.
 */
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { ATTR, GEN_AI_OPERATION } from '../../../../shared/telemetry';
import type { ToolEvent } from '../../pipeline/turn-events';

type ToolStarted = Extract<ToolEvent, { type: 'tool.started' }>;
type ToolEnded = Extract<ToolEvent, { type: 'tool.ended' }>;

export function toolSpanOptions(event: ToolStarted): { name: string; kind: SpanKind } {
  return { name: `${GEN_AI_OPERATION.executeTool} ${event.name}`, kind: SpanKind.INTERNAL };
}

export function toolStartAttributes(event: ToolStarted, conversationId: string | undefined, captureContent: boolean): Attributes {
  return {
    [ATTR.operationName]: GEN_AI_OPERATION.executeTool,
    [ATTR.toolName]: event.name,
    [ATTR.toolCallId]: event.callId,
    [ATTR.toolType]: event.toolType,
    ...(event.source ? { [ATTR.toolSource]: event.source } : {}),
    ...(conversationId ? { [ATTR.conversationId]: conversationId } : {}),
    ...(captureContent ? { [ATTR.toolCallArguments]: event.arguments } : {}),
  };
}

export function toolEndAttributes(event: ToolEnded, captureContent: boolean): Attributes {
  return {
    ...(event.outcome === 'ok' ? {} : event.outcome === 'cancelled' ? { [ATTR.stageCancelled]: true } : { [ATTR.errorType]: event.outcome }),
    ...(captureContent ? { [ATTR.toolCallResult]: event.result } : {}),
  };
}
