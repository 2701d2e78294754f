import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AggregationTemporality, type InstrumentType, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../../util/logger';
import { ignoreFailure } from '../../util/ignore-failure';
import { describeExportError } from './reporting-exporter';

/**
 * Wraps a metrics exporter so that it can be switched at run time (a new
 * endpoint, headers or protocol from Settings), sends nothing while closed
 * (tracing off), and reports a failing collector once per episode, not once
 * per export. The reader fixes its exporter at construction: this is it.
 */
export class SwitchableMetricExporter implements PushMetricExporter {
  private failing = false;

  constructor(
    private inner: PushMetricExporter,
    private target: string,
    private readonly isOpen: () => boolean,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends future exports elsewhere. The same few lines as ReportingExporter's
   * `replace`, kept apart on purpose: the SDK's span and metric exporters are
   * different interfaces, and each wrapper reports failures its own way.
   */
  replace(inner: PushMetricExporter, target: string): void {
    const old = this.inner;
    this.inner = inner;
    this.target = target;
    this.failing = false;
    // The old exporter's last export failing is already reported by export(); nothing more to do.
    void ignoreFailure(old.shutdown());
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    // Closed: the points are dropped, as spans are while tracing is off.
    if (!this.isOpen()) return resultCallback({ code: ExportResultCode.SUCCESS });
    this.inner.export(metrics, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        if (this.failing) this.logger.info(`Metrics export to ${this.target} works again.`);
        this.failing = false;
      } else if (!this.failing) {
        this.failing = true;
        this.logger.warn(`Metrics export to ${this.target} failed: ${describeExportError(result.error, '/v1/metrics')}. The app keeps working; cumulative figures catch up when it answers.`);
      }
      resultCallback(result);
    });
  }

  /** Every OTLP exporter here shares OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, so the current one answers for all. */
  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.inner.selectAggregationTemporality?.(instrumentType) ?? AggregationTemporality.CUMULATIVE;
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
