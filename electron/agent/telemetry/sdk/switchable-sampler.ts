import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { ParentBasedSampler, SamplingDecision, TraceIdRatioBasedSampler, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace';

/**
 * Parent-based ratio sampling (a conversation is kept or dropped whole) that
 * records nothing at all while tracing is switched off.
 */
export class SwitchableSampler implements Sampler {
  private inner: Sampler;

  constructor(
    private readonly isEnabled: () => boolean,
    ratio: number,
  ) {
    this.inner = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }

  /** A new ratio for conversations that start from now on. */
  setRatio(ratio: number): void {
    this.inner = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (!this.isEnabled()) return { decision: SamplingDecision.NOT_RECORD };
    return this.inner.shouldSample(context, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `SwitchableSampler{${this.inner.toString()}}`;
  }
}
