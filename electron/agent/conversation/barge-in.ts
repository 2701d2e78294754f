/**
 * Whether sound heard while the reply plays is the user taking the floor.
 * A cough, a click or the assistant's own voice leaking into the microphone
 * must not stop the reply: speech of the minimum length only pauses it, and
 * it is a real interruption once either the voice has gone on for
 * `confirmVoicedMs`, or a quick transcript of it has words in it. Otherwise,
 * when the sound is over, the reply resumes.
 */

/** Voiced time that confirms a barge-in without waiting for words. */
export const CONFIRM_BARGE_IN_MS = 600;

/** What is known about the sound so far. */
export interface BargeInEvidence {
  /** Voiced time since the sound started. */
  voicedMs: number;
  /** The quick transcript of the sound, once it is over and transcribed. */
  transcript?: string;
}

export type BargeInDecision = 'interrupt' | 'resume' | 'wait';

export function decideBargeIn(evidence: BargeInEvidence, confirmVoicedMs = CONFIRM_BARGE_IN_MS): BargeInDecision {
  if (evidence.voicedMs >= confirmVoicedMs) return 'interrupt';
  if (evidence.transcript === undefined) return 'wait';
  return hasWords(evidence.transcript) ? 'interrupt' : 'resume';
}

/**
 * Whether a transcript holds words, not only the annotations speech-to-text
 * engines write for non-speech ("[cough]", "(clicking)", "*sigh*") or punctuation.
 */
export function hasWords(transcript: string): boolean {
  const spoken = transcript.replace(/\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|♪/g, ' ');
  return /[\p{L}\p{N}]/u.test(spoken);
}
