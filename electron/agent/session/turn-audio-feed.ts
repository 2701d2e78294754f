/**
 * A session's view of the turn audio kept on this computer: what is kept of
 * a conversation's turns, and one turn's (or the conversation's) audio as
 * one playable file, a page at a time. Only the conversations this session
 * held are answered: audio is never sent to another session's page. The file
 * being read is kept between its pages (one at a time), so a page costs a
 * slice, not a new rendering.
 */
import type { ServerMessage } from '../../../shared/protocol';
import { AUDIO_PAGE_BYTES, TURN_AUDIO_MIME, type TurnAudio } from '../../../shared/turn-audio';
import type { TurnAudioSink } from './turn-audio-recorder';

type TurnsMessage = Omit<Extract<ServerMessage, { type: 'audio.turns' }>, 'ref'>;
type DataMessage = Omit<Extract<ServerMessage, { type: 'audio.data' }>, 'ref'>;

/** What a session needs of the turn audio store (see turn-audio/turn-audio-store.ts): where its recorder saves, and what its viewer reads. */
export interface SessionTurnAudioStore extends TurnAudioSink {
  /** What is kept of each turn of a conversation, once the turns being saved are (turns it knows nothing of are left out). */
  turns(conversationId: string): Promise<TurnAudio[]>;
  /** One turn's audio (or, `turn` null, the conversation's) as one file; null when none is kept. */
  render(conversationId: string, turn: number | null): Promise<{ bytes: Uint8Array; startAt: number } | null>;
}

export class TurnAudioUnavailable extends Error {}

export class TurnAudioFeed {
  /** The conversations this session held: the only ones whose audio it is sent. */
  private readonly own = new Set<string>();
  private reading: { key: string; turn: number | null; file: Promise<{ bytes: Uint8Array; startAt: number } | null> } | null = null;

  constructor(
    private readonly store: SessionTurnAudioStore | undefined,
    /** The turns of a conversation still being recorded. */
    private readonly recording: (conversationId: string) => readonly number[] = () => [],
  ) {}

  /** A conversation of this session's: its audio may be sent to it. */
  held(conversationId: string): void {
    this.own.add(conversationId);
  }

  async turns(key: string): Promise<TurnsMessage> {
    const store = this.required();
    if (!this.own.has(key)) return { type: 'audio.turns', key, turns: [], reason: 'other-session' };
    const turns = await store.turns(key);
    for (const turn of this.recording(key)) if (!turns.some((t) => t.turn === turn)) turns.push({ turn, kept: false, reason: 'recording' });
    return { type: 'audio.turns', key, turns: turns.sort((a, b) => a.turn - b.turn) };
  }

  /** A page of the file from byte `from`; the file is made on the first page (`from` 0) and kept for the next ones. */
  async read(key: string, turn: number | null, from: number): Promise<DataMessage> {
    const store = this.required();
    if (!this.own.has(key)) throw new TurnAudioUnavailable('That audio belongs to another window or tab and plays only there.');
    if (from === 0 || this.reading?.key !== key || this.reading.turn !== turn) {
      const file = store.render(key, turn);
      this.reading = { key, turn, file };
      file.catch(() => {
        if (this.reading?.file === file) this.reading = null;
      });
    }
    const file = await this.reading.file;
    if (!file) throw new TurnAudioUnavailable(turn === null ? 'No audio is kept of that conversation.' : `No audio is kept of turn ${turn}.`);
    const { bytes, startAt } = file;
    if (from > bytes.length) throw new TurnAudioUnavailable('That page is past the end of the audio.');
    const end = Math.min(bytes.length, from + AUDIO_PAGE_BYTES);
    if (end === bytes.length) this.reading = null;
    return {
      type: 'audio.data',
      key,
      turn,
      mimeType: TURN_AUDIO_MIME,
      startAt,
      data: Buffer.from(bytes.buffer, bytes.byteOffset + from, end - from).toString('base64'),
      from,
      next: end < bytes.length ? end : null,
      total: bytes.length,
    };
  }

  close(): void {
    this.reading = null;
  }

  private required(): SessionTurnAudioStore {
    if (!this.store) throw new TurnAudioUnavailable('This host keeps no turn audio.');
    return this.store;
  }
}
