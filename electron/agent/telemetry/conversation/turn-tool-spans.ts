/**
 * One turn's tool call spans (`execute_tool {tool}`, concurrent ones side by
 * side under the turn) and its tool time: how many calls were made and for
 * how long at least one of them ran, for the turn span's figures.
 */
import { SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR } from '../../../../shared/telemetry';
import type { ToolEvent } from '../../pipeline/turn-events';
import { toolEndAttributes, toolSpanOptions, toolStartAttributes } from './tool-attributes';

export class TurnToolSpans {
  /** Spans still open, by call id. */
  private readonly open = new Map<string, Span>();
  private calls = 0;
  private ms = 0;
  /** Since when a call has been running (null: none runs). */
  private since: number | null = null;

  constructor(
    private readonly tracer: Tracer,
    /** The turn span's context: the calls' parent. */
    private readonly parent: Context,
  ) {}

  get isEmpty(): boolean {
    return this.open.size === 0;
  }

  /** The context a call's work runs in (its span active), if the call is open. */
  contextOf(callId: string): Context | undefined {
    const span = this.open.get(callId);
    return span && trace.setSpan(this.parent, span);
  }

  started(event: Extract<ToolEvent, { type: 'tool.started' }>, conversationId: string | undefined, captureContent: boolean): void {
    const { name, kind } = toolSpanOptions(event);
    const attributes = toolStartAttributes(event, conversationId, captureContent);
    this.open.set(event.callId, this.tracer.startSpan(name, { kind, startTime: event.at, attributes }, this.parent));
    this.calls++;
    this.since ??= event.at;
  }

  /** Ends the call's span; false if it was not open. */
  ended(event: Extract<ToolEvent, { type: 'tool.ended' }>, captureContent: boolean): boolean {
    const span = this.open.get(event.callId);
    if (!span) return false;
    this.open.delete(event.callId);
    span.setAttributes(toolEndAttributes(event, captureContent));
    if (event.error && event.outcome !== 'cancelled') {
      span.recordException(event.error, event.at);
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.error.message });
    }
    span.end(event.at);
    if (this.open.size === 0 && this.since !== null) {
      this.ms += event.at - this.since;
      this.since = null;
    }
    return true;
  }

  /** The turn's tool figures at `at` (calls still running counted up to then); none without calls. */
  figures(at: number): Attributes {
    if (this.calls === 0) return {};
    const runningMs = this.since === null ? 0 : at - this.since;
    return { [ATTR.turnToolCalls]: this.calls, [ATTR.turnToolMs]: Math.round(this.ms + runningMs) };
  }
}
