/**
 * What a session does with each client message: one handler per message
 * type, the compiler checking that none is missing. A handler refuses by
 * throwing a `RequestError` and answers a request by returning its reply;
 * the session maps both (see `Session.dispatch`), adding the request's `seq`
 * as `ref`, so no handler sends an error or a reply of its own.
 */
import { randomUUID } from 'node:crypto';
import type { ClientMessage, ServerMessage } from '../../../shared/protocol';
import type { SerializedSpan } from '../../../shared/telemetry';
import type { Assistant } from '../conversation/assistant';
import type { Logger } from '../util/logger';
import type { SessionServices } from './session-services';
import type { TraceFeed } from './trace-feed';
import { TurnAudioUnavailable, type TurnAudioFeed } from './turn-audio-feed';

export type RefusalCode = 'invalid_state' | 'bad_message' | 'internal';

/** A request the session refuses, answered with an `error` naming it. */
export class RequestError extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RequestError';
  }
}

/** The replies that answer a request; the session adds `ref`. */
export type Reply = WithoutRef<Extract<ServerMessage, { type: 'history' | 'history.conversation' | 'settings.result' | 'models.result' | 'tools.result' | 'traces' | 'traces.page' | 'audio.turns' | 'audio.data' }>>;
type WithoutRef<M> = M extends unknown ? Omit<M, 'ref'> : never;

export type PlaybackMessage = Extract<ClientMessage, { type: 'playback' }>;

/** What the handlers may do with their session. */
export interface SessionContext {
  readonly services: SessionServices;
  readonly assistant: Assistant | null;
  readonly logger: Logger;
  readonly conversationRunning: boolean;
  startConversation(): void;
  endConversation(): void;
  send(message: ServerMessage): void;
  playTestSound(): void;
  playback(message: PlaybackMessage): void;
  importSpans(spans: readonly SerializedSpan[]): void;
  /** The span store behind the trace viewer, as this session sees it. */
  readonly traces: TraceFeed;
  /** The turn audio kept on this computer, as this session may hear it. */
  readonly turnAudio: TurnAudioFeed;
}

type Handler<T extends ClientMessage['type']> = (
  message: Extract<ClientMessage, { type: T }>,
  session: SessionContext,
) => Outcome | Promise<Outcome>;

/** A reply to send, or nothing to answer. */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a handler that answers nothing just returns
export type Outcome = Reply | void;

export const MESSAGE_HANDLERS: { [T in ClientMessage['type']]: Handler<T> } = {
  'conversation.start': (_, session) => {
    if (session.conversationRunning) throw new RequestError('invalid_state', 'A conversation is already running.');
    session.startConversation();
  },
  'conversation.end': (_, session) => {
    if (!session.conversationRunning) throw new RequestError('invalid_state', 'No conversation is running.');
    session.endConversation();
  },
  'user.text': ({ text }, session) => {
    if (session.assistant) session.assistant.sendText(text);
    else session.send({ type: 'transcript', id: randomUUID(), role: 'user', text, final: true });
  },
  'audio.test': (_, session) => {
    session.playTestSound();
  },
  playback: (message, session) => {
    session.playback(message);
  },
  'telemetry.spans': ({ spans }, session) => {
    session.importSpans(spans);
  },
  'settings.update': ({ patch }, session) => saveSettings(session, patch),
  ptt: ({ pressed }, session) => {
    if (!session.conversationRunning) throw new RequestError('invalid_state', 'Start a conversation before talking.');
    session.assistant?.pushToTalk(pressed);
  },
  'history.list': ({ from }, session) => historyList(session, from),
  'history.open': async ({ id, from }, session) => {
    const conversation = await session.services.history?.get(id, from).catch((error: unknown) => {
      session.logger.warn('a conversation could not be read', { error: String(error) });
      return null;
    });
    if (!conversation) throw new RequestError('bad_message', 'That conversation is no longer in the history.');
    return { type: 'history.conversation', ...conversation };
  },
  'history.delete': async ({ id }, session) => {
    if (!(await session.services.history?.delete(id))) throw new RequestError('bad_message', 'That conversation could not be deleted.');
    return historyList(session);
  },
  'models.download': (message, session) => modelsResult(session, (models) => models.download(message.id)),
  'models.cancel': (message, session) => modelsResult(session, async (models) => done(await models.cancel(message.id))),
  'models.remove': (message, session) => modelsResult(session, async (models) => done(await models.remove(message.id))),
  'models.pick': (message, session) => modelsResult(session, (models) => models.pick(message.stage, message.path)),
  'models.unpick': (message, session) => modelsResult(session, async (models) => done(await models.unpick(message.stage))),
  'tools.server.enable': (message, session) => toolsResult(session, (tools) => tools.setServerEnabled(message.name, message.enabled)),
  'tools.tool.enable': (message, session) => toolsResult(session, (tools) => tools.setToolEnabled(message.server, message.tool, message.enabled)),
  'tools.builtin.enable': (message, session) => toolsResult(session, (tools) => tools.setBuiltinEnabled(message.name, message.enabled)),
  'tools.server.save': (message, session) => toolsResult(session, (tools) => tools.saveServer(message.name, message.server, message.previous)),
  'tools.server.remove': (message, session) => toolsResult(session, (tools) => tools.removeServer(message.name)),
  'traces.list': (_, session) => requireTraces(session).list(),
  'traces.spans': ({ key, from }, session) => {
    const page = requireTraces(session).page(key, from);
    if (!page) throw new RequestError('bad_message', 'That conversation is no longer kept: the viewer keeps the most recent ones, while tracing is on.');
    return page;
  },
  'traces.watch': ({ on }, session) => {
    requireTraces(session).watch(on);
  },
  'audio.turns': ({ key }, session) => turnAudio(session, () => session.turnAudio.turns(key)),
  'audio.read': ({ key, turn, from }, session) => turnAudio(session, () => session.turnAudio.read(key, turn, from)),
};

