/**
 * Assistant voice output with a small jitter buffer: playback of a stream
 * starts once enough audio is queued (or it stops growing), gaps are filled
 * with silence, and a flush empties the queue at the next render quantum. A
 * pause holds the queue (silence meanwhile) until playback is resumed.
 */
import { PLAYBACK_PROCESSOR, type PlaybackCommand, type PlaybackReport } from './worklet-messages';

const PREBUFFER_SECONDS = 0.06;
/** Start anyway when no new audio has arrived for this long. */
const MAX_WAIT_SECONDS = 0.12;
/** Never hold more than this much audio (bounded memory). */
const MAX_QUEUED_SECONDS = 120;

class PlaybackProcessor extends AudioWorkletProcessor {
  private queue: Float32Array[] = [];
  private readOffset = 0;
  private queued = 0;
  private stream = -1;
  private playing = false;
  private started = false;
  private played = 0;
  private lastChunkAt = 0;
  private paused = false;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<PlaybackCommand>) => this.command(event.data);
  }

  private command(command: PlaybackCommand): void {
    if (command.type === 'flush') {
      if (this.queued > 0 || this.playing) this.report({ type: 'flushed', stream: this.stream, playedSamples: this.played });
      this.reset();
      this.paused = false;
      return;
    }
    if (command.type === 'pause') {
      this.paused = command.paused;
      return;
    }
    if (command.stream !== this.stream) {
      this.reset();
      this.stream = command.stream;
      this.played = 0;
      this.started = false;
    }
    if (this.queued + command.samples.length > MAX_QUEUED_SECONDS * sampleRate) return;
    this.queue.push(command.samples);
    this.queued += command.samples.length;
    this.lastChunkAt = currentTime;
  }

  private reset(): void {
    this.queue = [];
    this.readOffset = 0;
    this.queued = 0;
    this.playing = false;
  }

  private report(message: PlaybackReport): void {
    this.port.postMessage(message);
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const output = outputs[0];
    const first = output?.[0];
    if (!output || !first) return true;
    if (!this.playing && this.queued > 0) {
      const waited = currentTime - this.lastChunkAt;
      if (this.queued >= PREBUFFER_SECONDS * sampleRate || waited >= MAX_WAIT_SECONDS) this.playing = true;
    }
    let written = 0;
    if (this.playing && !this.paused) {
      while (written < first.length && this.queue.length > 0) {
        const chunk = this.queue[0]!;
        const take = Math.min(first.length - written, chunk.length - this.readOffset);
        first.set(chunk.subarray(this.readOffset, this.readOffset + take), written);
        written += take;
        this.readOffset += take;
        if (this.readOffset >= chunk.length) {
          this.queue.shift();
          this.readOffset = 0;
        }
      }
      this.queued -= written;
      this.played += written;
      if (!this.started && written > 0) {
        this.started = true;
        this.report({ type: 'started', stream: this.stream, playedSamples: this.played });
      }
      if (this.queued === 0) {
        this.playing = false;
        this.report({ type: 'drained', stream: this.stream, playedSamples: this.played });
      }
    }
    first.fill(0, written);
    for (let c = 1; c < output.length; c++) output[c]!.set(first);
    return true;
  }
}

registerProcessor(PLAYBACK_PROCESSOR, PlaybackProcessor);
