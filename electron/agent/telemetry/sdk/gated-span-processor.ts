import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Passes spans to `inner` only while `isOpen()` says so. The SDK fixes its
 * processors at construction; this is how exporters are switched at run time.
 */
export class GatedSpanProcessor implements SpanProcessor {
  constructor(
    private readonly inner: SpanProcessor,
    private readonly isOpen: () => boolean,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    if (this.isOpen()) this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if (this.isOpen()) this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
