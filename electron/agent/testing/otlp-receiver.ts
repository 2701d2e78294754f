/**
 * An OTLP/HTTP (JSON) trace receiver for tests: decodes what the real
 * exporter sends, records the request headers, and can be told to fail
 * (status codes, slowness) like a troubled collector.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type AttributeMap = Record<string, string | number | boolean | null>;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: AttributeMap;
  events: { name: string; attributes: AttributeMap }[];
  status: { code?: number; message?: string };
  resource: AttributeMap;
  scope: string;
}

export interface ReceiverFault {
  status?: number;
  delayMs?: number;
}

export interface OtlpReceiverState {
  spans: ReceivedSpan[];
  requests: { headers: Record<string, string | string[] | undefined>; spanCount: number; status: number }[];
  fault: ReceiverFault | null;
}

export function createOtlpReceiverState(): OtlpReceiverState {
  return { spans: [], requests: [], fault: null };
}

/** Handles POST /v1/traces for `state`; returns false for other requests. */
export function handleOtlpRequest(state: OtlpReceiverState, req: IncomingMessage, res: ServerResponse, body: Buffer): boolean {
  if ((req.url ?? '').split('?')[0] !== '/v1/traces' || req.method !== 'POST') return false;
  const fault = state.fault;
  const respond = () => {
    if (res.destroyed) return;
    if (fault?.status && fault.status !== 200) {
      state.requests.push({ headers: req.headers, spanCount: 0, status: fault.status });
      res.writeHead(fault.status, { 'content-type': 'application/json' }).end('{"message":"injected failure"}');
      return;
    }
    if (!String(req.headers['content-type']).startsWith('application/json')) {
      res.writeHead(415).end();
      return;
    }
    const spans = decode(JSON.parse(body.toString('utf8') || '{}'));
    state.spans.push(...spans);
    state.requests.push({ headers: req.headers, spanCount: spans.length, status: 200 });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  };
  if (fault?.delayMs) setTimeout(respond, fault.delayMs);
  else respond();
  return true;
}

export interface OtlpReceiver {
  readonly url: string; // base endpoint (without /v1/traces)
  readonly state: OtlpReceiverState;
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}

function attributes(list: OtlpKeyValue[] | undefined): AttributeMap {
  const out: AttributeMap = {};
  for (const { key, value } of list ?? []) {
    out[key] =
      value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue ?? null;
  }
  return out;
}

function decode(payload: {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        attributes?: OtlpKeyValue[];
        events?: { name: string; attributes?: OtlpKeyValue[] }[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
}): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const resourceSpans of payload.resourceSpans ?? []) {
    const resource = attributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        out.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          name: span.name,
          kind: span.kind,
          startTimeUnixNano: String(span.startTimeUnixNano),
          endTimeUnixNano: String(span.endTimeUnixNano),
          attributes: attributes(span.attributes),
          events: (span.events ?? []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
          status: span.status ?? {},
          resource,
          scope: scopeSpans.scope?.name ?? '',
        });
      }
    }
  }
  return out;
}
