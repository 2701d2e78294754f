import { describe, expect, it } from 'vitest';
import { ConversationContext } from './conversation-context';
import { TurnTranscript, type TranscriptEntry } from './turn-transcript';

function setup() {
  const context = new ConversationContext('Be brief.', { maxTurns: 10, maxTokens: 4_000 });
  context.addUser('question');
  const written: TranscriptEntry[] = [];
  const transcript = new TurnTranscript(context, (entry) => written.push(entry));
  const kept = () => context.aggregate().messages.slice(1).map((m) => `${m.role}:${m.content}`);
  const finals = () => written.filter((e) => e.final);
  return { context, transcript, written, kept, finals };
}

describe('TurnTranscript', () => {
  it('writes the user entry and the reply as it grows, then final once, and keeps the reply in context', () => {
    const { transcript, written, kept, finals } = setup();
    transcript.user('question');
    transcript.replyShown('Hello');
    transcript.replyShown('Hello there.');
    transcript.replyCompleted('Hello there.');
    expect(written.map((e) => [e.role, e.text, e.final])).toEqual([
      ['user', 'question', true],
      ['assistant', 'Hello', false],
      ['assistant', 'Hello there.', false],
      ['assistant', 'Hello there.', true],
    ]);
    expect(new Set(written.filter((e) => e.role === 'assistant').map((e) => e.id)).size).toBe(1);
    expect(written[0]!.id).not.toBe(written[1]!.id);
    expect(finals()).toHaveLength(2);
    expect(kept()).toEqual(['user:question', 'assistant:Hello there.']);
  });

  it('keeps only what was heard of an interrupted reply, and revises it once with the exact report', () => {
    const { transcript, written, kept } = setup();
    transcript.replyShown('One two. Three four.');
    expect(transcript.replyInterrupted('One')).toBe(true);
    expect(written.at(-1)).toMatchObject({ text: 'One', final: true, interrupted: true });
    expect(kept()).toEqual(['user:question', 'assistant:One']);
    transcript.reviseHeard('One two.');
    expect(written.at(-1)).toMatchObject({ text: 'One two.', final: true, interrupted: true });
    expect(kept()).toEqual(['user:question', 'assistant:One two.']);
    const count = written.length;
    transcript.reviseHeard('One two. Three four.'); // only the first report counts
    expect(written).toHaveLength(count);
  });

  it('keeps nothing of a reply interrupted before any of it was shown', () => {
    const { transcript, written, kept } = setup();
    expect(transcript.replyInterrupted('')).toBe(false);
    transcript.reviseHeard('anything');
    expect(written).toEqual([]);
    expect(kept()).toEqual(['user:question']);
  });

  it('does not revise once the conversation went on', () => {
    const { context, transcript, written } = setup();
    transcript.replyShown('One two.');
    transcript.replyInterrupted('One');
    context.addUser('next question');
    transcript.reviseHeard('One two.');
    expect(written.filter((e) => e.final)).toHaveLength(1);
  });

  it('on failure, writes what was heard (or shown) as interrupted, and answers the user in context with what was heard', () => {
    const a = setup();
    a.transcript.replyShown('Partly said. Never said.');
    a.transcript.replyFailed('Partly said.', true);
    expect(a.written.at(-1)).toMatchObject({ text: 'Partly said.', final: true, interrupted: true });
    expect(a.kept()).toEqual(['user:question', 'assistant:Partly said.']);

    const b = setup();
    b.transcript.replyShown('Shown but not heard.');
    b.transcript.replyFailed('', true);
    expect(b.written.at(-1)).toMatchObject({ text: 'Shown but not heard.', interrupted: true });

    const c = setup(); // the transcript failed: there is no user turn to answer, nothing was shown
    c.transcript.replyFailed('', false);
    expect(c.written).toEqual([]);
    expect(c.kept()).toEqual(['user:question']);
  });
});
