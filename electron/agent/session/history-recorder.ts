/**
 * Keeps a session's conversations in the history: one file per conversation
 * (or per run of typed turns outside one), each entry written once, when it
 * becomes final. A reply cut short (End, barge-in, a new message, the page
 * closing, the host stopping) is kept as far as it was heard, or, when none
 * of it was heard yet, as far as it was shown, and marked interrupted.
 */
import type { ConversationHistory, ConversationRecorder, HistoryEntry } from '../history/conversation-history';
import type { Logger } from '../logger';
import type { TranscriptEntry } from '../pipeline/turn-transcript';

/**
 * Entry ids already written. Ids are unique, so they are never forgotten for a
 * new file: a late revision of an earlier reply must not land in the next one.
 * Bounded: only recent entries can still be revised.
 */
const REMEMBERED_IDS = 256;

export class HistoryRecorder {
  private recording: Promise<ConversationRecorder | null> | null = null;
  private readonly written = new Set<string>();
  /** The text shown so far of the entry still streaming. */
  private shown: { id: string; text: string } | null = null;
  private closed = false;
  /** Every write and end, in order: done when the history on disk is complete. */
  private settled: Promise<void> = Promise.resolve();

  constructor(
    private readonly history: ConversationHistory | undefined,
    private readonly logger: Logger,
  ) {}

  /** A conversation starts: typed turns before it were an exchange of their own. */
  begin(): void {
    this.end();
    this.start();
  }

  /** A transcript update sent to the client; final entries are written. */
  transcript(entry: TranscriptEntry): void {
    if (!this.history) return;
    if (!entry.final) {
      this.shown = { id: entry.id, text: entry.text };
      return;
    }
    const shown = this.shown?.id === entry.id ? this.shown.text : '';
    if (this.shown?.id === entry.id) this.shown = null;
    const text = entry.text.trim() ? entry.text : entry.interrupted ? shown : '';
    if (this.written.has(entry.id) || !text.trim() || this.closed) return;
    this.remember(entry.id);
    if (!this.recording) this.start(); // typed turns outside a conversation
    this.append({ role: entry.role, text, ...(entry.interrupted ? { interrupted: true } : {}) });
  }

  /** The conversation ended: its file is closed; resolves when it is complete on disk. */
  end(): Promise<void> {
    const recording = this.recording;
    this.recording = null;
    if (recording) this.chain(recording, (recorder) => recorder.end(), 'the end of a conversation could not be written');
    return this.settled;
  }

  /** The session is over: nothing more is recorded; resolves when the history on disk is complete. */
  close(): Promise<void> {
    const done = this.end();
    this.closed = true;
    return done;
  }

  private start(): void {
    if (!this.history || this.closed) return;
    this.recording = this.history.begin().catch((error: unknown) => {
      this.logger.warn('the conversation will not be kept: history could not be written', { error: String(error) });
      return null;
    });
  }

  private append(entry: HistoryEntry): void {
    if (this.recording) this.chain(this.recording, (recorder) => recorder.append(entry), 'a turn could not be added to the history');
  }

  private chain(recording: Promise<ConversationRecorder | null>, write: (recorder: ConversationRecorder) => Promise<void>, failure: string): void {
    const previous = this.settled;
    this.settled = recording
      .then(async (recorder) => {
        await previous;
        if (recorder) await write(recorder);
      })
      .catch((error: unknown) => this.logger.warn(failure, { error: String(error) }));
  }

  private remember(id: string): void {
    this.written.add(id);
    if (this.written.size > REMEMBERED_IDS) this.written.delete(this.written.values().next().value!);
  }
}
