/**
 * Property-based fuzzing of the two ways into a session: the headless host's
 * WebSocket and the desktop's MessagePort handler. Thousands of malformed,
 * wrongly typed, oversized and out-of-order messages and frames are each
 * refused with an error reply; the host never falls over, and a normal
 * conversation works afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EnvelopeWriter, parseClientEnvelope, type ClientMessage, type ServerEnvelope } from '../../shared/protocol';
import type { AssistantDeps } from '../agent/conversation/assistant';
import { silentLogger } from '../agent/util/logger';
import { readPipelineConfig } from '../agent/pipeline/pipeline-config';
import { Session } from '../agent/session/session';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../agent/testing/fake-openai-server';
import { oversizedText, refusedFrame, refusedText } from '../agent/testing/protocol-arbitraries';
import { RecordingCarrier } from '../agent/testing/recording-carrier';
import { signIn, type SignedIn } from '../agent/testing/sign-in';
import { until } from '../agent/testing/until';
import { routePortMessage } from '../main/port-carrier';
import { startHeadlessHost, type HeadlessHost } from './headless-host';
import { openAIStagesAt } from '../agent/testing/test-stages';

let dir: string;
let server: FakeOpenAIServer;
let host: HeadlessHost;
let access: SignedIn;

function assistant(): AssistantDeps {
  const stages = openAIStagesAt(server.url);
  return {
    config: readPipelineConfig({ OPENAI_BASE_URL: server.url }, () => {}),
    stages: () => stages,
    createVad: async () => ({ name: 'silent', isSpeech: async () => false, reset() {}, dispose: async () => {} }),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  server = await startFakeOpenAIServer();
  // The fuzz sends thousands of messages and frames as fast as the host answers them, far past what a
  // real page sends: the rate limits (connection-limits.test.ts) are lifted for this host.
  const unlimited = { perSecond: Infinity, burst: Infinity };
  host = await startHeadlessHost({
    host: '127.0.0.1',
    port: 0,
    staticDir: dir,
    logger: silentLogger,
    services: { assistant: assistant() },
    limits: { messageRate: unlimited, audioFrameRate: unlimited },
  });
  access = await signIn(host.url);
});

afterAll(async () => {
  await host.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

type Message = ServerEnvelope['message'];

interface Client {
  socket: WebSocket;
  received: Message[];
  closed: Promise<number>;
}

/** Waits for the host's replies, naming the last ones received when it gives up. */
const fromHost = (client: Client, predicate: () => boolean) =>
  until(predicate, { what: 'the host', detail: () => `received: ${client.received.slice(-5).map((m) => m.type).join(',')}` });

function connect(): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(access.ws, { headers: { Origin: access.origin, cookie: access.cookie } });
    const received: Message[] = [];
    socket.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) received.push((JSON.parse(data.toString()) as ServerEnvelope).message);
    });
    const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)));
    socket.once('open', () => resolve({ socket, received, closed }));
    socket.once('error', reject);
  });
}

const errors = (messages: Message[]) => messages.filter((m) => m.type === 'error');

/** A typed exchange that must work after the fuzzing. */
async function conversationStillWorks(client: Client): Promise<void> {
  const writer = new EnvelopeWriter<ClientMessage>();
  server.configure({ reply: 'Still here.' });
  client.socket.send(JSON.stringify(writer.wrap({ type: 'user.text', text: 'Are you there?' })));
  await fromHost(client, () => client.received.some((m) => m.type === 'transcript' && m.role === 'assistant' && m.text === 'Still here.' && m.final));
}

describe('fuzzing the WebSocket', () => {
  it('refuses every malformed text message and frame with an error reply, and carries on', { timeout: 120_000 }, async () => {
    const client = await connect();
    await fromHost(client, () => client.received.some((m) => m.type === 'welcome'));
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 4, arbitrary: refusedText }, { weight: 2, arbitrary: refusedFrame }, { weight: 1, arbitrary: oversizedText }), {
          minLength: 1,
          maxLength: 40,
        }),
        async (batch) => {
          const before = errors(client.received).length;
          for (const item of batch) client.socket.send(item, { binary: typeof item !== 'string' });
          sent += batch.length;
          await fromHost(client, () => errors(client.received).length === before + batch.length);
        },
      ),
      { numRuns: 400 },
    );
    expect(sent).toBeGreaterThan(2_000);
    const codes = new Set(errors(client.received).map((m) => (m.type === 'error' ? m.code : '')));
    expect([...codes].sort()).toEqual(['bad_frame', 'bad_message', 'too_large']);
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    await conversationStillWorks(client);
    client.socket.close();
  });

  it('refuses messages that arrive out of order with invalid_state', async () => {
    const client = await connect();
    const writer = new EnvelopeWriter<ClientMessage>();
    const send = (m: ClientMessage) => client.socket.send(JSON.stringify(writer.wrap(m)));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), async (repeats) => {
        const before = errors(client.received).length;
        for (let i = 0; i < repeats; i++) send({ type: 'conversation.end' }); // none is running
        await fromHost(client, () => errors(client.received).length === before + repeats);
      }),
      { numRuns: 20 },
    );
    send({ type: 'conversation.start' });
    const before = errors(client.received).length;
    send({ type: 'conversation.start' });
    await fromHost(client, () => errors(client.received).length === before + 1);
    expect(errors(client.received).every((m) => m.type === 'error' && m.code === 'invalid_state')).toBe(true);
    send({ type: 'conversation.end' });
    await conversationStillWorks(client);
    client.socket.close();
  });

  it('closes a socket that sends more than the 1 MiB hard cap, and takes new ones', async () => {
    const client = await connect();
    client.socket.send(Buffer.alloc(1024 * 1024 + 1));
    expect(await client.closed).toBe(1009);
    const next = await connect();
    await conversationStillWorks(next);
    next.socket.close();
  });
});

describe('fuzzing the desktop MessagePort handler', () => {
  it('refuses anything a compromised renderer could post, one error per message', () => {
    // What crosses the port is structured-cloned: every reply must survive that.
    const carrier = new RecordingCarrier('ipc', { structuredClone: true });
    const session = new Session(carrier, { logger: silentLogger });
    session.open();
    let sent = 0;
    const anything = fc.oneof(
      fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }),
      fc.record({ kind: fc.constant('message'), envelope: fc.anything({ maxDepth: 3 }) }),
      refusedText,
      refusedText.map((text) => ({ kind: 'message', envelope: JSON.parse(text.startsWith('x') ? '"x"' : text) as unknown })),
      refusedFrame,
      refusedFrame.map((f) => f.buffer),
    );
    fc.assert(
      fc.property(fc.array(anything, { minLength: 1, maxLength: 30 }), (batch) => {
        const valid = batch.filter((item) => {
          if (item instanceof ArrayBuffer || ArrayBuffer.isView(item)) return false;
          const envelope = typeof item === 'object' && item !== null && (item as { kind?: unknown }).kind === 'message' ? (item as { envelope?: unknown }).envelope : item;
          return parseClientEnvelope(envelope).ok;
        });
        fc.pre(valid.length === 0);
        const before = errors(carrier.all()).length;
        for (const item of batch) routePortMessage(session, item);
        sent += batch.length;
        expect(errors(carrier.all()).length).toBe(before + batch.length);
      }),
      { numRuns: 1_000 },
    );
    expect(sent).toBeGreaterThan(5_000);
    session.close();
  });
});
