/**
 * The main process's tracing: one TracerProvider for the whole app. Renderer
 * spans arrive over the bridge and join the same export pipeline, so one
 * configuration governs both processes and the renderer never talks to the
 * collector. OTLP/HTTP export (batched, bounded queue; JSON or protobuf) and
 * console export are gated processors, switched at run time. Metrics and the
 * app's log records (AppLogs) follow the same switch.
 */
import { randomUUID } from 'node:crypto';
import { arch, hostname, type } from 'node:os';
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { SerializedSpan, TracingState } from '../../../../shared/telemetry';
import type { TraceResources } from '../../../../shared/trace-viewer';
import type { ConversationEventSink } from '../../pipeline/turn-events';
import { tracingObserver, type TracingObserver } from '../conversation/tracing-observer';
import type { Logger } from '../../util/logger';
import { ignoreFailure } from '../../util/ignore-failure';
import { GatedSpanProcessor } from './gated-span-processor';
import { HttpClientSpans } from './http-client-spans';
import { importSpan, rendererResource } from '../viewer/imported-span';
import { SpanStore, type SpanStoreLimits } from '../viewer/span-store';
import { displayUrl } from '../../util/network-errors';
import { ConversationMetrics, VoiceMetrics } from '../conversation/conversation-metrics';
import { AppMetrics, type MetricsOptions } from './metrics';
import { AppLogs, type LogsOptions } from './app-logs';
import { ViewerLogProcessor } from '../viewer/viewer-log';
import type { LogSink } from '../../util/logger';
import { ReportingExporter } from './reporting-exporter';
import { SwitchableSampler } from './switchable-sampler';
import { registerContextManager } from './context-manager';
import type { TelemetryConfig } from './telemetry-config';

export const TRACER_NAME = 'voice-agent-stack';

/** The span store as the trace viewer reads it, with the resources both processes' spans carry. */
export interface TraceStoreView {
  readonly resources: TraceResources;
  list(): ReturnType<SpanStore['list']>;
  page(key: string, from: number): ReturnType<SpanStore['page']>;
  onChange(listener: () => void): () => void;
}

export interface TelemetryOptions {
  /** Replaces the OTLP exporter (tests). */
  exporter?: SpanExporter;
  /** Replaces the console exporter (tests). */
  consoleExporter?: SpanExporter;
  /** Batch settings; the defaults suit a desktop app. */
  batch?: { scheduledDelayMillis?: number; maxQueueSize?: number; exportTimeoutMillis?: number };
  /** Time one OTLP export may take, retries included. */
  otlpTimeoutMillis?: number;
  serviceVersion?: string;
  runtime?: { name: string; version: string };
  /** Metrics exporters (tests). */
  metrics?: MetricsOptions;
  /** Bounds of the trace viewer's span store (tests, the bench). */
  storeLimits?: SpanStoreLimits;
  /** Log exporters and batching (tests). */
  logs?: Omit<LogsOptions, 'viewer'>;
}

export class Telemetry {
  readonly tracer: Tracer;
  readonly resource: Resource;
  /** The resource renderer spans are exported with: the app's, as the renderer process. */
  readonly rendererResource: Resource;
  /** The finished spans of recent conversations, for the built-in viewer (fed while tracing is on). */
  readonly traceStore: SpanStore;
  /** The span store as sessions read it, with the resources both processes' spans carry. */
  readonly traces: TraceStoreView;
  private readonly provider: TracerProvider;
  private readonly processors: SpanProcessor[];
  private state: TracingState;
  private readonly listeners = new Set<(state: TracingState) => void>();
  private shutdownPromise: Promise<void> | null = null;
  private readonly otlp: ReportingExporter;
  private readonly sampler: SwitchableSampler;
  private exportTarget: string;
  private readonly ownExporter: boolean;
  private readonly otlpTimeoutMillis: number;
  private traceEachTurnValue: boolean;
  /** Unsampled metrics, on with tracing. */
  readonly metrics: AppMetrics;
  /** The app's log records, on with tracing. */
  readonly logs: AppLogs;
  private readonly voiceMetrics: VoiceMetrics;
  private readonly httpSpans: HttpClientSpans;

