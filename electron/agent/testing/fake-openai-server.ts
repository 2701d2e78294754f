/**
 * An OpenAI-compatible HTTP server for tests and benchmarks, speaking the real
 * wire formats (multipart transcription upload, SSE chat stream, streamed PCM
 * speech) with controllable latency and faults. The real `openai` client
 * talks to it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOtlpReceiverState, handleOtlpRequest, resetOtlpReceiverState, type OtlpReceiverState, type ReceiverFault } from './otlp-receiver';

export type Endpoint = 'transcriptions' | 'chat' | 'speech';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'hang' } // never answers
  | { kind: 'cut' } // starts, then drops the connection mid-stream
  | { kind: 'stall' } // starts, then stops sending without ending
  | { kind: 'malformed' } // a body that is not what the client expects
  | { kind: 'empty' }; // a valid but empty result

export interface FakeBehaviour {
  /** Transcripts returned in turn (the last one repeats); default describes the audio. */
  transcripts: string[];
  /** Fixed assistant reply; default echoes the last user message. */
  reply: string | null;
  /** Latencies in ms. */
  sttDelayMs: number;
  llmFirstTokenMs: number;
  llmTokenIntervalMs: number;
  ttsFirstByteMs: number;
  /** Speech length per character of input, and how fast it is sent (1 = real time, 0 = at once). */
  ttsMsPerChar: number;
  ttsRealtimeFactor: number;
  /** Faults, consumed one per request, per endpoint. */
  faults: Partial<Record<Endpoint, Fault[]>>;
  /**
   * Tool calls to answer with: one step per chat request that offers tools,
   * in order. A step's calls are streamed one after another, each one's
   * arguments split across several chunks, as OpenAI does.
   */
  toolSteps: { name: string; arguments: string }[][];
  /** Refuse every request that offers tools with a 400 and this message (a model without tool support). */
  rejectTools: string | null;
}

export interface RecordedRequest {
  endpoint: Endpoint;
  authorization: string | undefined;
  body: Record<string, unknown>;
  audioBytes?: number;
  /** The audio file a transcription request carried. */
  audio?: Uint8Array;
  startedAt: number;
  endedAt: number | null;
  /** The client went away before the response was complete. */
  aborted: boolean;
}

export const TTS_SAMPLE_RATE = 24_000;

export function defaultBehaviour(): FakeBehaviour {
  return {
    transcripts: [],
    reply: null,
    sttDelayMs: 0,
    llmFirstTokenMs: 0,
    llmTokenIntervalMs: 0,
    ttsFirstByteMs: 0,
    ttsMsPerChar: 20,
    ttsRealtimeFactor: 0,
    faults: {},
    toolSteps: [],
    rejectTools: null,
  };
}

export interface FakeOpenAIServer {
  readonly url: string; // base URL including /v1
  readonly behaviour: FakeBehaviour;
  readonly requests: RecordedRequest[];
  /** Requests whose response has not finished or been abandoned yet. */
  readonly openRequests: number;
  /** What arrives on /v1/traces and /v1/metrics: the server doubles as an OTLP/HTTP collector. */
  readonly traces: OtlpReceiverState;
  configure(patch: Partial<FakeBehaviour>): void;
  fail(endpoint: Endpoint, ...faults: Fault[]): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeOpenAIServer(port = 0, host = '127.0.0.1'): Promise<FakeOpenAIServer> {
  let behaviour = defaultBehaviour();
  const requests: RecordedRequest[] = [];
  let transcriptIndex = 0;
  let open = 0;
  /** Ids of the tool calls this server asked for: results must come back under these. */
  const issuedCalls = new Set<string>();
  const traces = createOtlpReceiverState();

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { message: String(error), type: 'server_error' } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/__control' && req.method === 'POST') {
      const patch = JSON.parse((await readBody(req)).toString() || '{}') as Partial<FakeBehaviour> & { reset?: boolean };
      if (patch.reset) reset();
      delete patch.reset;
      configure(patch);
      return json(res, 200, { ok: true });
    }
    if (path === '/__requests') return json(res, 200, { requests, openRequests: open });
    if (path === '/__traces') {
      if (req.method === 'DELETE') resetOtlpReceiverState(traces);
      else if (req.method === 'POST') {
        traces.fault = JSON.parse((await readBody(req)).toString() || 'null') as ReceiverFault | null;
      }
      return json(res, 200, traces);
    }
    // The app sends metrics and logs wherever it sends traces: take all three, as a collector does.
    if (path === '/v1/traces' || path === '/v1/metrics' || path === '/v1/logs') {
      if (!handleOtlpRequest(traces, req, res, await readBody(req))) json(res, 405, {});
      return;
    }
    const endpoint: Endpoint | null =
      path === '/v1/audio/transcriptions' ? 'transcriptions' : path === '/v1/chat/completions' ? 'chat' : path === '/v1/audio/speech' ? 'speech' : null;
    if (!endpoint || req.method !== 'POST') return json(res, 404, { error: { message: `No route ${req.method} ${path}`, type: 'invalid_request_error' } });

