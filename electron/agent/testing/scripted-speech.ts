/**
 * An utterance for `scriptedVad`: loud frames it hears as speech, then
 * enough silent frames to end the utterance (with VAD_SILENCE_MS=100 and
 * VAD_MIN_SPEECH_MS=60), fed to a session as the microphone would.
 */
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import { FrameKind, encodeAudioFrame } from '../../../shared/audio-frame';

export function scriptedSpeaker(session: { receiveAudio(frame: ArrayBuffer | ArrayBufferView): void }): () => void {
  let seq = 0;
  const frame = (value: number) =>
    encodeAudioFrame({ kind: FrameKind.Microphone, seq: seq++, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples: new Int16Array(FRAME_SAMPLES).fill(value) });
  return () => {
    for (let i = 0; i < 10; i++) session.receiveAudio(frame(1000));
    for (let i = 0; i < 8; i++) session.receiveAudio(frame(0));
  };
}