  constructor(
    readonly config: TelemetryConfig,
    private readonly logger: Logger,
    options: TelemetryOptions = {},
  ) {
    this.state = { enabled: config.enabled, consoleExport: config.consoleExport, captureContent: config.captureContent };
    this.resource = resourceFromAttributes({
      'service.name': config.serviceName,
      'service.version': options.serviceVersion ?? '0.0.0',
      'service.instance.id': randomUUID(),
      'process.pid': process.pid,
      'process.runtime.name': options.runtime?.name ?? 'nodejs',
      'process.runtime.version': options.runtime?.version ?? process.versions.node,
      'host.name': hostname(),
      'host.arch': arch(),
      'os.type': type().toLowerCase(),
    });
    this.rendererResource = rendererResource(this.resource);
    this.traceStore = new SpanStore(options.storeLimits);
    const store = this.traceStore;
    this.traces = {
      resources: { main: primitiveAttributes(this.resource), renderer: primitiveAttributes(this.rendererResource) },
      list: () => store.list(),
      page: (key, from) => store.page(key, from),
      onChange: (listener) => store.onChange(listener),
    };
    this.ownExporter = !options.exporter;
    this.otlpTimeoutMillis = options.otlpTimeoutMillis ?? 10_000;
    this.exportTarget = exportTarget(config);
    this.traceEachTurnValue = config.traceEachTurn;
    const otlp = new ReportingExporter(options.exporter ?? this.createExporter(config), displayUrl(config.tracesUrl), logger);
    this.otlp = otlp;
    this.sampler = new SwitchableSampler(() => this.state.enabled, config.samplingRatio);
    this.processors = [
      new GatedSpanProcessor(
        new BatchSpanProcessor({
          exporter: otlp,
          maxQueueSize: options.batch?.maxQueueSize ?? 2_048,
          maxExportBatchSize: 512,
          scheduledDelayMillis: options.batch?.scheduledDelayMillis ?? config.exportDelayMs,
          exportTimeoutMillis: options.batch?.exportTimeoutMillis ?? 10_000,
        }),
        () => this.state.enabled,
      ),
      new GatedSpanProcessor(
        new SimpleSpanProcessor({ exporter: options.consoleExporter ?? new ConsoleSpanExporter() }),
        () => this.state.enabled && this.state.consoleExport,
      ),
      new GatedSpanProcessor(this.traceStore, () => this.state.enabled),
    ];
    registerContextManager();
    this.provider = new TracerProvider({
      resource: this.resource,
      sampler: this.sampler,
      spanProcessors: this.processors,
      spanLimits: { attributeValueLengthLimit: 8_192, attributeCountLimit: 128, eventCountLimit: 128 },
    });
    this.tracer = this.provider.getTracer(TRACER_NAME, options.serviceVersion);
    this.metrics = new AppMetrics(config, this.resource, () => this.state.enabled, logger, { otlpTimeoutMillis: this.otlpTimeoutMillis, ...options.metrics });
    this.voiceMetrics = new VoiceMetrics(this.metrics.meter);
    this.logs = new AppLogs(config, this.resource, () => this.state.enabled, logger, {
      otlpTimeoutMillis: this.otlpTimeoutMillis,
      ...options.logs,
      viewer: new ViewerLogProcessor(this.traceStore),
    });
    this.httpSpans = new HttpClientSpans(this.provider, config.httpSpans);
  }

  /** The observer of one conversation (one per assistant): its spans and its metrics. */
  conversationObserver(): TracingObserver {
    return tracingObserver(this.tracer, { captureContent: () => this.captureContent, traceEachTurn: () => this.traceEachTurn }, this.createConversationMetrics(), this);
  }

  /** An observer of one conversation source's events that records its metrics, whatever the sampler keeps. */
  createConversationMetrics(): ConversationEventSink {
    return new ConversationMetrics(this.voiceMetrics, () => this.metrics.recording).observe;
  }

  /** Attach to the app's logger: its entries become log records while tracing is on. */
  get logSink(): LogSink {
    return this.logs.sink;
  }

  get tracingState(): TracingState {
    return { ...this.state };
  }

  get captureContent(): boolean {
    return this.state.captureContent;
  }

