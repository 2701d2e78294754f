import { describe, expect, it } from 'vitest';
import { SentenceSplitter } from './sentence-splitter';

function split(deltas: string[]): string[] {
  const splitter = new SentenceSplitter();
  const out = deltas.flatMap((d) => splitter.push(d));
  const last = splitter.flush();
  return last ? [...out, last] : out;
}

function splitByChar(text: string): string[] {
  return split([...text]);
}

describe('SentenceSplitter', () => {
  it('emits each sentence as soon as the next one starts', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('Hello there')).toEqual([]);
    expect(splitter.push('. How are')).toEqual(['Hello there.']);
    expect(splitter.push(' you?')).toEqual([]);
    expect(splitter.flush()).toBe('How are you?');
    expect(splitter.flush()).toBeNull();
  });

  it('gives the same sentences whatever the delta boundaries', () => {
    const text = 'It costs $3.50 today! Really? Yes... and Dr. Smith agrees, e.g. with Mr. J. R. Tolkien. The end';
    const expected = ['It costs $3.50 today!', 'Really?', 'Yes...', 'and Dr. Smith agrees, e.g. with Mr. J. R. Tolkien.', 'The end'];
    expect(split([text])).toEqual(expected);
    expect(splitByChar(text)).toEqual(expected);
  });

  it('keeps numbers, versions, URLs and times together', () => {
    expect(splitByChar('Pi is 3.14159 roughly. Version 2.1.0 is out. See example.com for more. We meet at 10 a.m. tomorrow.')).toEqual([
      'Pi is 3.14159 roughly.',
      'Version 2.1.0 is out.',
      'See example.com for more.',
      'We meet at 10 a.m. tomorrow.',
    ]);
  });

  it('ends a sentence at a number followed by a full stop', () => {
    expect(split(['The year was 2024. Then it changed.'])).toEqual(['The year was 2024.', 'Then it changed.']);
  });

  it('keeps closing quotes and brackets with their sentence', () => {
    expect(split(['He said "stop." Then (quietly.) left.'])).toEqual(['He said "stop."', 'Then (quietly.)', 'left.']);
  });

  it('splits at line breaks, as in lists', () => {
    expect(split(['First item\nSecond item\n\nThird'])).toEqual(['First item', 'Second item', 'Third']);
  });

  it('cuts over-long runs at a clause boundary', () => {
    const long = `${'word '.repeat(30)}and then, ${'more '.repeat(30)}`;
    const parts = new SentenceSplitter({ maxLength: 120 }).push(long);
    expect(parts.length).toBeGreaterThanOrEqual(1);
    expect(parts[0]!.length).toBeLessThanOrEqual(120);
  });

  it('returns nothing for white space only', () => {
    expect(split(['  ', '\n'])).toEqual([]);
  });
});
