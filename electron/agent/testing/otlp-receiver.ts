/**
 * An OTLP/HTTP receiver for tests, traces, metrics and logs, JSON and protobuf:
 * decodes what the real exporters send, records the request headers and
 * encoding, and can be told to fail (status codes, slowness) like a troubled
 * collector.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeLogs, decodeMetrics, decodeTraces, encodingOf, type Encoding, type ReceivedLog, type ReceivedMetric, type ReceivedSpan } from './otlp-decode';

export type { AttributeMap, Encoding, ReceivedLog, ReceivedMetric, ReceivedPoint, ReceivedSpan } from './otlp-decode';

export interface ReceiverFault {
  status?: number;
  delayMs?: number;
}

export interface ReceivedRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Spans, metrics or log records in it. */
  spanCount: number;
  status: number;
  encoding: Encoding | null;
}

export interface OtlpReceiverState {
  spans: ReceivedSpan[];
  /** Trace export requests. */
  requests: ReceivedRequest[];
  metrics: ReceivedMetric[];
  metricRequests: ReceivedRequest[];
  logs: ReceivedLog[];
  logRequests: ReceivedRequest[];
  /** Applies to every signal. */
  fault: ReceiverFault | null;
}

export function createOtlpReceiverState(): OtlpReceiverState {
  return { spans: [], requests: [], metrics: [], metricRequests: [], logs: [], logRequests: [], fault: null };
}

/** Forgets everything received and any fault, in place (tests between cases). */
export function resetOtlpReceiverState(state: OtlpReceiverState): void {
  state.spans.length = 0;
  state.requests.length = 0;
  state.metrics.length = 0;
  state.metricRequests.length = 0;
  state.logs.length = 0;
  state.logRequests.length = 0;
  state.fault = null;
}

/** Handles POST /v1/traces, /v1/metrics and /v1/logs for `state`; returns false for other requests. */
export function handleOtlpRequest(state: OtlpReceiverState, req: IncomingMessage, res: ServerResponse, body: Buffer): boolean {
  const path = (req.url ?? '').split('?')[0];
  if ((path !== '/v1/traces' && path !== '/v1/metrics' && path !== '/v1/logs') || req.method !== 'POST') return false;
  const traces = path === '/v1/traces';
  const logs = path === '/v1/logs';
  const requests = traces ? state.requests : logs ? state.logRequests : state.metricRequests;
  const fault = state.fault;
  const encoding = encodingOf(req.headers['content-type']);
  const respond = () => {
    if (res.destroyed) return;
    if (fault?.status && fault.status !== 200) {
      requests.push({ headers: req.headers, spanCount: 0, status: fault.status, encoding });
      res.writeHead(fault.status, { 'content-type': 'application/json' }).end('{"message":"injected failure"}');
      return;
    }
    if (!encoding) {
      res.writeHead(415).end();
      return;
    }
    let count: number;
    try {
      if (traces) {
        const spans = decodeTraces(body, encoding);
        state.spans.push(...spans);
        count = spans.length;
      } else if (logs) {
        const records = decodeLogs(body, encoding);
        state.logs.push(...records);
        count = records.length;
      } else {
        const metrics = decodeMetrics(body, encoding);
        state.metrics.push(...metrics);
        count = metrics.length;
      }
    } catch (error) {
      // A body that does not decode is the exporter's bug: answer as a collector would, and let the test see it.
      requests.push({ headers: req.headers, spanCount: 0, status: 400, encoding });
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      return;
    }
    requests.push({ headers: req.headers, spanCount: count, status: 200, encoding });
    // An empty response body is a valid full success in both encodings.
    res.writeHead(200, { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf' }).end(encoding === 'json' ? '{}' : '');
  };
  if (fault?.delayMs) setTimeout(respond, fault.delayMs);
  else respond();
  return true;
}

export interface OtlpReceiver {
  readonly url: string; // base endpoint (without /v1/traces, /v1/metrics or /v1/logs)
  readonly state: OtlpReceiverState;
  /** Forgets what was received, and any fault. */
  reset(): void;
  close(): Promise<void>;
}

export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const state = createOtlpReceiverState();
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      if (!handleOtlpRequest(state, req, res, Buffer.concat(parts))) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    reset: () => resetOtlpReceiverState(state),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
