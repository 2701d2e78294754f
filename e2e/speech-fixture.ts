/**
 * Generates the fake microphone's input: real synthesized speech (espeak-ng),
 * with silence around it, as a 48 kHz mono WAV that Chromium loops.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const GENERATED_DIR = join(import.meta.dirname, '.generated');
export const SPEECH_WAV = join(GENERATED_DIR, 'speech.wav');
export const SPEECH_TEXT = 'Hello there. What is the weather like in Paris today?';
/** Two utterances with a pause between them: two turns. */
export const TWO_UTTERANCES_WAV = join(GENERATED_DIR, 'two-utterances.wav');
export const UTTERANCES = ['Hello there.', 'What is the weather like in Paris today?'] as const;

export function generateSpeechWav(): string {
  mkdirSync(GENERATED_DIR, { recursive: true });
  const raw = join(GENERATED_DIR, 'speech-raw.wav');
  const first = join(GENERATED_DIR, 'first-raw.wav');
  const second = join(GENERATED_DIR, 'second-raw.wav');
  try {
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, SPEECH_TEXT], { stdio: 'pipe' });
    // 48 kHz 16-bit mono, 0.4 s of silence before and 1.2 s after the sentence.
    execFileSync('sox', [raw, '-r', '48000', '-b', '16', '-c', '1', SPEECH_WAV, 'pad', '0.4', '1.2'], { stdio: 'pipe' });
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', first, UTTERANCES[0]], { stdio: 'pipe' });
    execFileSync('espeak-ng', ['-v', 'en-gb', '-s', '150', '-w', second, UTTERANCES[1]], { stdio: 'pipe' });
    // speech, 2 s of silence, speech, 4 s of silence (then Chromium loops the file).
    execFileSync('sox', [first, '-r', '22050', join(GENERATED_DIR, 'first-padded.wav'), 'pad', '0.5', '2'], { stdio: 'pipe' });
    execFileSync('sox', [join(GENERATED_DIR, 'first-padded.wav'), second, '-r', '48000', '-b', '16', '-c', '1', TWO_UTTERANCES_WAV, 'pad', '0', '4'], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `Could not generate the test speech (${String(error)}). Install the Debian packages espeak-ng and sox (bash .ci/run does).`,
    );
  }
  if (!existsSync(SPEECH_WAV) || readFileSync(SPEECH_WAV).byteLength < 48_000) throw new Error('Generated speech WAV is empty.');
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
