/**
 * The trace viewer's turn audio requests to main: what is kept of a
 * conversation's turns (`audio.turns`), and one turn's file, or the whole
 * conversation's, read page by page (`audio.read`) into one FLAC blob. Reads
 * go one at a time, since main keeps one file open per session between its
 * pages; the replies are the viewer's, not the snapshot's.
 */
import type { ServerMessage } from '../../../shared/protocol';
import { TURN_AUDIO_MIME } from '../../../shared/turn-audio';
import { RequestError, type ReplyTo, type RequestMessage } from './pending-requests';

export type AudioTurnsReply = Extract<ServerMessage, { type: 'audio.turns' }>;
type AudioPage = Extract<ServerMessage, { type: 'audio.data' }>;

type AudioRequest = Extract<RequestMessage, { type: 'audio.turns' | 'audio.read' }>;

export interface TurnAudioRequestLink {
  request<M extends AudioRequest>(message: M): Promise<ReplyTo<M>>;
}

/** How much of a file has arrived. */
export type AudioProgress = (loaded: number, total: number) => void;

export interface TurnAudioActions {
  /** What is kept of the conversation's turns (`key`: its conversation id). */
  audioTurns(key: string): Promise<AudioTurnsReply>;
  /** One turn's audio (`turn` null: the whole conversation's) as one FLAC file; rejects with a RequestError. */
  readAudio(key: string, turn: number | null, onProgress?: AudioProgress, signal?: AbortSignal): Promise<Blob>;
}

/** A turn's file is at most this big: far beyond an hour of two-channel FLAC, a bound on a page's claims. */
export const MAX_AUDIO_FILE_BYTES = 2 * 1024 * 1024 * 1024;

export function turnAudioRequests(link: TurnAudioRequestLink): TurnAudioActions {
  // One read at a time: each waits for the one before it to end, however it ended.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    audioTurns: async (key) => {
      const reply = await link.request({ type: 'audio.turns', key });
      if (reply.key !== key) throw new RequestError(`The app answered about another conversation (${reply.key}).`, 'refused');
      return reply;
    },
    readAudio: (key, turn, onProgress, signal) => {
      const read = queue.then(() => readPages(link, key, turn, onProgress, signal));
      queue = read.catch(() => undefined);
      return read;
    },
  };
}

async function readPages(link: TurnAudioRequestLink, key: string, turn: number | null, onProgress?: AudioProgress, signal?: AbortSignal): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let from = 0;
  let total: number | null = null;
  for (;;) {
    if (signal?.aborted) throw new RequestError('The audio was no longer wanted.', 'refused');
    const page = await link.request({ type: 'audio.read', key, turn, from });
    const problem = pageProblem(page, key, turn, from, total);
    if (problem) throw new RequestError(`The audio arrived damaged: ${problem}.`, 'refused');
    total = page.total;
    const bytes = fromBase64(page.data);
    if (page.next !== null ? from + bytes.length !== page.next : from + bytes.length !== total) {
      throw new RequestError(`The audio arrived damaged: a page of ${bytes.length} bytes from ${from} does not reach ${page.next ?? total}.`, 'refused');
    }
    parts.push(bytes);
    from += bytes.length;
    onProgress?.(from, total);
    if (page.next === null) return new Blob(parts, { type: TURN_AUDIO_MIME });
  }
}

/** What is wrong with a page that does not continue the file being read, or null. */
export function pageProblem(page: AudioPage, key: string, turn: number | null, from: number, total: number | null): string | null {
  if (page.key !== key || page.turn !== turn) return 'a page of another file came';
  if (page.from !== from) return `the page starts at ${page.from}, not ${from}`;
  if (total !== null && page.total !== total) return 'the file changed size while it was read';
  if (page.total > MAX_AUDIO_FILE_BYTES) return `the file is too large (${page.total} bytes)`;
  if (page.next !== null && (page.next <= from || page.next >= page.total)) return `the next page (${page.next}) is not after this one`;
  return null;
}

/** Base64 to bytes; throws a RequestError on anything that is not base64. */
export function fromBase64(data: string): Uint8Array<ArrayBuffer> {
  let text: string;
  try {
    text = atob(data);
  } catch {
    throw new RequestError('The audio arrived damaged: a page is not base64.', 'refused');
  }
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
