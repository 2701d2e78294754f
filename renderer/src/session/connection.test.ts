import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerEnvelope, ServerMessage } from '../../../shared/protocol';
import { FakeBridge, welcome } from '../testing/fake-bridge';
import { Connection, RECONNECT_DELAYS_MS, type ConnectionListener } from './connection';
import { PendingRequests, REQUEST_TIMEOUT_MS, RequestError } from './pending-requests';
import type { ConnectionState } from './reducer';

class RecordingListener implements ConnectionListener {
  states: ConnectionState[] = [];
  messages: ServerMessage[] = [];
  lost: string[] = [];
  onState(state: ConnectionState) {
    this.states.push(state);
  }
  onMessage(envelope: ServerEnvelope) {
    this.messages.push(envelope.message);
  }
  onAudio() {}
  onLost(reason: string) {
    this.lost.push(reason);
  }
}

let bridge: FakeBridge;
let listener: RecordingListener;
let connection: Connection;

/** Settles the promise callbacks of the bridge and the requests. */
const settle = () => vi.advanceTimersByTimeAsync(0);

async function connected(): Promise<void> {
  connection.connect();
  bridge.accept();
  await settle();
  bridge.reply(welcome);
}

beforeEach(() => {
  vi.useFakeTimers();
  bridge = new FakeBridge();
  listener = new RecordingListener();
  connection = new Connection(bridge, listener);
});

afterEach(async () => {
  await connection.dispose();
  vi.useRealTimers();
});

describe('Connection', () => {
  it('reports connected once the bridge opens, and passes main messages on', async () => {
    await connected();
    expect(listener.states).toEqual(['connected']);
    expect(connection.connected).toBe(true);
    expect(listener.messages).toEqual([welcome]);
  });

  it('numbers what it sends and carries a traceparent when given one', async () => {
    await connected();
    const traceparent = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    expect(connection.send({ type: 'conversation.start' })).toBe(true);
    connection.send({ type: 'playback', event: 'started', stream: 1, playedMs: 0 }, traceparent);
    expect(bridge.sent).toEqual([
      { v: 1, seq: 0, message: { type: 'conversation.start' } },
      { v: 1, seq: 1, traceparent, message: { type: 'playback', event: 'started', stream: 1, playedMs: 0 } },
    ]);
  });

  it('sends nothing while not connected', () => {
    expect(connection.send({ type: 'conversation.start' })).toBe(false);
    expect(connection.sendAudio(new ArrayBuffer(8))).toBe(false);
  });

  it('retries a refused connection after 250 ms, then backs off up to 8 s', async () => {
    connection.connect();
    for (const delay of [...RECONNECT_DELAYS_MS, 8_000, 8_000]) {
      const opens = bridge.opens;
      bridge.refuse();
      await settle();
      expect(listener.states.at(-1)).toBe('reconnecting');
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(bridge.opens).toBe(opens);
      await vi.advanceTimersByTimeAsync(1);
      expect(bridge.opens).toBe(opens + 1);
    }
  });

  it('reports a lost session, then reconnects; a welcome starts the backoff afresh', async () => {
    await connected();
    bridge.lose('closed by the host');
    expect(listener.lost).toEqual(['closed by the host']);
    expect(connection.connected).toBe(false);
    expect(listener.states.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[0]);
    expect(bridge.opens).toBe(2);

    // Opened but lost before any greeting: the next wait is longer.
    bridge.accept();
    await settle();
    bridge.lose();
    await vi.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[1] - 1);
    expect(bridge.opens).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(bridge.opens).toBe(3);

    bridge.accept();
    await settle();
    bridge.reply(welcome);
    bridge.lose();
    await vi.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[0]);
    expect(bridge.opens).toBe(4);
  });

  it('stops reconnecting when disposed, and lets the drain send before the port closes', async () => {
    await connected();
    let sentInDrain = false;
    await connection.dispose(async () => {
      sentInDrain = connection.send({ type: 'conversation.end' });
    });
    expect(sentInDrain).toBe(true);
    expect(bridge.closed).toBe(1);
    expect(connection.connected).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(bridge.opens).toBe(1);
  });

  it('closes a port that opens after dispose', async () => {
    connection.connect();
    await connection.dispose();
    bridge.accept();
    await settle();
    expect(bridge.closed).toBe(1);
    expect(connection.connected).toBe(false);
  });
});

