/**
 * Splits streamed LLM text into sentences as it arrives, so that each one can
 * be spoken while the next is still being generated. A sentence ends at . ! ?
 * or … followed by white space (or at a line break), except after common
 * abbreviations, initials and inside numbers; over-long runs are cut at a
 * clause boundary. `flush()` returns the final fragment.
 */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'vs', 'etc', 'e.g', 'i.e', 'eg', 'ie', 'no', 'nos',
  'approx', 'fig', 'inc', 'ltd', 'co', 'corp', 'dept', 'est', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug',
  'sep', 'sept', 'oct', 'nov', 'dec', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'a.m', 'p.m', 'u.s', 'u.k',
]);

export interface SentenceSplitterOptions {
  /** Cut a sentence without end punctuation once it grows this long (characters). */
  maxLength?: number;
}

export class SentenceSplitter {
  private buffer = '';
  private readonly maxLength: number;

  constructor(options: SentenceSplitterOptions = {}) {
    this.maxLength = options.maxLength ?? 240;
  }

  /** Adds streamed text; returns the sentences it completed. */
  push(text: string): string[] {
    this.buffer += text;
    const out: string[] = [];
    for (;;) {
      const end = this.findBoundary();
      if (end < 0) break;
      const sentence = this.buffer.slice(0, end).trim();
      this.buffer = this.buffer.slice(end);
      if (sentence) out.push(sentence);
    }
    return out;
  }

  /** The text not yet returned as a sentence. */
  get pending(): string {
    return this.buffer;
  }

  /** Returns the pending text up to `end` (trimmed) and keeps the rest, for a phrase cut before its sentence ends. */
  take(end: number): string {
    const phrase = this.buffer.slice(0, end).trim();
    this.buffer = this.buffer.slice(end);
    return phrase;
  }

  /** Returns what is left (the final fragment), if anything. */
  flush(): string | null {
    const rest = this.buffer.trim();
    this.buffer = '';
    return rest || null;
  }

  private findBoundary(): number {
    const text = this.buffer;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === '\n') {
        if (text.slice(0, i).trim()) return i + 1;
        continue;
      }
      if (ch !== '.' && ch !== '!' && ch !== '?' && ch !== '…') continue;
      // Swallow runs such as "?!", "..." and closing quotes or brackets.
      let j = i + 1;
      while (j < text.length && /[.!?…"'”’)\]]/.test(text[j]!)) j++;
      if (j >= text.length) return -1; // need the next character to decide
      if (!/\s/.test(text[j]!)) {
        i = j - 1;
        continue; // "3.14", "example.com", "a.m."
      }
      if (ch === '.' && endsWithAbbreviation(text.slice(0, i))) continue;
      return j;
    }
    if (text.length > this.maxLength) return this.clauseBoundary(text);
    return -1;
  }

  private clauseBoundary(text: string): number {
    const window = text.slice(0, this.maxLength);
    const clause = Math.max(window.lastIndexOf(', '), window.lastIndexOf('; '), window.lastIndexOf(': '), window.lastIndexOf(' – '));
    if (clause > this.maxLength / 3) return clause + 2;
    const space = window.lastIndexOf(' ');
    return space > 0 ? space + 1 : this.maxLength;
  }
}

/** Whether `before` ends with a common abbreviation or an initial (a dot after it does not end a sentence). */
export function endsWithAbbreviation(before: string): boolean {
  const word = /([A-Za-z][A-Za-z.]*)$/.exec(before)?.[1];
  if (!word) return false;
  if (word.length === 1 && /[A-Z]/.test(word)) return true; // an initial: "J. Smith"
  return ABBREVIATIONS.has(word.toLowerCase());
}