  /** Whether each turn is the root of its own trace; read when a turn starts. */
  get traceEachTurn(): boolean {
    return this.traceEachTurnValue;
  }

  /** Switches tracing or console export; takes effect for the next span. */
  configure(change: { enabled?: boolean; consoleExport?: boolean }): void {
    const next = { ...this.state, ...definedOnly(change) };
    if (next.enabled === this.state.enabled && next.consoleExport === this.state.consoleExport) return;
    this.state = next;
    this.logger.info(`Tracing ${next.enabled ? 'on' : 'off'}, console export ${next.consoleExport ? 'on' : 'off'}.`);
    // Export failures are reported by the exporters themselves; the flushes only hurry them.
    // Metrics are drained, not flushed: their exporter is already closed with tracing off.
    if (!next.enabled) {
      this.traceStore.clear();
      void ignoreFailure(this.provider.forceFlush());
      void this.logs.flush();
      void this.metrics.drain();
    }
    for (const listener of this.listeners) listener({ ...next });
  }

  /**
   * Applies saved settings live: switches, content capture and sampling for the
   * next span, a new endpoint, headers or protocol for the next export. The service name
   * is part of the resource, fixed for the process: it applies after a restart.
   */
  applyConfig(config: TelemetryConfig): void {
    this.sampler.setRatio(config.samplingRatio);
    this.traceEachTurnValue = config.traceEachTurn;
    this.metrics.applyConfig(config);
    this.logs.applyConfig(config);
    this.httpSpans.set(config.httpSpans);
    const target = exportTarget(config);
    if (this.ownExporter && target !== this.exportTarget) {
      this.exportTarget = target;
      this.otlp.replace(this.createExporter(config), displayUrl(config.tracesUrl));
      this.logger.info(`Trace export now goes to ${displayUrl(config.tracesUrl)} (${config.protocol}).`);
    }
    if (config.captureContent !== this.state.captureContent) {
      this.state = { ...this.state, captureContent: config.captureContent };
      if (config.enabled === this.state.enabled && config.consoleExport === this.state.consoleExport)
        for (const listener of this.listeners) listener({ ...this.state });
    }
    this.configure({ enabled: config.enabled, consoleExport: config.consoleExport });
  }

  private createExporter(config: TelemetryConfig): SpanExporter {
    const options = { url: config.tracesUrl, headers: { ...config.headers }, timeoutMillis: this.otlpTimeoutMillis };
    return config.protocol === 'http/protobuf' ? new ProtobufTraceExporter(options) : new JsonTraceExporter(options);
  }

  onChange(listener: (state: TracingState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Renderer spans: exported with main's own, while tracing is on. */
  importSpans(spans: readonly SerializedSpan[]): void {
    if (!this.state.enabled) return;
    for (const span of spans) {
      if ((span.traceFlags & 1) === 0) continue; // the trace was not sampled
      const readable = importSpan(span, this.rendererResource);
      for (const processor of this.processors) processor.onEnd(readable);
    }
  }

  /** Exports what is pending now, spans, metrics and log records (failures are reported by the exporters, not thrown). */
  async flush(): Promise<void> {
    await Promise.all([ignoreFailure(this.provider.forceFlush()), this.metrics.flush(), this.logs.flush()]);
  }

  /** Exports what is pending, within `timeoutMs`; used on quit. */
  shutdown(timeoutMs = 3_000): Promise<void> {
    this.httpSpans.set(false);
    this.shutdownPromise ??= Promise.race([
      Promise.all([this.provider.shutdown(), this.metrics.shutdown(), this.logs.shutdown()]).then(
        () => undefined,
        (error: unknown) => this.logger.warn('tracing shutdown failed', { error: String(error) }),
      ),
      new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
    ]);
    return this.shutdownPromise;
  }
}

/** What decides where and how spans are sent: a change means a new exporter. */
function exportTarget(config: TelemetryConfig): string {
  return JSON.stringify([config.tracesUrl, config.headers, config.protocol]);
}

function primitiveAttributes(resource: Resource): TraceResources['main'] {
  const out: TraceResources['main'] = {};
  for (const [key, value] of Object.entries(resource.attributes))
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  return out;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
