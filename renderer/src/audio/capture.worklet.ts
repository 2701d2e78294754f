/**
 * Microphone capture: turns the audio context's input into 20 ms PCM16 frames
 * at 16 kHz. The context normally runs at 16 kHz already (its resampler is
 * band-limited); on engines that refuse that rate, frames are resampled here.
 */
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE, floatToPcm16 } from '../../../shared/audio-format';
import { StreamingResampler } from '../../../shared/resampler';
import { CAPTURE_PROCESSOR, type CapturedFrame } from './worklet-messages';

class CaptureProcessor extends AudioWorkletProcessor {
  private readonly resampler = sampleRate === INPUT_SAMPLE_RATE ? null : new StreamingResampler(sampleRate, INPUT_SAMPLE_RATE);
  private frame = new Float32Array(FRAME_SAMPLES);
  private filled = 0;
  private stopped = false;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<unknown>) => {
      if (event.data === 'stop') this.stopped = true;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    const samples = this.resampler ? this.resampler.process(channel) : channel;
    for (let i = 0; i < samples.length; i++) {
      this.frame[this.filled++] = samples[i] ?? 0;
      if (this.filled === FRAME_SAMPLES) {
        const pcm = floatToPcm16(this.frame);
        const message: CapturedFrame = { samples: pcm.buffer as ArrayBuffer };
        this.port.postMessage(message, [pcm.buffer]);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
