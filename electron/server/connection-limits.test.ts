/**
 * The bounds a hostile or broken client meets, against a real host: each
 * closes only the offending connection, with its reason; the others carry on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../../shared/audio-format';
import { FrameKind, encodeAudioFrame } from '../../shared/audio-frame';
import type { Logger } from '../agent/util/logger';
import { signIn, type SignedIn } from '../agent/testing/sign-in';
import { until } from '../agent/testing/until';
import { AUDIO_FRAME_RATE, MAX_SESSIONS, MESSAGE_RATE, RateLimit } from '../agent/session/connection-limits';
import { startHeadlessHost, type HeadlessHost } from './headless-host';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'limits-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Client {
  socket: WebSocket;
  /** Replies received, by type. */
  replies: { type: string; code?: string }[];
  closed: Promise<{ code: number; reason: string }>;
  isClosed(): boolean;
}

function connect(access: SignedIn, options: ClientOptions = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(access.ws, { ...options, headers: { Origin: access.origin, cookie: access.cookie } });
    const replies: Client['replies'] = [];
    let isClosed = false;
    socket.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) replies.push((JSON.parse(data.toString()) as { message: Client['replies'][number] }).message);
    });
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      socket.once('close', (code, reason) => {
        isClosed = true;
        done({ code, reason: reason.toString() });
      }),
    );
    socket.once('open', () => resolve({ socket, replies, closed, isClosed: () => isClosed }));
    socket.once('error', reject);
  });
}

const bogus = (seq: number) => JSON.stringify({ v: 1, seq, message: { type: 'bogus' } });
const errorsOf = (client: Client) => client.replies.filter((m) => m.type === 'error').length;

/** A request the host answers: the client still has a working session. */
async function stillAnswered(client: Client): Promise<void> {
  const before = errorsOf(client);
  client.socket.send(bogus(1));
  await until(() => errorsOf(client) > before, 'a reply on the other connection');
  expect(client.socket.readyState).toBe(WebSocket.OPEN);
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => {}, error: () => {}, warn: (message) => warnings.push(message) };
}

describe('RateLimit', () => {
  it('lets a burst through, then the sustained rate, and refuses beyond', () => {
    let now = 0;
    const limit = new RateLimit({ perSecond: 10, burst: 5 }, () => now);
    expect(Array.from({ length: 6 }, () => limit.take())).toEqual([true, true, true, true, true, false]);
    now += 100; // a tenth of a second: one more
    expect([limit.take(), limit.take()]).toEqual([true, false]);
    now += 10_000; // a long quiet spell refills the burst, no more
    expect(Array.from({ length: 6 }, () => limit.take()).filter(Boolean)).toHaveLength(5);
  });
});

describe('the limits of the headless host', () => {
  let host: HeadlessHost;
  let access: SignedIn;
  beforeAll(async () => {
    host = await startHeadlessHost({ host: '127.0.0.1', port: 0, staticDir: dir, logger: recordingLogger() });
    access = await signIn(host.url);
  });
  afterAll(() => host.close());

  it(`opens at most ${MAX_SESSIONS} sessions, saying why to the next one, and takes one again when one ends`, async () => {
    const open = await Promise.all(Array.from({ length: MAX_SESSIONS }, () => connect(access)));
    await until(() => host.sessionCount === MAX_SESSIONS, 'the sessions to open');
    const extra = await connect(access);
    const refused = await extra.closed;
    expect(refused.code).toBe(1013);
    expect(refused.reason).toContain(`${MAX_SESSIONS} open sessions`);
    expect(host.sessionCount).toBe(MAX_SESSIONS);
    await stillAnswered(open[0]!);

    open.pop()!.socket.close();
    await until(() => host.sessionCount === MAX_SESSIONS - 1, 'a session to end');
    const next = await connect(access);
    await stillAnswered(next);
    for (const client of [...open, next]) client.socket.close();
    await until(() => host.sessionCount === 0, 'the sessions to end');
  });

  it('closes a connection that sends messages too fast, and only that one', async () => {
    const bystander = await connect(access);
    const flooder = await connect(access);
    const sent = MESSAGE_RATE.burst * 3;
    for (let seq = 0; seq < sent; seq++) flooder.socket.send(bogus(seq));
    // Either the host closes it, or it has answered every message (no limit).
    await until(() => flooder.isClosed() || errorsOf(flooder) === sent, 'the flooder to be closed or answered');
    expect(flooder.isClosed()).toBe(true);
    const { code, reason } = await flooder.closed;
    expect(code).toBe(1008);
    expect(reason).toBe(`Too many messages: more than ${MESSAGE_RATE.perSecond} a second.`);
    expect(errorsOf(flooder)).toBeLessThan(sent);
    await stillAnswered(bystander);
    bystander.socket.close();
  });

  it('closes a connection that sends audio frames too fast, and only that one', async () => {
    const bystander = await connect(access);
    const flooder = await connect(access);
    const samples = new Int16Array(FRAME_SAMPLES);
    const frame = (seq: number) => new Uint8Array(encodeAudioFrame({ kind: FrameKind.Microphone, seq, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples }));
    for (let seq = 0; seq < AUDIO_FRAME_RATE.burst * 3; seq++) flooder.socket.send(frame(seq));
    // Frames outside a conversation get no reply; a message after them does, unless the connection was closed.
    flooder.socket.send(bogus(1));
    await until(() => flooder.isClosed() || errorsOf(flooder) === 1, 'the flooder to be closed or answered');
    expect(flooder.isClosed()).toBe(true);
    const { code, reason } = await flooder.closed;
    expect(code).toBe(1008);
    expect(reason).toBe(`Too many audio frames: more than ${AUDIO_FRAME_RATE.perSecond} a second.`);
    await stillAnswered(bystander);
    bystander.socket.close();
  });
});

