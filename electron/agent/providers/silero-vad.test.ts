import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import { synthesizeSpeech } from '../testing/synthetic-speech';
import { SileroVoiceActivity } from './silero-vad';

async function decisions(vad: SileroVoiceActivity, audio: Int16Array): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i + FRAME_SAMPLES <= audio.length; i += FRAME_SAMPLES) out.push(await vad.isSpeech(audio.subarray(i, i + FRAME_SAMPLES)));
  return out;
}

describe('Silero voice activity', () => {
  it('hears synthesised speech and not silence or low noise', async () => {
    const voice = synthesizeSpeech('The quick brown fox jumps over the lazy dog.', { sampleRate: INPUT_SAMPLE_RATE }).samples;
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
