/**
 * The microphone as a conversation uses it: each captured frame encoded and
 * handed on, counted, and its level measured for the meter, which redraws at
 * most every METER_UPDATE_MS (only the frame it will show is measured).
 */
import { INPUT_SAMPLE_RATE, rmsDbfs } from '../../../shared/audio-format';
import { FrameKind, encodeAudioFrame } from '../../../shared/audio-frame';
import { startMicrophone, type Microphone } from './microphone';

const METER_UPDATE_MS = 66;

export interface MicrophoneFeedOutput {
  /** Whether frames should go out now (a conversation runs and the link is up). */
  accepting(): boolean;
  sendFrame(frame: ArrayBuffer): void;
  onMeter(meter: { levelDbfs: number; framesSent: number }): void;
}

export class MicrophoneFeed {
  private microphone: Microphone | null = null;
  private frameSeq = 0;
  private sent = 0;
  private lastFrame: Int16Array | null = null;
  private meterTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly output: MicrophoneFeedOutput) {}

  get framesSent(): number {
    return this.sent;
  }

  /** What the open microphone's input adds, ms, where the browser reports it. */
  get inputLatencyMs(): number | null {
    return this.microphone?.inputLatencyMs ?? null;
  }

  /** Opens the microphone (throws a message for the user when it cannot); returns its label. */
  async start(deviceId: string | undefined): Promise<string> {
    this.microphone = await startMicrophone((samples) => this.onFrame(samples), deviceId);
    this.frameSeq = 0;
    this.sent = 0;
    return this.microphone.deviceLabel;
  }

  async stop(): Promise<void> {
    const microphone = this.microphone;
    this.microphone = null;
    if (microphone) await microphone.stop();
    this.lastFrame = null;
  }

  /** No more meter updates (the page is going away). */
  dispose(): void {
    if (this.meterTimer) clearTimeout(this.meterTimer);
    this.meterTimer = null;
  }

  private onFrame(samples: Int16Array): void {
    if (!this.output.accepting()) return;
    this.output.sendFrame(encodeAudioFrame({ kind: FrameKind.Microphone, seq: this.frameSeq++, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples }));
    this.sent++;
    this.lastFrame = samples;
    this.meterTimer ??= setTimeout(() => {
      this.meterTimer = null;
      if (!this.lastFrame) return;
      this.output.onMeter({ levelDbfs: rmsDbfs(this.lastFrame), framesSent: this.sent });
    }, METER_UPDATE_MS);
  }
}
