import { describe, expect, it } from 'vitest';
import { PhraseSplitter } from './phrase-splitter';

/** Streams `text` word by word, `stepMs` apart; returns the phrases in order, then the final fragment. */
function stream(text: string, stepMs = 10, splitter = new PhraseSplitter()): string[] {
  const out: string[] = [];
  text.split(/(?<= )/).forEach((token, i) => out.push(...splitter.push(token, i * stepMs)));
  const last = splitter.flush();
  if (last) out.push(last);
  return out;
}

describe('PhraseSplitter', () => {
  it('sends the first clause with enough words at once, then whole sentences', () => {
    expect(stream('Well, the weather today is mild, with some sun: a good day. Take a coat, though, just in case. Bye.')).toEqual([
      'Well, the weather today is mild,',
      'with some sun: a good day.',
      'Take a coat, though, just in case.',
      'Bye.',
    ]);
  });

  it('cuts at a spaced dash or a semicolon too', () => {
    expect(stream('The train leaves at noon – so be on time.')).toEqual(['The train leaves at noon –', 'so be on time.']);
    expect(stream('I looked it up for you; it opens at nine.')).toEqual(['I looked it up for you;', 'it opens at nine.']);
  });

  it('keeps a short opening clause with what follows', () => {
    expect(stream('Sure, here is the answer. It is short.')).toEqual(['Sure, here is the answer.', 'It is short.']);
  });

  it('never cuts inside a number, a URL or after an abbreviation', () => {
    expect(stream('The total comes to 1,250,000 dollars and 3.5 cents. Done.')).toEqual(['The total comes to 1,250,000 dollars and 3.5 cents.', 'Done.']);
    expect(stream('You can read it at https://example.com:8080/docs today. Done.')).toEqual(['You can read it at https://example.com:8080/docs today.', 'Done.']);
    const twoWords = new PhraseSplitter({ minClauseWords: 2 });
    expect(stream('Fruit, e.g., a mango, is sweet. Done.', 10, twoWords)).toEqual(['Fruit, e.g., a mango,', 'is sweet.', 'Done.']);
  });

  it('after the wait, cuts the first phrase between words once there are enough, not after an abbreviation', () => {
    const slow = new PhraseSplitter({ firstPhraseWaitMs: 300, minTimedWords: 6 });
    expect(stream('The one thing you should know about the ancient city is its age.', 100, slow)).toEqual([
      'The one thing you should know',
      'about the ancient city is its age.',
    ]);
    const abbreviation = new PhraseSplitter({ firstPhraseWaitMs: 0, minTimedWords: 6 });
    expect(stream('I asked them to call Dr. Smith tomorrow morning.', 100, abbreviation)).toEqual(['I asked them to call Dr. Smith', 'tomorrow morning.']);
  });

  it('does not cut by time before there are enough words, nor when the text is fast', () => {
    expect(stream('Hi there. Next.', 1_000)).toEqual(['Hi there.', 'Next.']);
    expect(stream('The one thing you should know about the ancient city is its age.', 10)).toEqual(['The one thing you should know about the ancient city is its age.']);
  });
});
