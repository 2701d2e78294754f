/**
 * The transport's side of a session: the counters of what crossed the
 * carrier, kept once for the whole session, and the `transport.session` span
 * that reports them when the carrier goes away.
 */
import { ROOT_CONTEXT, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR, EVENT, SPAN } from '../../../../shared/telemetry';

/** What a session's transport span is made with (the app's tracer). */
export type SessionTracer = Tracer;

export interface TransportCounters {
  messagesIn: number;
  messageErrors: number;
  framesIn: number;
  /** Frames refused: malformed, or arriving when no conversation runs. */
  framesDropped: number;
  /** Assistant audio chunks sent (speech and the test sound). */
  chunksOut: number;
  /** Client spans refused because they belong to no trace of this session. */
  spansRefused: number;
}

export class TransportTrace {
  readonly counters: TransportCounters = { messagesIn: 0, messageErrors: 0, framesIn: 0, framesDropped: 0, chunksOut: 0, spansRefused: 0 };
  private span: Span | null = null;

  /** Opens the span (a root of its own: a session outlives its conversations); without a tracer only counts. */
  open(tracer: SessionTracer | undefined, sessionId: string, kind: 'ipc' | 'websocket'): void {
    if (!tracer || this.span) return;
    this.span = tracer.startSpan(SPAN.transportSession, { root: true, attributes: { [ATTR.sessionId]: sessionId, [ATTR.transportKind]: kind } }, ROOT_CONTEXT);
    this.span.addEvent(EVENT.connect);
  }

  /** Something the client sent was refused. */
  refused(reason: string): void {
    this.counters.messageErrors++;
    this.span?.addEvent(EVENT.messageError, { [ATTR.errorMessage]: reason.slice(0, 500) });
  }

  close(): void {
    const span = this.span;
    this.span = null;
    if (!span) return;
    span.addEvent(EVENT.disconnect);
    span.setAttributes({
      [ATTR.messagesIn]: this.counters.messagesIn,
      [ATTR.messageErrors]: this.counters.messageErrors,
      [ATTR.framesIn]: this.counters.framesIn,
      [ATTR.framesDropped]: this.counters.framesDropped,
      [ATTR.chunksOut]: this.counters.chunksOut,
      [ATTR.spansRefused]: this.counters.spansRefused,
    });
    span.end();
  }
}
