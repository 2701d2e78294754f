/**
 * The trace viewer's part of the snapshot: the store's conversations as main
 * last listed them, and the spans and log records fetched of each, with where
 * the next page starts. A pure reducer of the `traces` and `traces.page` messages.
 */
import type { ServerMessage } from '../../../shared/protocol';
import type { TraceConversation, TraceResources, ViewerLog, ViewerSpan } from '../../../shared/trace-viewer';

/** Which reply of the conversation a transcript entry is: the turn's span, and the conversation it is kept under. */
export interface ReplyTurn {
  key: string;
  traceId: string;
  spanId: string;
}

export interface TracesState {
  /** Null until main has listed them. */
  conversations: TraceConversation[] | null;
  resources: TraceResources | null;
  spans: Readonly<Record<string, readonly ViewerSpan[]>>;
  /** The log records made in each conversation's traces. */
  logs: Readonly<Record<string, readonly ViewerLog[]>>;
  /** Seq of the next span (or record) to fetch, by conversation. */
  cursors: Readonly<Record<string, number>>;
  /** The turn each assistant reply belongs to, by transcript entry id. */
  replies: Readonly<Record<string, ReplyTurn>>;
}

export function initialTraces(): TracesState {
  return { conversations: null, resources: null, spans: {}, logs: {}, cursors: {}, replies: {} };
}

type TracesMessage = Extract<ServerMessage, { type: 'traces' | 'traces.page' }>;

export function reduceTraces(state: TracesState, message: TracesMessage): TracesState {
  if (message.type === 'traces') {
    const kept = new Set(message.conversations.map((c) => c.key));
    const keep = <T>(record: Readonly<Record<string, T>>) => Object.fromEntries(Object.entries(record).filter(([key]) => kept.has(key)));
    return { ...state, conversations: message.conversations, resources: message.resources, spans: keep(state.spans), logs: keep(state.logs), cursors: keep(state.cursors) };
  }
  // A page of a conversation no longer listed (dropped meanwhile) is of no use.
  if (state.conversations && !state.conversations.some((c) => c.key === message.key)) return state;
  const cursor = state.cursors[message.key] ?? 0;
  const fresh = message.spans.filter((s) => s.seq >= cursor);
  const freshLogs = (message.logs ?? []).filter((l) => l.seq >= cursor);
  const last = Math.max(message.spans.at(-1)?.seq ?? -1, message.logs?.at(-1)?.seq ?? -1);
  const next = message.next ?? (last >= 0 ? Math.max(cursor, last + 1) : cursor);
  return {
    ...state,
    spans: { ...state.spans, [message.key]: [...(state.spans[message.key] ?? []), ...fresh] },
    ...(freshLogs.length ? { logs: { ...state.logs, [message.key]: [...(state.logs[message.key] ?? []), ...freshLogs] } } : {}),
    cursors: { ...state.cursors, [message.key]: next },
  };
}

/** Remembers which turn a reply belongs to (first seen while that turn ran). */
export function withReply(state: TracesState, entryId: string, turn: ReplyTurn): TracesState {
  if (state.replies[entryId]) return state;
  const entries = Object.entries(state.replies);
  // As many as the transcript keeps.
  const kept = entries.length >= 500 ? Object.fromEntries(entries.slice(-499)) : state.replies;
  return { ...state, replies: { ...kept, [entryId]: turn } };
}

/** Conversations that have spans not fetched yet. */
export function behind(state: TracesState, key: string): boolean {
  const conversation = state.conversations?.find((c) => c.key === key);
  return !!conversation && (state.cursors[key] ?? 0) < conversation.nextSeq;
}
