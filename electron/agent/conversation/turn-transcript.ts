/**
 * What the conversation keeps of one turn: the user's and the assistant's
 * transcript entries, and in the context only what the user actually heard
 * of the reply. Each entry is written final once; an interrupted reply's
 * entry is revised only when the client reports exactly how much played.
 */
import { randomUUID } from 'node:crypto';
import type { ToolUse } from '../../../shared/protocol';
import type { ConversationContext } from './conversation-context';

export interface TranscriptEntry {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  final: boolean;
  /** The reply was cut short; `text` is the part that was heard. */
  interrupted?: boolean;
  /** The tools the reply called. */
  tools?: ToolUse[];
}

export class TurnTranscript {
  private readonly userEntryId = randomUUID();
  private readonly replyEntryId = randomUUID();
  /** The reply as shown so far. */
  private shown = '';
  /** After an interruption: the context's length then, so that a later report can revise what was heard. */
  private revisable: number | null = null;
  /** The tools the reply called so far, shown with every write of the reply. */
  private tools: ToolUse[] = [];

  constructor(
    private readonly context: ConversationContext,
    private readonly write: (entry: TranscriptEntry) => void,
  ) {}

  /** What the user said or typed. */
  user(text: string): void {
    this.write({ id: this.userEntryId, role: 'user', text, final: true });
  }

  /** The reply so far, while it is being written. */
  replyShown(text: string): void {
    this.shown = text;
    this.write({ id: this.replyEntryId, role: 'assistant', text, final: false, ...this.toolsPart() });
  }

  /** The tools the reply has called so far (shown under it). */
  toolsUsed(tools: ToolUse[]): void {
    this.tools = tools;
    this.write({ id: this.replyEntryId, role: 'assistant', text: this.shown, final: false, ...this.toolsPart() });
  }

  /** The whole reply: it is kept as written. */
  replyCompleted(text: string): void {
    this.context.addAssistant(text);
    this.write({ id: this.replyEntryId, role: 'assistant', text, final: true, ...this.toolsPart() });
  }

  private toolsPart(): { tools?: ToolUse[] } {
    return this.tools.length ? { tools: this.tools } : {};
  }

  /** The reply was cut short after `heard`; false when none of it had been shown, so nothing was kept. */
  replyInterrupted(heard: string): boolean {
    if (!this.shown) return false;
    this.context.addAssistant(heard);
    this.write({ id: this.replyEntryId, role: 'assistant', text: heard, final: true, interrupted: true });
    this.revisable = this.context.length;
    return true;
  }

  /** The client reported how much of the interrupted reply played: `heard` is exact now. */
  reviseHeard(heard: string): void {
    const contextLength = this.revisable;
    this.revisable = null;
    if (contextLength !== null && this.context.reviseLastAssistant(heard, contextLength))
      this.write({ id: this.replyEntryId, role: 'assistant', text: heard, final: true, interrupted: true });
  }

  /** A stage failed after `heard` had been sent; the user's words stay answered by what they heard. */
  replyFailed(heard: string, userInContext: boolean): void {
    if (userInContext) this.context.addAssistant(heard);
    if (this.shown) this.write({ id: this.replyEntryId, role: 'assistant', text: heard || this.shown, final: true, interrupted: true });
  }
}
