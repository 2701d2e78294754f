/**
 * The floor under tracing's cost: what one turn's spans and metric points
 * cost when a bare SDK loop makes and exports them, with nothing of the app
 * around. One traced turn is recorded first (its spans, their attributes and
 * events, and every metric measurement: see tracing-bench.ts), then replayed per turn into a bare
 * TracerProvider and MeterProvider exporting over OTLP/HTTP to the same
 * receiver, with the app's resource, the same parent/child tree under one
 * conversation span, the same start, end and event times, and the same
 * instruments (VoiceMetrics: names, units, bucket advice), made once.
 */
import { ROOT_CONTEXT, trace, type Attributes, type Context, type Counter, type Histogram, type Meter, type Span } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { VoiceMetrics } from '../electron/agent/telemetry/conversation/conversation-metrics';
import type { FakeProviders } from './harness';

export interface Measurement {
  kind: 'histogram' | 'counter';
  name: string;
  value: number;
  attributes: Attributes;
}

export interface TurnTemplate {
  spans: ReadableSpan[];
  measurements: Measurement[];
}

/** A meter that writes down each measurement instead of aggregating it. */
export function recordingMeter(into: Measurement[]): Meter {
  const instrument = (kind: Measurement['kind'], name: string) => {
    const write = (value: number, attributes: Attributes = {}) => void into.push({ kind, name, value, attributes });
    return { record: write, add: write };
  };
  return {
    createHistogram: (name: string) => instrument('histogram', name),
    createCounter: (name: string) => instrument('counter', name),
  } as unknown as Meter;
}

export class BareSdk {
  private readonly tracerProvider: TracerProvider;
  private readonly meterProvider: MeterProvider;
  private readonly tracer;
  private readonly conversation: Span;
  private readonly conversationContext: Context;
  private readonly instruments = new Map<string, Histogram | Counter>();

  constructor(providers: FakeProviders, template: TurnTemplate) {
    const resource = template.spans[0]?.resource;
    this.tracerProvider = new TracerProvider({
      ...(resource ? { resource } : {}),
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${providers.base}/v1/traces` }), maxQueueSize: 2_048, maxExportBatchSize: 512 })],
    });
    this.meterProvider = new MeterProvider({
      ...(resource ? { resource } : {}),
      readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${providers.base}/v1/metrics` }), exportIntervalMillis: 60_000 })],
    });
    this.tracer = this.tracerProvider.getTracer('floor');
    // The app's instruments (same names, units and bucket advice), made once as the app makes them.
    const meter = this.meterProvider.getMeter('floor');
    const keep = <T extends Histogram | Counter>(name: string, instrument: T): T => (this.instruments.set(name, instrument), instrument);
    new VoiceMetrics({
      createHistogram: (name: string, options?: object) => keep(name, meter.createHistogram(name, options)),
      createCounter: (name: string, options?: object) => keep(name, meter.createCounter(name, options)),
    } as unknown as Meter);
    // The turns' parent, as the app's conversation span is.
    this.conversation = this.tracer.startSpan('conversation', { root: true });
    this.conversationContext = trace.setSpan(ROOT_CONTEXT, this.conversation);
  }

  /** Makes one turn's spans (same names, kinds, tree, times, attributes, events) and metric points (same attributes). */
  replay(template: TurnTemplate): void {
    const shift = Date.now() - hrTimeToMilliseconds(template.spans[0]?.endTime ?? [0, 0]);
    const at = (time: [number, number]) => hrTimeToMilliseconds(time) + shift;
    const made = new Map<string, Span>();
    // Opened in start order under their parents, ended in the order the app ended them.
    const byStart = [...template.spans].sort((a, b) => hrTimeToMilliseconds(a.startTime) - hrTimeToMilliseconds(b.startTime));
    for (const span of byStart) {
      const parent = span.parentSpanContext && made.get(span.parentSpanContext.spanId);
      const context = parent ? trace.setSpan(ROOT_CONTEXT, parent) : this.conversationContext;
      const started = this.tracer.startSpan(span.name, { kind: span.kind, startTime: at(span.startTime), attributes: span.attributes }, context);
      for (const event of span.events) started.addEvent(event.name, event.attributes, at(event.time));
      made.set(span.spanContext().spanId, started);
    }
    for (const span of template.spans) made.get(span.spanContext().spanId)!.end(at(span.endTime));
    for (const m of template.measurements) {
      const instrument = this.instruments.get(m.name)!;
      if ('record' in instrument) instrument.record(m.value, m.attributes);
      else instrument.add(m.value, m.attributes);
    }
  }

  async flush(): Promise<void> {
    await Promise.all([this.tracerProvider.forceFlush(), this.meterProvider.forceFlush()]);
  }

  async shutdown(): Promise<void> {
    this.conversation.end();
    await Promise.all([this.tracerProvider.shutdown(), this.meterProvider.shutdown()]);
  }
}
