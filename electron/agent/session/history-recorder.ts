/**
 * Keeps a session's conversations in the history: one file per conversation
 * (or per run of typed turns outside one), each entry written once, when it
 * becomes final. A reply cut short (End, barge-in, a new message, the page
 * closing, the host stopping) is kept as far as it was heard, or, when none
 * of it was heard yet, as far as it was shown, and marked interrupted.
 *
 * A write that fails (a full disk) is said in the conversation, once, with
 * its reason; what was not written stays in memory and every later turn
 * tries again, until the user hears that the conversation is saved again.
 */
import type { ConversationHistory, ConversationRecorder, HistoryEntry } from '../history/conversation-history';
import type { Logger } from '../util/logger';
import { notSavedBecause } from '../history/write-failure';
import type { TranscriptEntry } from '../conversation/turn-transcript';

/**
 * Entry ids already written. Ids are unique, so they are never forgotten for a
 * new file: a late revision of an earlier reply must not land in the next one.
 * Bounded: only recent entries can still be revised.
 */
const REMEMBERED_IDS = 256;

export class HistoryRecorder {
  private recording: ConversationRecorder | null = null;
  /** This session's conversations with lines not on disk yet (the running one included). */
  private readonly pending = new Set<ConversationRecorder>();
  private readonly written = new Set<string>();
  /** The text shown so far of the entry still streaming. */
  private shown: { id: string; text: string } | null = null;
  private closed = false;
  /** Whether the user was told that the conversation is not being saved. */
  private failing = false;
  /** Every write and end, in order: done when the history on disk is as complete as it can be. */
  private settled: Promise<void> = Promise.resolve();

  constructor(
    private readonly history: ConversationHistory | undefined,
    private readonly logger: Logger,
    private readonly notice: (level: 'error' | 'info', text: string) => void = () => {},
  ) {}

  /** A conversation starts (kept under `id`, the conversation's own, when given): typed turns before it were an exchange of their own. */
  begin(id?: string): void {
    this.end();
    this.start(id);
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

  /** The conversation ended: its file is closed; resolves when it is complete on disk (or the disk refused it). */
  end(): Promise<void> {
    const recording = this.recording;
    this.recording = null;
    if (recording) this.save((recorder) => (recorder === recording ? recorder.end() : recorder.flush()));
    return this.settled;
  }

  /** The session is over: nothing more is recorded; resolves when the history on disk is complete. */
  close(): Promise<void> {
    const done = this.end();
    this.closed = true;
    return done;
  }

  private start(id?: string): void {
    if (!this.history || this.closed) return;
    this.recording = this.history.begin(id);
    this.pending.add(this.recording);
  }

  private append(entry: HistoryEntry): void {
    const recording = this.recording;
    if (recording) this.save((recorder) => (recorder === recording ? recorder.append(entry) : recorder.flush()));
  }

  /** Writes to the current conversation, and again whatever earlier writes could not, in order. */
  private save(write: (recorder: ConversationRecorder) => Promise<void>): void {
    const recorders = [...this.pending];
    this.settled = this.settled.then(async () => {
      let failure: unknown = null;
      for (const recorder of recorders) {
        try {
          await write(recorder);
        } catch (error) {
          failure ??= error;
        }
        if (recorder.done) this.pending.delete(recorder);
      }
      this.report(failure);
    });
  }

  private report(failure: unknown): void {
    if (failure !== null) {
      this.logger.warn('the conversation could not be written to the history', { error: String(failure) });
      if (!this.failing) this.notice('error', `This conversation is no longer being saved: ${notSavedBecause(failure)}. It is kept in memory, and saving is tried again at the next turn.`);
      this.failing = true;
    } else if (this.failing && ![...this.pending].some((r) => r.behind)) {
      this.failing = false;
      this.notice('info', 'The conversation is being saved again; nothing was lost.');
    }
  }

  private remember(id: string): void {
    this.written.add(id);
    if (this.written.size > REMEMBERED_IDS) this.written.delete(this.written.values().next().value!);
  }
}
