/**
 * Splits streamed LLM text into what goes to text-to-speech: the first phrase
 * as early as it sounds natural, then whole sentences. The first request need
 * not wait for a sentence's end: it goes at the first clause boundary (comma,
 * semicolon, colon, dash) that leaves at least `minClauseWords` words, or,
 * once `firstPhraseWaitMs` has passed since the first text, at the last word
 * boundary when `minTimedWords` words are there. The sentence splitter's
 * rules hold: a cut is never inside a number ("1,000", "3.14"), a URL or
 * after an abbreviation or initial ("Dr. Smith"), since a boundary needs
 * white space after the mark and the word before it is checked.
 */
import { SentenceSplitter, endsWithAbbreviation, type SentenceSplitterOptions } from './sentence-splitter';

export interface PhraseSplitterOptions extends SentenceSplitterOptions {
  /** Fewest words before a clause boundary that makes a first phrase. */
  minClauseWords?: number;
  /** After this long without a boundary, the first phrase is cut between words. */
  firstPhraseWaitMs?: number;
  /** Fewest words for a first phrase cut by time. */
  minTimedWords?: number;
}

/** A clause mark followed by white space (or a spaced dash), the cut falling after the white space. */
const CLAUSE_BOUNDARY = /(?:[,;:](?=\s)|\s[-–—](?=\s))\s/g;

export class PhraseSplitter {
  private readonly sentences: SentenceSplitter;
  private readonly minClauseWords: number;
  private readonly firstPhraseWaitMs: number;
  private readonly minTimedWords: number;
  private firstPhraseDone = false;
  private firstTextAt: number | null = null;

  constructor(options: PhraseSplitterOptions = {}) {
    this.sentences = new SentenceSplitter(options);
    this.minClauseWords = options.minClauseWords ?? 4;
    this.firstPhraseWaitMs = options.firstPhraseWaitMs ?? 300;
    this.minTimedWords = options.minTimedWords ?? 6;
  }

  /** Adds streamed text that arrived at `at` (ms); returns the phrases it completed. */
  push(text: string, at: number): string[] {
    if (this.firstPhraseDone) return this.sentences.push(text);
    if (text.trim()) this.firstTextAt ??= at;
    const complete = this.sentences.push(text);
    if (complete.length > 0) {
      this.firstPhraseDone = true;
      return complete;
    }
    const end = this.clauseEnd() ?? (this.firstTextAt !== null && at - this.firstTextAt >= this.firstPhraseWaitMs ? this.wordEnd() : null);
    if (end === null) return [];
    this.firstPhraseDone = true;
    return [this.sentences.take(end)];
  }

  /** Returns what is left (the final fragment), if anything. */
  flush(): string | null {
    return this.sentences.flush();
  }

  /** Where the first clause with enough words ends, if one does. */
  private clauseEnd(): number | null {
    const text = this.sentences.pending;
    for (const match of text.matchAll(CLAUSE_BOUNDARY)) {
      const before = text.slice(0, match.index);
      if (wordCount(before) < this.minClauseWords) continue;
      if (endsWithAbbreviation(before.replace(/\.$/, ''))) continue; // "e.g.," leads into what follows
      return match.index + match[0].length;
    }
    return null;
  }

  /** The last word boundary leaving enough words, not after an abbreviation, an initial or between a number's parts. */
  private wordEnd(): number | null {
    const text = this.sentences.pending;
    for (let i = text.length - 1; i > 0; i--) {
      if (!/\s/.test(text[i]!) || /\s/.test(text[i - 1]!)) continue;
      const before = text.slice(0, i);
      if (wordCount(before) < this.minTimedWords) return null;
      if (/[.]$/.test(before) && endsWithAbbreviation(before.slice(0, -1))) continue;
      if (/\d$/.test(before) && /^\s+\d/.test(text.slice(i))) continue; // "10 000"
      return i + 1;
    }
    return null;
  }
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}
