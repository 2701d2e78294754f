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
import type { DeviceLatency } from './speaker-latency';

/** The observer, and what the session tells tracing beside the conversation: the client's device latencies. */
export interface TracingObserver extends ConversationObserver {
  /** Call before handing the conversation the report that playback started, with the latencies it carried. */
  deviceLatency?(latency: DeviceLatency): void;
}

export function tracingObserver(tracer: Tracer, options: Required<ConversationTraceOptions>, metrics?: ConversationEventSink, tracing?: TracingView): TracingObserver {
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
    deviceLatency: (latency) => trace.deviceLatency(latency),
    get captureContent() {
      return options.captureContent();
    },
    ...(tracing ? { tracing } : {}),
  };
}
