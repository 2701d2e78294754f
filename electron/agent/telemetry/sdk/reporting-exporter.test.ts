import { describe, expect, it } from 'vitest';
import { describeExportError } from './reporting-exporter';

const httpError = (code: number, message: string) => Object.assign(new Error(message), { code });

describe('describeExportError', () => {
  it('names the path of the signal that failed with 404', () => {
    expect(describeExportError(httpError(404, 'Not Found'))).toBe('HTTP 404 Not Found (check the path: the endpoint is the collector base URL, /v1/traces is added)');
    const metrics = describeExportError(httpError(404, 'Not Found'), '/v1/metrics');
    expect(metrics).toContain('/v1/metrics is added');
    expect(metrics).toContain('OTEL_METRICS_EXPORTER=none');
  });

  it('says a refused connection may mean no collector, and a 413 a batch too large', () => {
    expect(describeExportError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' }))).toBe('connection refused (is the collector running?)');
    expect(describeExportError(httpError(413, 'Payload Too Large'))).toContain('too large');
  });
});
