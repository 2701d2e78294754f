/**
 * What the history keeps of a conversation, through a real session, the real
 * providers against the loopback OpenAI server and a real history folder:
 * every entry once, and a reply cut short by any of the ways a turn can end
 * early kept as far as it was heard (or, none of it heard yet, shown) and
 * marked interrupted.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { FrameKind, decodeAudioFrame } from '../../../shared/audio-frame';
import { EnvelopeWriter, type ClientMessage, type ServerEnvelope, type ServerMessage } from '../../../shared/protocol';
import { startHeadlessHost } from '../../server/headless-host';
import { signIn } from '../testing/sign-in';
import type { AssistantDeps } from '../conversation/assistant';
import { ConversationHistory } from '../history/conversation-history';
import { FailingDisk } from '../testing/failing-disk';
import { silentLogger } from '../util/logger';
import { readPipelineConfig } from '../pipeline/pipeline-config';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../testing/fake-openai-server';
import { RecordingCarrier } from '../testing/recording-carrier';
import { SCRIPTED_VAD_ENV, ScriptedMicrophone } from '../testing/scripted-microphone';
import { openAIStagesAt, scriptedVad } from '../testing/test-stages';
import { Session } from './session';

/** Far from what a loaded two-core machine needs for a turn against a loopback server. */
const WAIT = { timeout: 15_000, interval: 5 };
const LONG_REPLY = 'First part of the answer. Second part that nobody hears.';