    const record: RecordedRequest = {
      endpoint,
      authorization: req.headers.authorization,
      body: {},
      startedAt: Date.now(),
      endedAt: null,
      aborted: false,
    };
    requests.push(record);
    open++;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      open--;
      record.endedAt = Date.now();
    };
    res.on('finish', done);
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
      done();
    });

    const raw = await readBody(req);
    const fault = behaviour.faults[endpoint]?.shift();
    if (endpoint === 'transcriptions') {
      const form = await new Request('http://fake/', { method: 'POST', headers: req.headers as Record<string, string>, body: raw }).formData();
      const file = form.get('file');
      record.body = { model: form.get('model') };
      record.audioBytes = file instanceof Blob ? file.size : 0;
      if (file instanceof Blob) record.audio = new Uint8Array(await file.arrayBuffer());
    } else {
      record.body = JSON.parse(raw.toString() || '{}') as Record<string, unknown>;
    }

    if (fault?.kind === 'status') {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      return json(res, fault.status, fault.body ?? { error: { message: `Injected ${fault.status}`, type: 'injected', code: null } }, headers);
    }
    if (fault?.kind === 'hang') return; // the client's deadline must end it

    if (endpoint === 'transcriptions') {
      await sleep(behaviour.sttDelayMs);
      if (fault?.kind === 'cut') return void res.destroy();
      if (fault?.kind === 'malformed') return raw.length ? void res.writeHead(200, { 'content-type': 'application/json' }).end('{"text": ') : undefined;
      const text = fault?.kind === 'empty' ? '' : nextTranscript(record.audioBytes ?? 0);
      return json(res, 200, { text });
    }

    if (endpoint === 'chat') {
      const messages = (record.body.messages as WireMessage[] | undefined) ?? [];
      const offersTools = Array.isArray(record.body.tools) && record.body.tools.length > 0;
      if (offersTools && behaviour.rejectTools) return json(res, 400, { error: { message: behaviour.rejectTools, type: 'invalid_request_error', code: null } });
      const callProblem = toolCallProblem(messages, issuedCalls);
      if (callProblem) return json(res, 400, { error: { message: callProblem, type: 'invalid_request_error', code: null } });
      const step = offersTools ? behaviour.toolSteps.shift() : undefined;
      if (step && record.body.stream) {
        await sleep(behaviour.llmFirstTokenMs);
        if (res.destroyed) return;
        return streamToolCalls(res, `chatcmpl-${requests.length}`, step, requests.length, issuedCalls);
      }
      const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      const last = messages.at(-1);
      const toolResults = last?.role === 'tool' ? messages.slice(messages.findLastIndex((m) => m.role !== 'tool') + 1).map((m) => m.content ?? '') : [];
      const reply =
        behaviour.reply ?? (toolResults.length ? `The tools said: ${toolResults.join('; ')}.` : `You said: ${lastUser} That is all I have to say, Dr. Smith.`);
      const words = reply.match(/\S+\s*/g) ?? [];
      await sleep(behaviour.llmFirstTokenMs);
      if (res.destroyed) return;
      if (!record.body.stream) {
        return json(res, 200, completion(reply, messages.map((m) => ({ content: m.content ?? '' }))));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const id = `chatcmpl-${requests.length}`;
      const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
      send(chunk(id, { role: 'assistant', content: '' }));
      for (let i = 0; i < words.length; i++) {
        if (res.destroyed) return;
        if (fault?.kind === 'cut' && i === Math.floor(words.length / 2)) return cutAfterFlush(res);
        if (fault?.kind === 'stall' && i === Math.floor(words.length / 2)) return;
        if (fault?.kind === 'malformed' && i === 1) {
          res.write('data: {"choices": [ nonsense\n\n');
          return void res.end();
        }
        send(chunk(id, { content: words[i] }));
        if (behaviour.llmTokenIntervalMs) await sleep(behaviour.llmTokenIntervalMs);
      }
      send({ ...chunk(id, {}, 'stop') });
      const promptChars = messages.reduce((n, m) => n + (m.content ?? '').length, 0);
      send({
        id,
        object: 'chat.completion.chunk',
        created: 0,
        model: String(record.body.model),
        choices: [],
        usage: {
          prompt_tokens: Math.ceil(promptChars / 4),
          completion_tokens: words.length,
          total_tokens: Math.ceil(promptChars / 4) + words.length,
          // As OpenAI reports them: nothing cached, no reasoning (not a reasoning model).
          prompt_tokens_details: { cached_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      });
      res.write('data: [DONE]\n\n');
      return void res.end();
    }

    // speech: streamed PCM16 24 kHz
    const input = String(record.body.input ?? '');
    await sleep(behaviour.ttsFirstByteMs);
    if (res.destroyed) return;
    if (fault?.kind === 'empty') return void res.writeHead(200, { 'content-type': 'audio/pcm' }).end();
    const pcm = speechLike(Math.max(100, input.length * behaviour.ttsMsPerChar));
    res.writeHead(200, { 'content-type': 'audio/pcm', 'transfer-encoding': 'chunked' });
    const chunkSamples = TTS_SAMPLE_RATE / 20; // 50 ms
    for (let offset = 0, n = 0; offset < pcm.length; offset += chunkSamples, n++) {
      if (res.destroyed) return;
      if (fault?.kind === 'cut' && offset >= pcm.length / 2) return cutAfterFlush(res);
      if (fault?.kind === 'stall' && offset >= pcm.length / 2) return;
      const part = pcm.subarray(offset, offset + chunkSamples);
      // Odd split on purpose: sample bytes straddle network chunks.
      const bytes = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
      res.write(n % 2 ? bytes : Buffer.concat([bytes.subarray(0, 1), Buffer.alloc(0)]));
      if (n % 2 === 0) res.write(bytes.subarray(1));
      if (behaviour.ttsRealtimeFactor > 0) await sleep((50 / behaviour.ttsRealtimeFactor) | 0);
    }
    res.end();
  }

  function nextTranscript(audioBytes: number): string {
    if (behaviour.transcripts.length === 0) return `I said something for ${(audioBytes / 32_000).toFixed(1)} seconds.`;
    const text = behaviour.transcripts[Math.min(transcriptIndex, behaviour.transcripts.length - 1)]!;
    transcriptIndex++;
    return text;
  }

  function configure(patch: Partial<FakeBehaviour>): void {
    if (patch.transcripts) transcriptIndex = 0;
    behaviour = { ...behaviour, ...patch, faults: { ...behaviour.faults, ...(patch.faults ?? {}) } };
    // Steps are consumed: the caller's list stays as it was.
    if (patch.toolSteps) behaviour.toolSteps = patch.toolSteps.map((step) => [...step]);
  }

  function reset(): void {
    behaviour = defaultBehaviour();
    issuedCalls.clear();
    transcriptIndex = 0;
    requests.length = 0;
  }

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/v1`,
    get behaviour() {
      return behaviour;
    },
    requests,
    traces,
    get openRequests() {
      return open;
    },
    configure,
    fail(endpoint, ...faults) {
      behaviour.faults[endpoint] = [...(behaviour.faults[endpoint] ?? []), ...faults];
    },
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type WireMessage = { role: string; content: string | null; tool_calls?: { id: string }[]; tool_call_id?: string };

/**
 * What OpenAI would refuse in the messages' tool calls: a result under an id
 * no call had, or a call whose result is missing.
 */
function toolCallProblem(messages: readonly WireMessage[], issued: ReadonlySet<string>): string | null {
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.role === 'tool' && !issued.has(message.tool_call_id ?? ''))
      return `Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls' (unknown tool_call_id "${message.tool_call_id}").`;
    if (message.role !== 'assistant' || !message.tool_calls?.length) continue;
    const answered = new Set(messages.slice(i + 1).filter((m) => m.role === 'tool').map((m) => m.tool_call_id));
    const missing = message.tool_calls.find((call) => !answered.has(call.id));
    if (missing) return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. Missing: ${missing.id}.`;
  }
  return null;
}

/** A step of tool calls as OpenAI streams it: id and name first, then the arguments in pieces, one call after another. */
function streamToolCalls(res: ServerResponse, id: string, step: readonly { name: string; arguments: string }[], request: number, issued: Set<string>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
  send(chunk(id, { role: 'assistant', content: null }));
  step.forEach((call, index) => {
    const callId = `call_${request}_${index}`;
    issued.add(callId);
    send(chunk(id, { tool_calls: [{ index, id: callId, type: 'function', function: { name: call.name, arguments: '' } }] }));
    const third = Math.ceil(call.arguments.length / 3);
    for (let at = 0; at < call.arguments.length; at += third) send(chunk(id, { tool_calls: [{ index, function: { arguments: call.arguments.slice(at, at + third) } }] }));
  });
  send(chunk(id, {}, 'tool_calls'));
  res.write('data: [DONE]\n\n');
  res.end();
}

function chunk(id: string, delta: Record<string, unknown>, finish: string | null = null) {
  return { id, object: 'chat.completion.chunk', created: 0, model: 'fake', choices: [{ index: 0, delta, finish_reason: finish }] };
}

function completion(reply: string, messages: { content: string }[]) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 0,
    model: 'fake',
    choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
    usage: { prompt_tokens: messages.length, completion_tokens: reply.length, total_tokens: messages.length + reply.length },
  };
}

/** A voiced, syllable-modulated tone: audible, and clearly not silence. */
function speechLike(ms: number): Int16Array {
  const n = Math.round((ms / 1000) * TTS_SAMPLE_RATE);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / TTS_SAMPLE_RATE;
    const syllable = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t);
    const voice = Math.sin(2 * Math.PI * 180 * t) + 0.5 * Math.sin(2 * Math.PI * 360 * t) + 0.25 * Math.sin(2 * Math.PI * 720 * t);
    out[i] = Math.round(6000 * syllable * voice);
  }
  return out;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** Lets what was written reach the client, then drops the connection. */
async function cutAfterFlush(res: ServerResponse): Promise<void> {
  await sleep(30);
  res.socket?.destroy();
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
