import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import { FrameKind, decodeAudioFrame, encodeAudioFrame } from '../../../shared/audio-frame';
import type { ModelsView } from '../../../shared/models';
import { EnvelopeWriter, parseServerEnvelope, type ClientMessage } from '../../../shared/protocol';
import type { SettingsView } from '../../../shared/settings';
import type { TracingState } from '../../../shared/telemetry';
import { ConversationHistory } from '../history/conversation-history';
import { silentLogger } from '../util/logger';
import { FileSecretStore } from '../settings/secret-store';
import { SettingsStore } from '../settings/settings-store';
import { RecordingCarrier } from '../testing/recording-carrier';
import { Session, type SessionModels, type SessionOptions, type SessionSettings } from './session';
import { unobserved } from '../conversation/conversation-observer';

function tone(amplitude: number): Int16Array {
  return Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * 200 * i) / INPUT_SAMPLE_RATE)));
}

function frame(samples: Int16Array, seq = 0): ArrayBuffer {
  return encodeAudioFrame({ kind: FrameKind.Microphone, seq, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples });
}

let sessions: Session[] = [];
function open(): { session: Session; carrier: RecordingCarrier; send: (m: ClientMessage) => void } {
  const carrier = new RecordingCarrier();
  const session = new Session(carrier, { statsIntervalMs: 10 });
  sessions.push(session);
  session.open();
  const writer = new EnvelopeWriter<ClientMessage>();
  return { session, carrier, send: (m) => session.receiveMessage(JSON.stringify(writer.wrap(m))) };
}

afterEach(() => {
  sessions.forEach((s) => s.close());
  sessions = [];
});