describe('Connection.request', () => {
  it('resolves each request with the reply that names its seq, in whatever order they come', async () => {
    await connected();
    const list = connection.request({ type: 'history.list' });
    const pick = connection.request({ type: 'models.pick', stage: 'stt', path: '/models/a.bin' });
    const [listSeq, pickSeq] = bridge.sent.map((envelope) => envelope.seq);
    bridge.reply({ type: 'models.result', ref: pickSeq, ok: false, message: 'not a model file' });
    bridge.reply({ type: 'history', ref: listSeq, items: [] });
    await expect(pick).resolves.toEqual({ type: 'models.result', ref: pickSeq, ok: false, message: 'not a model file' });
    await expect(list).resolves.toEqual({ type: 'history', ref: listSeq, items: [] });
    // Replies went to their requests, not to the listener.
    expect(listener.messages).toEqual([welcome]);
  });

  it('rejects with the message of the error that names its seq', async () => {
    await connected();
    const open = connection.request({ type: 'history.open', id: '0d6c1a56-3c3e-4c6b-9a8e-6f1f7e0c8a11' });
    const seq = bridge.sent[0]!.seq;
    bridge.reply({ type: 'error', code: 'bad_message', message: 'That conversation is no longer in the history.', ref: seq });
    const error = await open.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ message: 'That conversation is no longer in the history.', failure: 'refused', code: 'bad_message' });
  });

  it('passes on what answers no waiting request: main own messages, and errors about other messages', async () => {
    await connected();
    const save = connection.request({ type: 'settings.update', patch: {} });
    bridge.reply({ type: 'settings.result', ok: true, errors: {} });
    bridge.reply({ type: 'error', code: 'invalid_state', message: 'Start a conversation before talking.', ref: 99 });
    expect(listener.messages.slice(1)).toEqual([
      { type: 'settings.result', ok: true, errors: {} },
      { type: 'error', code: 'invalid_state', message: 'Start a conversation before talking.', ref: 99 },
    ]);
    bridge.reply({ type: 'settings.result', ref: bridge.sent[0]!.seq, ok: true, errors: {} });
    await expect(save).resolves.toMatchObject({ type: 'settings.result', ok: true });
  });

  it('rejects clearly when no reply comes in time', async () => {
    await connected();
    const list = connection.request({ type: 'history.list' });
    const outcome = list.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS - 1);
    bridge.reply({ type: 'models', view: { engines: {} } } as unknown as ServerMessage);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toMatchObject({ failure: 'timeout', message: `The app did not answer (history.list) within ${REQUEST_TIMEOUT_MS / 1000} s.` });
    // A reply after the timeout answers nothing any more.
    bridge.reply({ type: 'history', ref: bridge.sent[0]!.seq, items: [] });
    expect(listener.messages.at(-1)).toMatchObject({ type: 'history' });
  });

  it('rejects what is waiting as disconnected when the link goes down, and refuses new requests until it is back', async () => {
    await connected();
    const list = connection.request({ type: 'history.list' });
    const save = connection.request({ type: 'settings.update', patch: {} });
    bridge.lose();
    await expect(list).rejects.toMatchObject({ failure: 'disconnected', message: 'disconnected' });
    await expect(save).rejects.toMatchObject({ failure: 'disconnected' });
    await expect(connection.request({ type: 'history.list' })).rejects.toMatchObject({ failure: 'disconnected' });
  });
});

describe('PendingRequests', () => {
  it('refuses a reply of the wrong kind for the request it names', async () => {
    const requests = new PendingRequests(1_000);
    const pick = requests.expect(4, { type: 'models.pick', stage: 'llm', path: '/m.gguf' });
    expect(requests.settle({ type: 'history', ref: 4, items: [] })).toBe(true);
    await expect(pick).rejects.toMatchObject({ failure: 'refused', message: 'The app answered with history where models.result was expected.' });
    expect(requests.size).toBe(0);
  });

  it('will not wait twice on one seq', async () => {
    const requests = new PendingRequests(1_000);
    const first = requests.expect(1, { type: 'history.list' });
    expect(() => requests.expect(1, { type: 'history.list' })).toThrow('already waiting');
    requests.rejectAll();
    await expect(first).rejects.toMatchObject({ failure: 'disconnected' });
  });
});