describe('a client that does not read', () => {
  it('is dropped once what waits for it passes the bound, and the others carry on', async () => {
    const logger = recordingLogger();
    const host = await startHeadlessHost({
      host: '127.0.0.1',
      port: 0,
      staticDir: dir,
      logger,
      // A small bound, so that the operating system's socket buffers fill first within a few megabytes;
      // the message rate is lifted: the test asks for the test sound many times at once.
      limits: { maxSendBufferBytes: 64 * 1024, messageRate: { perSecond: Infinity, burst: Infinity } },
    });
    try {
      const access = await signIn(host.url);
      const bystander = await connect(access);
      const reader = await connect(access);
      await until(() => host.sessionCount === 2, 'the sessions to open');
      reader.socket.pause(); // reads nothing from here on
      let seq = 0;
      const dropped = () => logger.warnings.includes('dropped a client that does not read what it is sent');
      // Each test sound is about 29 kB of audio; ask until the host gives up on this client.
      await until(
        () => {
          if (!dropped() && reader.socket.readyState === WebSocket.OPEN)
            for (let i = 0; i < 20; i++) reader.socket.send(JSON.stringify({ v: 1, seq: seq++, message: { type: 'audio.test' } }));
          return dropped();
        },
        { what: 'the host to drop the client that does not read', detail: () => `${seq} test sounds asked for` },
      );
      await until(() => host.sessionCount === 1, 'the dropped session to end');
      await stillAnswered(bystander);
      bystander.socket.close();
    } finally {
      await host.close(500);
    }
  });
});

describe('heartbeat', () => {
  it('drops a client that answers pings with pongs of its own, and keeps one that answers them', async () => {
    const host = await startHeadlessHost({ host: '127.0.0.1', port: 0, staticDir: dir, logger: recordingLogger(), limits: { heartbeatMs: 30 } });
    try {
      const access = await signIn(host.url);
      const countPings = (client: Client) => {
        let pings = 0;
        client.socket.on('ping', () => pings++);
        return () => pings;
      };
      // Answers every ping, but never with the ping's payload: it is not really there.
      const pretender = await connect(access, { autoPong: false });
      pretender.socket.on('ping', () => pretender.socket.pong(Buffer.from('still here')));
      const pretenderPings = countPings(pretender);
      const honest = await connect(access);
      const honestPings = countPings(honest);
      await until(() => pretender.isClosed() || pretenderPings() >= 5, 'the pretender to be dropped or pinged five times');
      expect(pretender.isClosed()).toBe(true);
      expect(pretenderPings()).toBeLessThan(5);
      await until(() => honestPings() >= 5, 'five pings to the honest client');
      expect(honest.isClosed()).toBe(false);
      await stillAnswered(honest);
      honest.socket.close();
    } finally {
      await host.close(500);
    }
  });
});
