/**
 * The floor under tracing's cost: what one turn's spans and metric points
 * cost when a bare SDK loop makes and exports them, with nothing of the app
 * around. One traced turn is recorded first (its spans, their attributes and
 * events, and every metric measurement), then replayed per turn into a bare
 * TracerProvider and MeterProvider exporting over OTLP/HTTP to the same
 * receiver.
 */
import type { Attributes, Meter } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, InMemorySpanExporter, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { silentLogger } from '../electron/agent/logger';
import { ConversationMetrics, VoiceMetrics } from '../electron/agent/telemetry/conversation-metrics';
import { Telemetry } from '../electron/agent/telemetry/telemetry';
import { readTelemetryConfig } from '../electron/agent/telemetry/telemetry-config';
import type { SessionTelemetry } from '../electron/agent/session/session';
import { BenchClient, benchConfig, stagesFor, voiceTurn, type FakeProviders } from './harness';

interface Measurement {
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
function recordingMeter(into: Measurement[]): Meter {
  const instrument = (kind: Measurement['kind'], name: string) => {
    const write = (value: number, attributes: Attributes = {}) => void into.push({ kind, name, value, attributes });
    return { record: write, add: write };
  };
  return {
    createHistogram: (name: string) => instrument('histogram', name),
    createCounter: (name: string) => instrument('counter', name),
  } as unknown as Meter;
}

/** One voice turn as the app traces it: its finished spans and its metric measurements. */
export async function recordTurn(providers: FakeProviders): Promise<TurnTemplate> {
  const spans = new InMemorySpanExporter();
  const telemetry = new Telemetry(readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_METRICS_EXPORTER: 'none' }, () => {}), silentLogger, {
    exporter: spans,
    consoleExporter: new InMemorySpanExporter(),
  });
  const measurements: Measurement[] = [];
  const metrics = new ConversationMetrics(new VoiceMetrics(recordingMeter(measurements)), () => true);
  // The app's telemetry, with its metrics observer writing measurements down.
  const recorded: SessionTelemetry = {
    tracer: telemetry.tracer,
    captureContent: false,
    get tracingState() {
      return telemetry.tracingState;
    },
    configure: (change) => telemetry.configure(change),
    onChange: (listener) => telemetry.onChange(listener),
    importSpans: (list) => telemetry.importSpans(list),
    createConversationMetrics: () => metrics.observe,
  };
  const client = new BenchClient(stagesFor(providers.url), benchConfig(providers.url), recorded);
  client.send({ type: 'conversation.start' });
  await voiceTurn(client); // warm-up: the first turn opens connections
  await telemetry.flush();
  spans.reset();
  measurements.length = 0;
  await voiceTurn(client);
  await telemetry.flush();
  const template = { spans: [...spans.getFinishedSpans()], measurements: [...measurements] };
  client.send({ type: 'conversation.end' });
  client.session.close();
  await telemetry.shutdown(2_000);
  return template;
}

export class BareSdk {
  private readonly tracerProvider: TracerProvider;
  private readonly meterProvider: MeterProvider;
  private readonly tracer;
  private readonly meter;

  constructor(providers: FakeProviders) {
    this.tracerProvider = new TracerProvider({
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${providers.base}/v1/traces` }), maxQueueSize: 2_048, maxExportBatchSize: 512 })],
    });
    this.meterProvider = new MeterProvider({
      readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${providers.base}/v1/metrics` }), exportIntervalMillis: 60_000 })],
    });
    this.tracer = this.tracerProvider.getTracer('floor');
    this.meter = this.meterProvider.getMeter('floor');
  }

  /** Makes one turn's spans (same names, kinds, attributes, events) and metric points (same attributes). */
  replay(template: TurnTemplate): void {
    for (const span of template.spans) {
      const made = this.tracer.startSpan(span.name, { kind: span.kind, attributes: span.attributes });
      for (const event of span.events) made.addEvent(event.name, event.attributes);
      made.end();
    }
    for (const m of template.measurements) {
      if (m.kind === 'histogram') this.meter.createHistogram(m.name).record(m.value, m.attributes);
      else this.meter.createCounter(m.name).add(m.value, m.attributes);
    }
  }

  async flush(): Promise<void> {
    await Promise.all([this.tracerProvider.forceFlush(), this.meterProvider.forceFlush()]);
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.tracerProvider.shutdown(), this.meterProvider.shutdown()]);
  }
}
