import { describe, expect, it } from 'vitest';
import { FRAME_DURATION_MS, FRAME_SAMPLES } from '../../../shared/audio-format';
import { FrameKind, decodeAudioFrame } from '../../../shared/audio-frame';
import { readPipelineConfig } from '../pipeline/pipeline-config';
import { SCRIPTED_VAD_ENV, ScriptedMicrophone } from './scripted-microphone';
import { scriptedVad } from './test-stages';

describe('ScriptedMicrophone', () => {
  it('speaks an utterance the scripted detector hears whole: enough speech, then the silence that ends it', async () => {
    const microphone = new ScriptedMicrophone();
    const frames: ArrayBuffer[] = [];
    microphone.speakTo({ receiveAudio: (frame) => frames.push(frame) });
    const decoded = frames.map((frame) => {
      const result = decodeAudioFrame(frame, FrameKind.Microphone);
      if (!result.ok) throw new Error(result.error);
      return result.frame;
    });
    expect(decoded.map((f) => f.seq)).toEqual(decoded.map((_, i) => i));
    const heard = await Promise.all(decoded.map((f) => scriptedVad.isSpeech(f.samples)));
    const speechMs = heard.filter(Boolean).length * FRAME_DURATION_MS;
    const trailingSilenceMs = (heard.length - heard.lastIndexOf(true) - 1) * FRAME_DURATION_MS;
    const { vad } = readPipelineConfig({ ...SCRIPTED_VAD_ENV }, () => {});
    expect(heard.indexOf(false)).toBe(heard.lastIndexOf(true) + 1); // one run of speech, then silence
    expect(speechMs).toBeGreaterThanOrEqual(vad.minSpeechMs);
    expect(trailingSilenceMs).toBeGreaterThan(vad.silenceMs);
    expect(decoded.every((f) => f.samples.length === FRAME_SAMPLES)).toBe(true);
    expect(microphone.sent).toBe(frames.length);
    expect(decodeAudioFrame(microphone.frame(0), FrameKind.Microphone)).toMatchObject({ ok: true, frame: { seq: frames.length } });
  });
});
