/**
 * Microphone capture: getUserMedia -> AudioWorklet -> 20 ms PCM16 frames at
 * 16 kHz, handed to `onFrame` as they are produced.
 */
import { INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import captureWorkletUrl from './capture.worklet.ts?worker&url';
import { closeAudioContext } from './close-audio-context';
import { inputLatencyMs } from './device-latency';
import { CAPTURE_PROCESSOR, type CapturedFrame } from './worklet-messages';

export interface Microphone {
  readonly deviceLabel: string;
  /** What the input adds before a sample is captured, where the browser reports it (see device-latency.ts). */
  readonly inputLatencyMs: number | null;
  stop(): Promise<void>;
}

export class MicrophoneError extends Error {}

export async function startMicrophone(onFrame: (samples: Int16Array) => void, deviceId?: string): Promise<Microphone> {
  if (!navigator.mediaDevices?.getUserMedia)
    throw new MicrophoneError('This page cannot use a microphone (it needs a secure origin such as http://127.0.0.1).');
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        channelCount: 1,
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
        ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
      },
    });
  } catch (error) {
    throw new MicrophoneError(describeMediaError(error));
  }
  let context: AudioContext;
  try {
    context = new AudioContext({ sampleRate: INPUT_SAMPLE_RATE, latencyHint: 'interactive' });
  } catch {
    context = new AudioContext({ latencyHint: 'interactive' });
  }
  try {
    await context.audioWorklet.addModule(captureWorkletUrl);
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, CAPTURE_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1 });
    node.port.onmessage = (event: MessageEvent<CapturedFrame>) => onFrame(new Int16Array(event.data.samples));
    // A muted path to the destination keeps the graph pulling on every engine.
    const mute = context.createGain();
    mute.gain.value = 0;
    source.connect(node).connect(mute).connect(context.destination);
    if (context.state === 'suspended') await context.resume();
    const track = stream.getAudioTracks()[0];
    const label = track?.label ?? 'Microphone';
    const settings = track?.getSettings() as (MediaTrackSettings & { latency?: number }) | undefined;
    return {
      deviceLabel: label,
      inputLatencyMs: inputLatencyMs(settings?.latency, context),
      async stop() {
        node.port.postMessage('stop');
        node.port.onmessage = null;
        source.disconnect();
        stream.getTracks().forEach((track) => track.stop());
        await closeAudioContext(context);
      },
    };
  } catch (error) {
    stream.getTracks().forEach((track) => track.stop());
    await closeAudioContext(context);
    throw new MicrophoneError(`The microphone could not be started: ${String(error)}`);
  }
}

function describeMediaError(error: unknown): string {
  const name = (error as { name?: string } | null)?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Microphone access was denied. Allow microphone access for this app and press Start conversation again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No microphone was found. Connect one (or pick another input device) and try again.';
    case 'NotReadableError':
      return 'The microphone is in use by another program or could not be read.';
    default:
      return `The microphone could not be opened: ${String(error)}`;
  }
}