let server: FakeOpenAIServer;
let dataDir: string;
let history: ConversationHistory;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
});
afterAll(() => server.close());
beforeEach(async () => {
  server.reset();
  dataDir = mkdtempSync(join(tmpdir(), 'history-recorder-'));
  history = await ConversationHistory.open(dataDir);
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function assistant(): AssistantDeps {
  return {
    config: readPipelineConfig({ OPENAI_BASE_URL: server.url, ...SCRIPTED_VAD_ENV }, () => {}),
    stages: () => openAIStagesAt(server.url, { timeoutMs: 10_000 }),
    createVad: async () => scriptedVad,
  };
}

type Line = { type: 'start' | 'end' } | { type: 'entry'; role: 'user' | 'assistant'; text: string; interrupted?: true };

/** Each conversation file on disk, as its lines, oldest first. */
function files(): Line[][] {
  const dir = join(dataDir, 'history');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .map((name) => readFileSync(join(dir, name), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Line & { at: string }))
    .sort((a, b) => a[0]!.at.localeCompare(b[0]!.at))
    .map((lines) => lines.map(({ at: _at, id: _id, ...line }: Line & { at: string; id?: string }) => line as Line));
}

function open() {
  const carrier = new RecordingCarrier();
  const notices = () => carrier.messages('notice');
  const session = new Session(carrier, { logger: silentLogger, assistant: assistant(), history });
  session.open();
  const writer = new EnvelopeWriter<ClientMessage>();
  const send = (message: ClientMessage) => session.receiveMessage(writer.wrap(message));
  const microphone = new ScriptedMicrophone();
  const speak = () => microphone.speakTo(session);
  /** How much of `stream`'s audio has been sent to the client, in ms. */
  const audioMs = (stream: number) =>
    carrier.audio.reduce((ms, data) => {
      const decoded = decodeAudioFrame(data, FrameKind.AssistantAudio);
      return decoded.ok && decoded.frame.stream === stream ? ms + (decoded.frame.samples.length / decoded.frame.sampleRate) * 1000 : ms;
    }, 0);
  const turns = (phase: 'start' | 'end') => carrier.messages('turn').filter((m) => m.phase === phase);
  const replies = (final: boolean) => carrier.messages('transcript').filter((m) => m.role === 'assistant' && m.final === final);
  /** The reply of the `n`th turn is showing, not final yet. */
  const replyShowing = (n: number) => vi.waitFor(() => expect(new Set(replies(false).map((m) => m.id)).size).toBe(n), WAIT);
  /** Turn `n`'s reply has come whole and the client played it to the end: the turn is over. */
  const playedToTheEnd = async (n: number) => {
    await vi.waitFor(() => expect(replies(true).length).toBeGreaterThanOrEqual(n), WAIT);
    const stream = turns('start')[n - 1]!.stream;
    send({ type: 'playback', event: 'started', stream, playedMs: 0 });
    send({ type: 'playback', event: 'drained', stream, playedMs: audioMs(stream) });
    await vi.waitFor(() => expect(turns('end').length).toBe(n), WAIT);
  };
  return { session, send, speak, replyShowing, playedToTheEnd, audioMs, turns, notices };
}

const user = (text: string): Line => ({ type: 'entry', role: 'user', text });
const reply = (text: string, interrupted?: true): Line => ({ type: 'entry', role: 'assistant', text, ...(interrupted ? { interrupted } : {}) });
const START: Line = { type: 'start' };
const END: Line = { type: 'end' };

describe('the history of a session', () => {
  it('keeps a typed turn that played to the end once: the message, then the reply', async () => {
    const t = open();
    server.configure({ reply: 'Noted: the blue umbrella.' });
    t.send({ type: 'user.text', text: 'Remember the blue umbrella' });
    await t.playedToTheEnd(1);
    await t.session.close();
    expect(files()).toEqual([[START, user('Remember the blue umbrella'), reply('Noted: the blue umbrella.'), END]]);
  });

  it('closing the page mid-reply keeps the reply as far as it was shown, marked interrupted', async () => {
    server.configure({ reply: LONG_REPLY, ttsRealtimeFactor: 1 });
    const t = open();
    t.send({ type: 'user.text', text: 'Tell me something' });
    await t.replyShowing(1);
    await t.session.close();
    const [file] = files();
    expect(file).toHaveLength(4);
    expect(file!.slice(0, 2)).toEqual([START, user('Tell me something')]);
    expect(file![3]).toEqual(END);
    const cut = file![2] as Extract<Line, { type: 'entry' }>;
    expect(cut).toMatchObject({ role: 'assistant', interrupted: true });
    expect(cut.text.length).toBeGreaterThan(0);
    expect(LONG_REPLY.startsWith(cut.text)).toBe(true);
  });

  it('closing the page keeps of a reply being heard what was heard', async () => {
    server.configure({ reply: LONG_REPLY, ttsMsPerChar: 40, ttsRealtimeFactor: 1 });
    const t = open();
    t.send({ type: 'user.text', text: 'Tell me something' });
    await t.replyShowing(1);
    const stream = t.turns('start')[0]!.stream;
    // The first sentence (25 characters at 40 ms) has been sent and played.
    await vi.waitFor(() => expect(t.audioMs(stream)).toBeGreaterThanOrEqual(1_000), WAIT);
    t.send({ type: 'playback', event: 'started', stream, playedMs: 1_000 });
    await t.session.close();
    expect(files()).toEqual([[START, user('Tell me something'), reply('First part of the answer.', true), END]]);
  });

  it('End mid-reply keeps the reply, marked interrupted, and closes the conversation', async () => {
    server.configure({ reply: LONG_REPLY, ttsRealtimeFactor: 1 });
    const t = open();
    t.send({ type: 'conversation.start' });
    t.send({ type: 'user.text', text: 'Tell me something' });
    await t.replyShowing(1);
    t.send({ type: 'conversation.end' });
    await t.session.close();
    const [file, ...others] = files();
    expect(others).toEqual([]);
    expect(file!.map((l) => (l.type === 'entry' ? `${l.role}${l.interrupted ? '!' : ''}` : l.type))).toEqual(['start', 'user', 'assistant!', 'end']);
  });

  it('a barge-in keeps the interrupted reply, then the new turn', async () => {
    server.configure({ transcripts: ['first question', 'second question'], reply: LONG_REPLY, ttsRealtimeFactor: 1 });
    const t = open();
    t.send({ type: 'conversation.start' });
    t.speak();
    await t.replyShowing(1);
    t.speak(); // the user talks over the reply
    await t.replyShowing(2);
    t.send({ type: 'conversation.end' });
    await t.session.close();
    const [file] = files();
    expect(file!.map((l) => (l.type === 'entry' ? `${l.role}${l.interrupted ? '!' : ''}` : l.type))).toEqual(['start', 'user', 'assistant!', 'user', 'assistant!', 'end']);
    expect(file![1]).toEqual(user('first question'));
    expect(file![3]).toEqual(user('second question'));
  });

  it('a new typed message keeps the interrupted reply, then the new turn, each once', async () => {
    server.configure({ reply: LONG_REPLY, ttsRealtimeFactor: 1 });
    const t = open();
    t.send({ type: 'user.text', text: 'first' });
    await t.replyShowing(1);
    server.configure({ reply: 'Short.', ttsRealtimeFactor: 0 });
    t.send({ type: 'user.text', text: 'second' });
    await t.playedToTheEnd(2);
    await t.session.close();
    const [file] = files();
    expect(file!.map((l) => (l.type === 'entry' ? `${l.role}${l.interrupted ? '!' : ''}` : l.type))).toEqual(['start', 'user', 'assistant!', 'user', 'assistant', 'end']);
    expect(file!.slice(3)).toEqual([user('second'), reply('Short.'), END]);
  });

  it('stopping the host mid-reply writes the interrupted reply and the end before it is gone', async () => {
    server.configure({ reply: LONG_REPLY, ttsRealtimeFactor: 1 });
    const staticDir = join(dataDir, 'static');
    const host = await startHeadlessHost({ host: '127.0.0.1', port: 0, staticDir, logger: silentLogger, services: { assistant: assistant(), history } });
    const access = await signIn(host.url);
    const socket = new WebSocket(access.ws, { headers: { Origin: access.origin, cookie: access.cookie } });
    const received: ServerMessage[] = [];
    socket.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) received.push((JSON.parse(data.toString()) as ServerEnvelope).message);
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify(new EnvelopeWriter<ClientMessage>().wrap({ type: 'user.text', text: 'Tell me something' })));
    await vi.waitFor(() => expect(received.some((m) => m.type === 'transcript' && m.role === 'assistant' && !m.final)).toBe(true), WAIT);
    await host.close();
    const [file] = files();
    expect(file!.map((l) => (l.type === 'entry' ? `${l.role}${l.interrupted ? '!' : ''}` : l.type))).toEqual(['start', 'user', 'assistant!', 'end']);
  });

  it('a write the disk refuses is said in the conversation, kept in memory, written at the next turn, and its file closed', async () => {
    const disk = new FailingDisk();
    history = await ConversationHistory.open(dataDir, { openFile: disk.open });
    server.configure({ reply: 'Noted.' });
    const t = open();
    t.send({ type: 'conversation.start' });
    disk.full = true;
    t.send({ type: 'user.text', text: 'written while the disk is full' });
    await t.playedToTheEnd(1);
    await vi.waitFor(() => expect(t.notices().map((n) => n.level)).toEqual(['error']), WAIT);
    expect(t.notices()[0]!.text).toMatch(/^This conversation is no longer being saved: the disk is full\. It is kept in memory, and saving is tried again at the next turn\.$/);
    expect(disk.openFiles).toBe(0);

    disk.full = false;
    t.send({ type: 'user.text', text: 'the disk has room again' });
    await t.playedToTheEnd(2);
    await vi.waitFor(() => expect(t.notices().map((n) => n.level)).toEqual(['error', 'info']), WAIT);
    expect(t.notices()[1]!.text).toBe('The conversation is being saved again; nothing was lost.');
    t.send({ type: 'conversation.end' });
    await t.session.close();
    expect(files()).toEqual([[START, user('written while the disk is full'), reply('Noted.'), user('the disk has room again'), reply('Noted.'), END]]);
    expect(disk.openFiles).toBe(0);
  });

  it('a conversation whose end the disk refused is written when the next one starts', async () => {
    const disk = new FailingDisk();
    history = await ConversationHistory.open(dataDir, { openFile: disk.open });
    server.configure({ reply: 'Noted.' });
    const t = open();
    t.send({ type: 'conversation.start' });
    t.send({ type: 'user.text', text: 'first conversation' });
    await t.playedToTheEnd(1);
    disk.full = true;
    t.send({ type: 'conversation.end' });
    await vi.waitFor(() => expect(t.notices().map((n) => n.level)).toEqual(['error']), WAIT);
    expect(disk.openFiles).toBe(0);
    disk.full = false;
    t.send({ type: 'conversation.start' });
    t.send({ type: 'user.text', text: 'second conversation' });
    await t.playedToTheEnd(2);
    await vi.waitFor(() => expect(t.notices().map((n) => n.level)).toEqual(['error', 'info']), WAIT);
    t.send({ type: 'conversation.end' });
    await t.session.close();
    expect(files()).toEqual([
      [START, user('first conversation'), reply('Noted.'), END],
      [START, user('second conversation'), reply('Noted.'), END],
    ]);
    expect(disk.openFiles).toBe(0);
  });
});