async function turnAudio(session: SessionContext, answer: () => Promise<Reply>): Promise<Reply> {
  try {
    return await answer();
  } catch (error) {
    if (error instanceof TurnAudioUnavailable) throw new RequestError('invalid_state', error.message);
    session.logger.warn('turn audio could not be read', { error: String(error) });
    throw new RequestError('internal', `The audio could not be read: ${String(error)}`, { cause: error });
  }
}

function requireTraces(session: SessionContext): TraceFeed {
  if (!session.traces.available) throw new RequestError('invalid_state', 'This host keeps no spans for the trace viewer.');
  return session.traces;
}

async function saveSettings(session: SessionContext, patch: unknown): Promise<Reply> {
  const settings = session.services.settings;
  if (!settings) throw new RequestError('invalid_state', 'Settings cannot be changed in this host.');
  try {
    const result = await settings.update(patch);
    return { type: 'settings.result', ok: result.ok, errors: result.ok ? {} : result.errors };
  } catch (error) {
    session.logger.error('settings could not be saved', { error: String(error) });
    throw new RequestError('internal', `Settings could not be saved: ${String(error)}`, { cause: error });
  }
}

async function historyList(session: SessionContext, from = 0): Promise<Reply> {
  const history = session.services.history;
  if (!history) throw new RequestError('invalid_state', 'This host keeps no history.');
  try {
    return { type: 'history', ...(await history.listPage(from)) };
  } catch (error) {
    throw new RequestError('internal', `The history could not be read: ${String(error)}`, { cause: error });
  }
}

type ModelsOutcome = { ok: true } | { ok: false; message: string };

/** An operation that has no outcome of its own succeeded once it returned. */
function done(_: unknown): ModelsOutcome {
  return { ok: true };
}

/** Tool changes answer with their outcome (a bad server entry says what is wrong); only a host without tools refuses. */
async function toolsResult(session: SessionContext, operation: (tools: NonNullable<SessionServices['tools']>) => Promise<unknown>): Promise<Reply> {
  const tools = session.services.tools;
  if (!tools) throw new RequestError('invalid_state', 'This host has no tool settings.');
  try {
    const note = await operation(tools);
    return { type: 'tools.result', ok: true, message: typeof note === 'string' ? note.slice(0, 1_000) : '' };
  } catch (error) {
    return { type: 'tools.result', ok: false, message: (error instanceof Error ? error.message : String(error)).slice(0, 1_000) };
  }
}

/** Model operations answer with their outcome, a failure included; only a host without models refuses. */
async function modelsResult(session: SessionContext, operation: (models: NonNullable<SessionServices['models']>) => ModelsOutcome | Promise<ModelsOutcome>): Promise<Reply> {
  const models = session.services.models;
  if (!models) throw new RequestError('invalid_state', 'This host has no on-device models.');
  try {
    const result = await operation(models);
    return { type: 'models.result', ok: result.ok, message: result.ok ? '' : result.message };
  } catch (error) {
    return { type: 'models.result', ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
