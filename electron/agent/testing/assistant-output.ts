/**
 * What tests of the conversation hand an Assistant as its output: every call
 * kept as a plain event (audio as its sample count), the states in order;
 * and the scripted detector's frames (speech: positive samples).
 */
import { FRAME_SAMPLES } from '../../../shared/audio-format';
import type { SessionState } from '../../../shared/protocol';
import type { AssistantOutput } from '../conversation/assistant';

export type OutputEvent = { type: string; [key: string]: unknown };

/** A 20 ms frame the scripted detector calls speech, one it calls silence, and `n` of either. */
export const speech = () => new Int16Array(FRAME_SAMPLES).fill(1000);
export const silence = () => new Int16Array(FRAME_SAMPLES);
export const of = (n: number, make: () => Int16Array) => Array.from({ length: n }, make);

export function recordingOutput(): { output: AssistantOutput; events: OutputEvent[]; states: SessionState[] } {
  const events: OutputEvent[] = [];
  const states: SessionState[] = [];
  let stream = 1;
  const output: AssistantOutput = {
    state: (state, detail) => {
      states.push(state);
      events.push({ type: 'state', state, detail });
    },
    transcript: (entry) => events.push({ type: 'transcript', ...entry }),
    notice: (level, text) => events.push({ type: 'notice', level, text }),
    audio: (s, seq, samples, sampleRate) => events.push({ type: 'audio', stream: s, seq, samples: samples.length, sampleRate }),
    flush: () => events.push({ type: 'flush' }),
    pause: (paused) => events.push({ type: 'pause', paused }),
    allocateStream: () => stream++,
    turn: (phase, number, s, traceparent) => events.push({ type: 'turn', phase, number, stream: s, traceparent }),
  };
  return { output, events, states };
}
