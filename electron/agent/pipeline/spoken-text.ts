/**
 * What the user actually heard of a reply: the sentences whose audio played in
 * full, plus the share of words of the sentence that was cut off.
 */
export interface SpokenSegment {
  text: string;
  /** Samples of audio synthesised for this sentence (so far). */
  samples: number;
}

export function spokenText(segments: readonly SpokenSegment[], playedSamples: number): string {
  const parts: string[] = [];
  let remaining = Math.max(0, playedSamples);
  for (const segment of segments) {
    if (segment.samples <= 0) break;
    if (remaining >= segment.samples) {
      parts.push(segment.text);
      remaining -= segment.samples;
      continue;
    }
    const words = segment.text.split(/\s+/).filter(Boolean);
    const heard = Math.floor((remaining / segment.samples) * words.length);
    if (heard > 0) parts.push(words.slice(0, heard).join(' '));
    break;
  }
  return parts.join(' ');
}
