import { describe, expect, it } from 'vitest';
import { decideBargeIn, hasWords } from './barge-in';

describe('decideBargeIn', () => {
  it('waits on a short sound until it is transcribed, then interrupts on words and resumes on none', () => {
    expect(decideBargeIn({ voicedMs: 240 })).toBe('wait');
    expect(decideBargeIn({ voicedMs: 240, transcript: 'stop' })).toBe('interrupt');
    expect(decideBargeIn({ voicedMs: 240, transcript: '' })).toBe('resume');
    expect(decideBargeIn({ voicedMs: 240, transcript: ' [coughs] ' })).toBe('resume');
  });

  it('interrupts on a long stretch of voice without waiting for words', () => {
    expect(decideBargeIn({ voicedMs: 600 })).toBe('interrupt');
    expect(decideBargeIn({ voicedMs: 599 }, 600)).toBe('wait');
    expect(decideBargeIn({ voicedMs: 300 }, 300)).toBe('interrupt');
  });
});

describe('hasWords', () => {
  it('finds words, in any script, and not in non-speech annotations or punctuation', () => {
    expect(hasWords('wait, no')).toBe(true);
    expect(hasWords('¿qué?')).toBe(true);
    expect(hasWords('42')).toBe(true);
    expect(hasWords('(clicking) [BLANK_AUDIO] *cough* ♪ ... !')).toBe(false);
    expect(hasWords('[cough] hold on')).toBe(true);
  });
});
