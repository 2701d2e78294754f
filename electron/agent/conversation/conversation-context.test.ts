import { describe, expect, it } from 'vitest';
import { ConversationContext } from './conversation-context';

describe('ConversationContext', () => {
  it('puts the system prompt first and the history in order', () => {
    const context = new ConversationContext('Be brief.', { maxTurns: 10, maxTokens: 10_000 });
    context.addUser('Hi');
    context.addAssistant('Hello!');
    context.addUser('Weather?');
    expect(context.aggregate().messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Weather?' },
    ]);
  });

  it('keeps only the last turns within the turn limit', () => {
    const context = new ConversationContext('', { maxTurns: 2, maxTokens: 10_000 });
    for (let i = 1; i <= 5; i++) {
      context.addUser(`q${i}`);
      context.addAssistant(`a${i}`);
    }
    context.addUser('q6');
    const { messages, dropped } = context.aggregate();
    expect(messages.map((m) => m.content)).toEqual(['q5', 'a5', 'q6']);
    expect(dropped).toBe(8);
  });

  it('keeps within the token budget, newest first, never starting with an orphan reply', () => {
    const context = new ConversationContext('system', { maxTurns: 100, maxTokens: 60 });
    context.addUser('x'.repeat(200));
    context.addAssistant('y'.repeat(40));
    context.addUser('z'.repeat(40));
    const { messages, estimatedTokens } = context.aggregate();
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[1]!.content).toBe('z'.repeat(40));
    expect(estimatedTokens).toBeLessThanOrEqual(60);
  });

  it('always keeps the newest message even when it alone is over budget', () => {
    const context = new ConversationContext('', { maxTurns: 5, maxTokens: 256 });
    context.addUser('w'.repeat(5_000));
    expect(context.aggregate().messages).toHaveLength(1);
  });

  it('revises an interrupted reply to what was heard, or drops it when nothing was', () => {
    const context = new ConversationContext('', { maxTurns: 5, maxTokens: 1_000 });
    context.addUser('Tell me a story');
    context.addAssistant('Once upon a time there was');
    expect(context.reviseLastAssistant('Once upon a time')).toBe(true);
    expect(context.aggregate().messages.at(-1)).toEqual({ role: 'assistant', content: 'Once upon a time' });
    expect(context.reviseLastAssistant('')).toBe(true);
    expect(context.aggregate().messages.at(-1)?.role).toBe('user');
    // Nothing was thought heard, but the client says some was: the reply comes back.
    expect(context.reviseLastAssistant('Once')).toBe(true);
    expect(context.aggregate().messages.at(-1)).toEqual({ role: 'assistant', content: 'Once' });
    // The conversation moved on: too late to revise.
    const length = context.length;
    context.addUser('Next question');
    expect(context.reviseLastAssistant('Once upon', length)).toBe(false);
  });

  it('ignores empty assistant text', () => {
    const context = new ConversationContext('', { maxTurns: 5, maxTokens: 1_000 });
    context.addAssistant('   ');
    expect(context.length).toBe(0);
  });
});

describe('ConversationContext memory', () => {
  it('forgets history that the turn limit can never send again', () => {
    const context = new ConversationContext('', { maxTurns: 3, maxTokens: 100_000 });
    for (let i = 0; i < 1_000; i++) {
      context.addUser(`q${i}`);
      context.addAssistant(`a${i}`);
    }
    expect(context.length).toBeLessThanOrEqual(4 * (3 * 2 + 2));
    expect(context.aggregate().messages.map((m) => m.content)).toEqual(['q997', 'a997', 'q998', 'a998', 'q999', 'a999']);
  });
});