describe('Session', () => {
  it('greets the client with its id, protocol and audio format, then its state', () => {
    const { carrier, session } = open();
    expect(carrier.envelopes[0]?.message).toEqual({
      type: 'welcome',
      sessionId: session.id,
      protocolVersion: 1,
      audioIn: { sampleRate: 16_000, frameSamples: 320 },
    });
    expect(carrier.last('state')).toEqual({ type: 'state', state: 'idle', conversationId: null });
    expect(carrier.envelopes.map((e) => e.seq)).toEqual([0, 1]);
  });

  it('answers a malformed message with an error and goes on', () => {
    const { carrier, send, session } = open();
    session.receiveMessage('{"v":1,"seq":3,"message":{"type":"nonsense"}}');
    session.receiveMessage('not json');
    session.receiveMessage({ v: 1, seq: 5, message: { type: 'user.text', text: 42 } });
    const errors = carrier.messages('error');
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatchObject({ code: 'bad_message', ref: 3 });
    expect(errors[2]).toMatchObject({ code: 'bad_message', ref: 5 });
    send({ type: 'conversation.start' });
    expect(carrier.last('state')).toMatchObject({ state: 'listening' });
  });

  it('counts frames, level and voiced time during a conversation only', async () => {
    const { carrier, send, session } = open();
    session.receiveAudio(frame(tone(10_000)));
    send({ type: 'conversation.start' });
    const conversationId = carrier.last('state')?.conversationId;
    expect(conversationId).toMatch(/[0-9a-f-]{36}/);
    for (let i = 0; i < 30; i++) session.receiveAudio(frame(tone(10_000), i));
    for (let i = 0; i < 5; i++) session.receiveAudio(frame(new Int16Array(FRAME_SAMPLES), 30 + i));
    await new Promise((r) => setTimeout(r, 30));
    const stats = carrier.last('audio.stats')?.stats;
    expect(stats).toMatchObject({ framesReceived: 35, framesDropped: 0, voicedMs: 600, longestVoicedMs: 600, levelDbfs: -100 });
    expect(stats?.peakDbfs).toBeCloseTo(-10.3, 0);
    send({ type: 'conversation.end' });
    expect(carrier.last('state')).toEqual({ type: 'state', state: 'idle', conversationId: null });
    session.receiveAudio(frame(tone(10_000)));
    expect(carrier.messages('error')).toHaveLength(0);
  });

  it('refuses malformed audio frames with an error reply', () => {
    const { carrier, send, session } = open();
    send({ type: 'conversation.start' });
    session.receiveAudio(new Uint8Array([1, 2, 3]));
    session.receiveAudio(encodeAudioFrame({ kind: FrameKind.Microphone, seq: 0, stream: 0, sampleRate: 8_000, samples: new Int16Array(320) }));
    expect(carrier.messages('error').map((e) => e.code)).toEqual(['bad_frame', 'bad_frame']);
  });

  it('refuses starting twice and ending when idle', () => {
    const { carrier, send } = open();
    send({ type: 'conversation.end' });
    send({ type: 'conversation.start' });
    send({ type: 'conversation.start' });
    expect(carrier.messages('error').map((e) => e.code)).toEqual(['invalid_state', 'invalid_state']);
  });

  it('echoes typed text into the transcript', () => {
    const { carrier, send } = open();
    send({ type: 'user.text', text: '  hello there  ' });
    expect(carrier.last('transcript')).toMatchObject({ role: 'user', text: 'hello there', final: true });
  });

  it('streams the test sound as audio chunks and returns to idle when the client has played it', () => {
    const { carrier, send } = open();
    send({ type: 'audio.test' });
    expect(carrier.last('state')?.state).toBe('speaking');
    expect(carrier.audio.length).toBe(6);
    const chunks = carrier.audio.map((buffer) => decodeAudioFrame(buffer, FrameKind.AssistantAudio));
    expect(chunks.every((c) => c.ok && c.frame.sampleRate === 24_000 && c.frame.stream === 1)).toBe(true);
    expect(chunks.map((c) => c.ok && c.frame.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    send({ type: 'playback', event: 'started', stream: 1, playedMs: 3 });
    send({ type: 'playback', event: 'drained', stream: 99, playedMs: 10 }); // another stream: ignored
    expect(carrier.last('state')?.state).toBe('speaking');
    send({ type: 'playback', event: 'drained', stream: 1, playedMs: 600 });
    expect(carrier.last('state')?.state).toBe('idle');
    expect(carrier.last('audio.stats')?.stats).toMatchObject({ chunksSent: 6, playedMs: 610 }); // every stream's played time counts
  });

  it('flushes the client when the conversation ends during playback', () => {
    const { carrier, send } = open();
    send({ type: 'conversation.start' });
    send({ type: 'audio.test' });
    send({ type: 'conversation.end' });
    expect(carrier.messages('audio.flush')).toHaveLength(1);
    expect(carrier.last('state')?.state).toBe('idle');
  });

  it('refuses oversized messages and stays silent once closed', () => {
    const { carrier, session } = open();
    session.receiveMessage('x'.repeat(1_000_000));
    expect(carrier.last('error')).toMatchObject({ code: 'too_large' });
    session.close();
    const count = carrier.envelopes.length;
    session.receiveMessage('garbage');
    session.receiveAudio(new Uint8Array(3));
    expect(carrier.envelopes.length).toBe(count);
  });

  it('drops frames still in flight after the conversation ended, or after the session closed, without errors', () => {
    const { carrier, session, send } = open();
    send({ type: 'conversation.start' });
    session.receiveAudio(frame(tone(8000), 0));
    send({ type: 'conversation.end' });
    for (let i = 1; i <= 20; i++) session.receiveAudio(frame(tone(8000), i));
    expect(carrier.messages('error')).toHaveLength(0);
    session.close();
    const count = carrier.envelopes.length;
    for (let i = 21; i <= 40; i++) expect(() => session.receiveAudio(frame(tone(8000), i))).not.toThrow();
    expect(carrier.envelopes.length).toBe(count);
  });

  it('survives a carrier that throws', () => {
    const carrier = new RecordingCarrier();
    carrier.send = () => {
      throw new Error('socket gone');
    };
    const session = new Session(carrier);
    sessions.push(session);
    expect(() => session.open()).not.toThrow();
  });
});

describe('Session requests', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'session-requests-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** The on-device engines, answering as the real service does: an outcome, or a failure thrown. */
  const models: SessionModels = {
    view: () => ({ catalog: [], picked: { stt: null, llm: null }, voices: [], engines: { stt: 'missing', llm: 'missing', tts: 'missing' } }) as unknown as ModelsView,
    onChange: () => () => {},
    download: () => ({ ok: true }),
    cancel: async () => {},
    remove: async () => {
      throw new Error('disk on fire');
    },
    pick: async () => ({ ok: false, message: 'not a model file' }),
    unpick: async () => {},
  };

  async function requestSession(services: SessionOptions) {
    const carrier = new RecordingCarrier();
    const session = new Session(carrier, { logger: silentLogger, ...services });
    sessions.push(session);
    session.open();
    const writer = new EnvelopeWriter<ClientMessage>();
    const send = (m: ClientMessage) => {
      const envelope = writer.wrap(m);
      session.receiveMessage(JSON.stringify(envelope));
      return envelope.seq;
    };
    /** The reply naming this request, once it came. */
    const replyTo = (seq: number) =>
      vi.waitFor(
        () => {
          const reply = carrier.envelopes.map((e) => e.message).find((m) => 'ref' in m && m.ref === seq);
          if (!reply) throw new Error(`no reply to ${seq} yet`);
          return reply;
        },
        { timeout: 10_000 },
      );
    return { carrier, send, replyTo };
  }

  it('answers each request with a reply that names it (ref = its seq)', async () => {
    const history = await ConversationHistory.open(dataDir);
    const recorder = history.begin();
    await recorder.append({ role: 'user', text: 'kept words' });
    await recorder.end();
    const settings = await SettingsStore.open({ dataDir, env: {}, secretStore: new FileSecretStore(join(dataDir, 'secrets.json')), logger: silentLogger });
    const { send, replyTo } = await requestSession({ history, settings, models });
    send({ type: 'audio.test' }); // answered by no reply: the seqs below are not the first
    const list = send({ type: 'history.list' });
    const open = send({ type: 'history.open', id: recorder.id });
    const saved = send({ type: 'settings.update', patch: { values: { llm: { systemPrompt: 'Be brief.' } } } });
    const refused = send({ type: 'settings.update', patch: { values: { llm: { model: '' } } } });
    const configured = send({ type: 'settings.update', patch: { values: { tracing: { consoleExport: true } } } });
    const picked = send({ type: 'models.pick', stage: 'llm', path: '/nowhere/model.gguf' });
    const downloaded = send({ type: 'models.download', id: 'tiny' });
    const removed = send({ type: 'models.remove', id: 'tiny' });
    const deleted = send({ type: 'history.delete', id: recorder.id });
    expect(await replyTo(list)).toMatchObject({ type: 'history', items: [expect.objectContaining({ id: recorder.id, preview: 'kept words' })] });
    expect(await replyTo(open)).toMatchObject({ type: 'history.conversation', entries: [{ role: 'user', text: 'kept words' }] });
    expect(await replyTo(saved)).toEqual({ type: 'settings.result', ref: saved, ok: true, errors: {} });
    expect(await replyTo(refused)).toMatchObject({ type: 'settings.result', ok: false, errors: { 'llm.model': expect.any(String) } });
    expect(await replyTo(configured)).toMatchObject({ type: 'settings.result', ok: true });
    expect(await replyTo(picked)).toEqual({ type: 'models.result', ref: picked, ok: false, message: 'not a model file' });
    expect(await replyTo(downloaded)).toEqual({ type: 'models.result', ref: downloaded, ok: true, message: '' });
    expect(await replyTo(removed)).toEqual({ type: 'models.result', ref: removed, ok: false, message: 'disk on fire' });
    expect(await replyTo(deleted)).toEqual({ type: 'history', ref: deleted, items: [], from: 0, next: null, total: 0 });
  });

  it('opens a conversation of 6,000 entries page by page, each page a message the client accepts', async () => {
    const history = await ConversationHistory.open(mkdtempSync(join(dataDir, 'long-')));
    const recorder = history.begin();
    for (let i = 0; i < 6_000; i++) void recorder.append({ role: i % 2 ? 'assistant' : 'user', text: `entry number ${i}: ${'words '.repeat(i % 40)}` });
    await recorder.end();
    const { carrier, send, replyTo } = await requestSession({ history });
    const texts: string[] = [];
    let from: number | null = 0;
    while (from !== null) {
      const ref = send({ type: 'history.open', id: recorder.id, from });
      const reply = await replyTo(ref);
      const envelope = carrier.envelopes.find((e) => 'ref' in e.message && e.message.ref === ref)!;
      // What the renderer does with it: the whole envelope, as text, through the client's parser.
      const parsed = parseServerEnvelope(JSON.stringify(envelope));
      expect(parsed.ok ? 'accepted' : parsed.error).toBe('accepted');
      if (reply.type !== 'history.conversation') throw new Error(`unexpected ${reply.type}`);
      expect(reply.from).toBe(from);
      expect(reply.summary.entries).toBe(6_000);
      texts.push(...reply.entries.map((e) => e.text));
      from = reply.next;
    }
    expect(texts).toHaveLength(6_000);
    expect(texts.every((text, i) => text.startsWith(`entry number ${i}:`))).toBe(true);
  });

  it('refuses what this host cannot do with an error naming the request', async () => {
    const { send, replyTo } = await requestSession({});
    const refusals = [
      send({ type: 'history.list' }),
      send({ type: 'history.open', id: '00000000-0000-0000-0000-000000000000' }),
      send({ type: 'settings.update', patch: {} }),
      send({ type: 'models.cancel', id: 'tiny' }),
      send({ type: 'ptt', pressed: true }),
    ];
    const codes = await Promise.all(refusals.map(async (seq) => ((await replyTo(seq)) as { code?: string }).code));
    expect(codes).toEqual(['invalid_state', 'bad_message', 'invalid_state', 'invalid_state', 'invalid_state']);
  });

  it('answers a handler that fails unexpectedly with an internal error, and goes on', async () => {
    const settings: SessionSettings = {
      view: {} as SettingsView,
      onChange: () => () => {},
      update: async () => {
        throw new Error('disk full');
      },
    };
    const telemetryless = await requestSession({ settings });
    const failed = telemetryless.send({ type: 'settings.update', patch: {} });
    expect(await telemetryless.replyTo(failed)).toMatchObject({ type: 'error', code: 'internal', message: expect.stringContaining('disk full') });

    const broken = { tracer: trace.getTracer('test'), conversationObserver: () => unobserved, tracingState: {} as TracingState, onChange: () => () => {}, importSpans: () => {} };
    const { send, replyTo, carrier } = await requestSession({
      telemetry: {
        ...broken,
        traces: {
          resources: { main: {}, renderer: {} },
          list: () => {
            throw new Error('store gone');
          },
          page: () => null,
          onChange: () => () => {},
        },
      },
    });
    const listed = send({ type: 'traces.list' });
    expect(await replyTo(listed)).toEqual({ type: 'error', code: 'internal', message: 'The message could not be handled.', ref: listed });
    send({ type: 'conversation.start' });
    expect(carrier.last('state')).toMatchObject({ state: 'listening' });
  });
});
