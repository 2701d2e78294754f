/**
 * A trace file opened in the viewer: an OTLP/JSON file (the viewer's own
 * download, or what a collector or SDK exported) read in the page, its spans
 * grouped into conversations the way main's span store groups live ones (by
 * `gen_ai.conversation.id`, else by trace). Opened files stay in the page:
 * nothing of them goes to main, the store or an exporter.
 */
import { firstWords } from '../../../shared/first-words';
import { readOtlpJson } from '../../../shared/otlp-json-read';
import { ATTR, SPAN } from '../../../shared/telemetry';
import type { TraceConversation, ViewerSpan } from '../../../shared/trace-viewer';
import { hrToMs } from './trace-view';

/**
 * Largest file opened. The viewer's own download of the longest conversation
 * the store keeps (20,000 spans of the app, about 1 KB each as OTLP/JSON)
 * stays under it; the page holds the text and the parsed spans at once (a few
 * times the file's size), so a larger file would cost the page hundreds of
 * megabytes for more spans than the viewer can usefully show.
 */
export const TRACE_FILE_MAX_BYTES = 32 * 1024 * 1024;

/** Keys of conversations from a file start with this; live ones never do (they are ids or trace ids). */
export const FILE_KEY_PREFIX = 'file:';

export interface OpenedConversation {
  conversation: TraceConversation;
  fileName: string;
  spans: readonly ViewerSpan[];
}

export type TraceFileResult = { ok: true; conversations: OpenedConversation[] } | { ok: false; message: string };

const MIB = 1024 * 1024;
const mebibytes = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

/** Refuses a file by its size alone, before it is read. */
export function tooLarge(fileName: string, bytes: number): string | null {
  return bytes > TRACE_FILE_MAX_BYTES
    ? `${fileName} is too large to open: ${mebibytes(bytes)}, and the viewer opens trace files of at most ${TRACE_FILE_MAX_BYTES / MIB} MiB.`
    : null;
}

/**
 * The conversations of a file's text, newest first, their keys unique to
 * this opening (`opening` counts the files opened in the page).
 */
export function openTraceFile(fileName: string, text: string, opening: number): TraceFileResult {
  const size = tooLarge(fileName, new TextEncoder().encode(text).length);
  if (size) return { ok: false, message: size };
  const read = readOtlpJson(text);
  if (!read.ok) return { ok: false, message: `${fileName} cannot be opened: ${read.message}` };
  if (read.spans.length === 0) return { ok: false, message: `${fileName} holds no spans.` };
  const conversations = group(read.spans)
    .filter((g) => g.turns > 0)
    .map((g) => ({ fileName, spans: g.spans, conversation: { ...g.conversation, key: `${FILE_KEY_PREFIX}${opening}:${g.conversation.key}` } }));
  if (conversations.length === 0) {
    return { ok: false, message: `${fileName} holds no turns: none of its ${read.spans.length} spans is a "${SPAN.turn}" span of this app, so there is nothing to show.` };
  }
  return { ok: true, conversations: conversations.sort((a, b) => b.conversation.startedAt - a.conversation.startedAt) };
}

interface Group {
  conversation: TraceConversation;
  turns: number;
  spans: ViewerSpan[];
  /** Start (ms) of the span the first words came from. */
  wordsAt: number;
}

function group(spans: readonly ViewerSpan[]): Group[] {
  // A trace belongs to the conversation any of its spans names.
  const named = new Map<string, string>();
  for (const span of spans) {
    const id = span.attributes[ATTR.conversationId];
    if (typeof id === 'string' && id && !named.has(span.traceId)) named.set(span.traceId, id);
  }
  // A span written twice (a file of several exports): the later copy.
  const unique = new Map(spans.map((s) => [`${s.traceId}/${s.spanId}`, s]));
  const groups = new Map<string, Group>();
  for (const span of unique.values()) {
    const conversationId = named.get(span.traceId) ?? null;
    const key = conversationId ?? span.traceId;
    let entry = groups.get(key);
    if (!entry) {
      entry = {
        conversation: { key, conversationId, traceId: span.traceId, startedAt: hrToMs(span.startTime), turns: 0, spans: 0, firstWords: null, nextSeq: 0 },
        turns: 0,
        spans: [],
        wordsAt: Infinity,
      };
      groups.set(key, entry);
    }
    entry.spans.push(span);
    const c = entry.conversation;
    c.spans++;
    c.nextSeq = Math.max(c.nextSeq, span.seq + 1);
    c.startedAt = Math.min(c.startedAt, hrToMs(span.startTime));
    if (span.name === SPAN.conversation) c.traceId = span.traceId;
    if (span.name === SPAN.turn && span.attributes[ATTR.turnAbandoned] !== true) c.turns = ++entry.turns;
    const words = firstWords(span.attributes);
    if (words && hrToMs(span.startTime) < entry.wordsAt) {
      c.firstWords = words;
      entry.wordsAt = hrToMs(span.startTime);
    }
  }
  return [...groups.values()];
}

/** Reads a chosen file, refusing one too large before reading it. */
export async function readTraceFile(file: File, opening: number): Promise<TraceFileResult> {
  const size = tooLarge(file.name, file.size);
  if (size) return { ok: false, message: size };
  let text: string;
  try {
    text = await file.text();
  } catch (error) {
    return { ok: false, message: `${file.name} could not be read: ${error instanceof Error ? error.message : String(error)}.` };
  }
  return openTraceFile(file.name, text, opening);
}
