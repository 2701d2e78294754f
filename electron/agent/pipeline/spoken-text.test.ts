import { describe, expect, it } from 'vitest';
import { spokenText } from './spoken-text';

const segments = [
  { text: 'The first sentence.', samples: 1_000 },
  { text: 'Then a second one with seven words.', samples: 2_000 },
  { text: 'Never heard.', samples: 500 },
];

describe('spokenText', () => {
  it('keeps whole sentences that played, and the heard share of the one cut off', () => {
    expect(spokenText(segments, 0)).toBe('');
    expect(spokenText(segments, 999)).toBe('The first');
    expect(spokenText(segments, 1_000)).toBe('The first sentence.');
    expect(spokenText(segments, 2_000)).toBe('The first sentence. Then a second');
    expect(spokenText(segments, 10_000)).toBe('The first sentence. Then a second one with seven words. Never heard.');
  });

  it('stops at a sentence that has no audio yet', () => {
    expect(spokenText([{ text: 'Silent so far.', samples: 0 }], 500)).toBe('');
  });
});
