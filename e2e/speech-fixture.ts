/**
 * Generates the fake microphone's input: real synthesized speech (the Flite
 * engine the app bundles), with silence around it, as a 48 kHz 16-bit mono
 * WAV that Chromium loops.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../electron/agent/util/wav';
import { concatSamples, silence, synthesizeSpeech } from '../electron/agent/testing/synthetic-speech';

export const GENERATED_DIR = join(import.meta.dirname, '.generated');
export const SPEECH_WAV = join(GENERATED_DIR, 'speech.wav');
export const SPEECH_TEXT = 'Hello there. What is the weather like in Paris today?';
/** Two utterances with a pause between them: two turns. */
export const TWO_UTTERANCES_WAV = join(GENERATED_DIR, 'two-utterances.wav');
export const UTTERANCES = ['Hello there.', 'What is the weather like in Paris today?'] as const;

/** The rate Chromium's fake capture device is given (it resamples to the context's rate). */
const RATE = 48_000;

function say(text: string, voice: string): Int16Array {
  return synthesizeSpeech(text, { voice, sampleRate: RATE }).samples;
}

export function generateSpeechWav(): string {
  mkdirSync(GENERATED_DIR, { recursive: true });
  // 0.4 s of silence before and 1.2 s after the sentence.
  writeFileSync(SPEECH_WAV, encodeWav(concatSamples(silence(0.4, RATE), say(SPEECH_TEXT, 'slt'), silence(1.2, RATE)), RATE));
  // Speech, 2 s of silence, speech (another voice), 4 s of silence (then Chromium loops the file).
  const [first, second] = UTTERANCES;
  const two = concatSamples(silence(0.5, RATE), say(first, 'slt'), silence(2, RATE), say(second, 'rms'), silence(4, RATE));
  writeFileSync(TWO_UTTERANCES_WAV, encodeWav(two, RATE));
  return SPEECH_WAV;
}

/** Chromium switches that replace the microphone with the generated WAV. */
export function fakeMicrophoneArgs(wav = SPEECH_WAV): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${wav}`,
    '--autoplay-policy=no-user-gesture-required',
  ];
}
