import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES } from '../../../shared/audio-format';
import { decodeWav } from '../pipeline/wav';
import { SileroVoiceActivity } from './silero-vad';

function speech(): Int16Array | null {
  try {
    const wav = execFileSync('sh', ['-c', 'espeak-ng -v en-us --stdout "The quick brown fox jumps over the lazy dog." | sox -t wav - -r 16000 -c 1 -b 16 -t wav -'], { maxBuffer: 10_000_000 });
    return decodeWav(new Uint8Array(wav)).samples;
  } catch {
    return null;
  }
}

async function decisions(vad: SileroVoiceActivity, audio: Int16Array): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i + FRAME_SAMPLES <= audio.length; i += FRAME_SAMPLES) out.push(await vad.isSpeech(audio.subarray(i, i + FRAME_SAMPLES)));
  return out;
}

describe('Silero voice activity', () => {
  it('hears synthesised speech and not silence or low noise', async (context) => {
    const voice = speech();
    if (!voice) return context.skip('espeak-ng and sox are needed to synthesise test speech (bash .ci/run installs them)');
    const vad = await SileroVoiceActivity.load(0.5);
    try {
      const quiet = await decisions(vad, new Int16Array(16_000));
      expect(quiet.filter(Boolean)).toHaveLength(0);
      let seed = 7;
      const noise = Int16Array.from({ length: 16_000 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 200) - 100);
      expect((await decisions(vad, noise)).filter(Boolean).length).toBeLessThan(3);
      vad.reset();
      const heard = await decisions(vad, voice);
      const share = heard.filter(Boolean).length / heard.length;
      expect(share).toBeGreaterThan(0.5);
    } finally {
      await vad.dispose();
    }
  });
});
