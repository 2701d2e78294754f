/**
 * Assistant voice output: PCM16 chunks at any sample rate are resampled to the
 * output context's rate and queued in the playback worklet. `flush()` stops
 * the sound at the next render quantum.
 */
import { pcm16ToFloat } from '../../../shared/audio-format';
import { StreamingResampler } from '../../../shared/resampler';
import playbackWorkletUrl from './playback.worklet.ts?worker&url';
import { closeAudioContext } from './close-audio-context';
import { outputLatencyMs } from './device-latency';
import { PLAYBACK_PROCESSOR, type PlaybackCommand, type PlaybackReport } from './worklet-messages';

export interface PlaybackEvent {
  event: 'started' | 'drained' | 'flushed';
  stream: number;
  playedMs: number;
  /** On `started`: what the audio output adds, where the browser reports it (see device-latency.ts). */
  outputLatencyMs?: number;
}

export class Speaker {
  private context: AudioContext | null = null;
  private node: AudioWorkletNode | null = null;
  private ready: Promise<AudioWorkletNode> | null = null;
  private resampler: { stream: number; sampleRate: number; resampler: StreamingResampler } | null = null;
  /** Highest stream id seen; audio of older (flushed or finished) streams is never played again. */
  private newestStream = -1;
  private outputDevice = '';
  private flushedStream = -1;

  constructor(private readonly onEvent: (event: PlaybackEvent) => void) {}

  /** Creates the output context; call from a user gesture so that audio may start. */
  async prepare(): Promise<void> {
    await this.ensure();
  }

  async play(stream: number, sampleRate: number, samples: Int16Array): Promise<void> {
    if (stream < this.newestStream || stream <= this.flushedStream) return;
    this.newestStream = stream;
    const node = await this.ensure();
    if (stream <= this.flushedStream) return; // flushed while the output was starting
    const context = this.context!;
    if (!this.resampler || this.resampler.stream !== stream || this.resampler.sampleRate !== sampleRate)
      this.resampler = { stream, sampleRate, resampler: new StreamingResampler(sampleRate, context.sampleRate) };
    const resampled = this.resampler.resampler.process(pcm16ToFloat(samples));
    const command: PlaybackCommand = { type: 'chunk', stream, samples: resampled };
    node.port.postMessage(command, [resampled.buffer]);
  }

  /** Plays through another output device ('' for the default), where the browser can. */
  async setOutputDevice(deviceId: string): Promise<void> {
    if (this.outputDevice === deviceId) return;
    this.outputDevice = deviceId;
    const context = this.context as (AudioContext & { setSinkId?: (id: string) => Promise<void> }) | null;
    if (context?.setSinkId) await context.setSinkId(deviceId);
  }

  flush(): void {
    this.flushedStream = this.newestStream;
    this.resampler = null;
    const command: PlaybackCommand = { type: 'flush' };
    this.node?.port.postMessage(command);
  }

  /** Holds playback, keeping what is queued, or goes on with it. */
  pause(paused: boolean): void {
    const command: PlaybackCommand = { type: 'pause', paused };
    this.node?.port.postMessage(command);
  }

  /**
   * A new session numbers its streams from the start again: stop what plays
   * and forget the old session's stream ids, or its replies would be dropped.
   */
  reset(): void {
    this.flush();
    this.newestStream = -1;
    this.flushedStream = -1;
  }

  async close(): Promise<void> {
    this.node?.disconnect();
    await closeAudioContext(this.context);
    this.context = null;
    this.node = null;
    this.ready = null;
  }

  private ensure(): Promise<AudioWorkletNode> {
    this.ready ??= (async () => {
      const context = new AudioContext({ latencyHint: 'interactive' });
      this.context = context;
      const sink = (context as AudioContext & { setSinkId?: (id: string) => Promise<void> }).setSinkId;
      if (this.outputDevice && sink)
        await sink.call(context, this.outputDevice).catch((error: unknown) => console.warn('The chosen speaker could not be used; playing on the default one:', error));
      await context.audioWorklet.addModule(playbackWorkletUrl);
      const node = new AudioWorkletNode(context, PLAYBACK_PROCESSOR, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
      node.port.onmessage = (event: MessageEvent<PlaybackReport>) => {
        const report = event.data;
        const latency = report.type === 'started' ? outputLatencyMs(context) : null;
        this.onEvent({
          event: report.type,
          stream: report.stream,
          playedMs: Math.round((report.playedSamples / context.sampleRate) * 1000),
          ...(latency !== null ? { outputLatencyMs: latency } : {}),
        });
      };
      node.connect(context.destination);
      this.node = node;
      if (context.state === 'suspended') await context.resume();
      return node;
    })();
    return this.ready;
  }
}
