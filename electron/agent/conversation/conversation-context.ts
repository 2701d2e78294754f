/**
 * The conversation as the language model sees it: the system prompt plus the
 * user/assistant history, bounded by a number of turns and a token budget
 * (estimated at four characters per token). Aggregated once per turn.
 */
import type { ChatMessage } from '../pipeline/stages';
import type { AggregatedContext, TurnContext } from '../pipeline/turn-run';

export interface ContextLimits {
  maxTurns: number;
  maxTokens: number;
}


export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

export class ConversationContext implements TurnContext {
  private history: ChatMessage[] = [];

  constructor(
    private systemPrompt: string,
    private readonly limits: ContextLimits,
  ) {}

  addUser(text: string): void {
    this.history.push({ role: 'user', content: text });
    this.prune();
  }

  /** History older than the turn limit can never be sent again: forget it (bounded memory). */
  private prune(): void {
    const keep = this.limits.maxTurns * 2 + 2;
    if (this.history.length > keep * 2) this.history.splice(0, this.history.length - keep);
  }

  /** Records what the assistant actually said (the played part when interrupted). */
  addAssistant(text: string): void {
    if (text.trim()) this.history.push({ role: 'assistant', content: text.trim() });
  }

  /**
   * Sets the reply that ends the history to `text` (adding, replacing or
   * removing it), e.g. once the exact played length of an interrupted reply is
   * known. Refused when the history has moved on since `expectedLength`.
   */
  reviseLastAssistant(text: string, expectedLength = this.history.length): boolean {
    if (this.history.length !== expectedLength) return false;
    const last = this.history.at(-1);
    if (last?.role === 'assistant') {
      if (text.trim()) last.content = text.trim();
      else this.history.pop();
      return true;
    }
    if (last?.role !== 'user') return false;
    this.addAssistant(text);
    return true;
  }

  /** A copy to work on (a reply prepared ahead of time); what it is told does not reach this one. */
  fork(): ConversationContext {
    const copy = new ConversationContext(this.systemPrompt, this.limits);
    copy.history = this.history.map((message) => ({ ...message }));
    return copy;
  }

  /** Forgets the history (a new conversation). */
  clear(): void {
    this.history = [];
  }

  setSystemPrompt(prompt: string): void {
    this.systemPrompt = prompt;
  }

  get length(): number {
    return this.history.length;
  }

  /** The messages for the next request, newest history first kept, within the limits. */
  aggregate(): AggregatedContext {
    const system: ChatMessage[] = this.systemPrompt.trim() ? [{ role: 'system', content: this.systemPrompt.trim() }] : [];
    let budget = this.limits.maxTokens - system.reduce((n, m) => n + estimateTokens(m.content), 0);
    let userTurns = 0;
    const kept: ChatMessage[] = [];
    for (let i = this.history.length - 1; i >= 0; i--) {
      const message = this.history[i]!;
      const cost = estimateTokens(message.content);
      if (message.role === 'user' && ++userTurns > this.limits.maxTurns) break;
      if (cost > budget && kept.length > 0) break;
      budget -= cost;
      kept.unshift(message);
    }
    // Never start the history with an assistant message that lost its question.
    while (kept[0]?.role === 'assistant') kept.shift();
    const messages = [...system, ...kept];
    return {
      messages,
      dropped: this.history.length - kept.length,
      estimatedTokens: messages.reduce((n, m) => n + estimateTokens(m.content), 0),
    };
  }
}
