/** Helpers for the stage spans of a turn. Stage code uses only @opentelemetry/api. */
import { SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR } from '../../../shared/telemetry';
import { StageError } from './stage-error';

export interface TurnTracing {
  tracer: Tracer;
  /** The turn span's context: stage spans are its children. */
  parent: Context;
  /** Record transcripts, prompts and replies (off by default). */
  captureContent: boolean;
}

/** Marks a span as failed with the error recorded, unless it was only cancelled. */
export function failSpan(span: Span, error: unknown): void {
  if (error instanceof StageError && error.kind === 'cancelled') {
    span.setAttribute('cancelled', true);
    return;
  }
  span.recordException(error instanceof Error ? error : new Error(String(error)));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  if (error instanceof StageError) span.setAttribute(ATTR.errorType, error.kind);
}

export function msSince(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
