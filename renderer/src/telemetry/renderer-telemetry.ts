/**
 * The renderer's tracing: a TracerProvider whose spans go to main over the
 * bridge (never to the collector), where they join main's export pipeline.
 * Renderer spans only ever continue a trace that main started (the parent
 * arrives as `traceparent` in a message envelope), and nothing is recorded
 * while main says tracing is off (`tracing` reads what main said last, kept
 * in one place: the session's snapshot).
 */
import { ROOT_CONTEXT, trace, type Attributes, type AttributeValue, type Context, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SamplingDecision,
  TracerProvider,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { MAX_SPANS_PER_MESSAGE, type SerializedSpan, type TracingState } from '../../../shared/telemetry';
import { parseTraceparent } from '../../../shared/trace-context';
import { registerRendererContextManager } from './context-manager';

export type SpanSender = (spans: SerializedSpan[]) => boolean;

export class RendererTelemetry {
  readonly tracer: Tracer;
  private readonly provider: TracerProvider;

  constructor(
    send: SpanSender,
    /** Tracing as main runs it; null until main has said (nothing is recorded then). */
    private readonly tracing: () => TracingState | null,
  ) {
    const parentBased = new ParentBasedSampler({ root: new AlwaysOffSampler() });
    const sampler: Sampler = {
      shouldSample: (...args) => (this.enabled ? parentBased.shouldSample(...args) : { decision: SamplingDecision.NOT_RECORD }),
      toString: () => 'RendererSampler',
    };
    this.provider = new TracerProvider({
      sampler,
      spanProcessors: [
        new BatchSpanProcessor({ exporter: new BridgeSpanExporter(send), scheduledDelayMillis: 500, maxExportBatchSize: MAX_SPANS_PER_MESSAGE, maxQueueSize: 512 }),
      ],
    });
    this.tracer = this.provider.getTracer('voice-agent-stack/renderer');
    registerRendererContextManager();
  }

  get enabled(): boolean {
    return this.tracing()?.enabled ?? false;
  }

  /** The context of a span in main, from an envelope's traceparent. */
  contextFrom(traceparent: string | undefined): Context | null {
    const parent = parseTraceparent(traceparent);
    if (!parent) return null;
    return trace.setSpanContext(ROOT_CONTEXT, { ...parent, isRemote: true });
  }

  flush(): Promise<void> {
    return this.provider.forceFlush();
  }
}

class BridgeSpanExporter implements SpanExporter {
  constructor(private readonly send: SpanSender) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let ok = true;
    for (let i = 0; i < spans.length; i += MAX_SPANS_PER_MESSAGE) {
      ok = this.send(spans.slice(i, i + MAX_SPANS_PER_MESSAGE).map(serialize)) && ok;
    }
    resultCallback({ code: ok ? ExportResultCode.SUCCESS : ExportResultCode.FAILED });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export function serialize(span: ReadableSpan): SerializedSpan {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    ...(parent ? { parentSpanId: parent.spanId } : {}),
    traceFlags: context.traceFlags,
    name: span.name.slice(0, 128),
    kind: span.kind,
    startTime: [span.startTime[0], span.startTime[1]],
    endTime: [span.endTime[0], span.endTime[1]],
    attributes: primitives(span.attributes),
    events: span.events.slice(0, 32).map((event) => ({
      name: event.name.slice(0, 128),
      time: [event.time[0], event.time[1]],
      ...(event.attributes ? { attributes: primitives(event.attributes) } : {}),
    })),
    status: { code: span.status.code, ...(span.status.message ? { message: span.status.message.slice(0, 1_024) } : {}) },
  };
}

function primitives(attributes: Attributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  let count = 0;
  for (const [key, value] of Object.entries(attributes) as [string, AttributeValue | undefined][]) {
    if (count >= 64 || key.length > 128) continue;
    if (typeof value === 'string') out[key] = value.slice(0, 4_096);
    else if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
    else if (typeof value === 'boolean') out[key] = value;
    else continue;
    count++;
  }
  return out;
}
