/**
 * The conversation's observer as the app builds it: events become spans
 * (`ConversationTrace`) and metrics (an unsampled sink), stage and tool calls
 * run in their span's context, and the conversation sees only the interface.
 */
import type { Tracer } from '@opentelemetry/api';
import type { ConversationObserver } from '../../conversation/conversation-observer';
import type { TracingView } from '../../tools/builtin/recent-turns';
import type { ConversationEventSink } from '../../pipeline/turn-events';
import { ConversationTrace, type ConversationTraceOptions } from './conversation-trace';

export function tracingObserver(tracer: Tracer, options: Required<ConversationTraceOptions>, metrics?: ConversationEventSink, tracing?: TracingView): ConversationObserver {
  const trace = new ConversationTrace(tracer, options);
  return {
    observe: (event) => {
      trace.observe(event);
      metrics?.(event);
    },
    within: (turn, stage, run) => trace.within(turn, stage, run),
    withinTool: (turn, callId, run) => trace.withinTool(turn, callId, run),
    inTurn: (turn, run) => trace.inTurn(turn, run),
    turnTraceparent: (turn) => trace.turnTraceparent(turn),
    get conversationTraceparent() {
      return trace.conversationTraceparent;
    },
    isKnownTrace: (traceId) => trace.isKnownTrace(traceId),
    get captureContent() {
      return options.captureContent();
    },
    ...(tracing ? { tracing } : {}),
  };
}
