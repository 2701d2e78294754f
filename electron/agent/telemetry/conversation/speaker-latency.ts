/**
 * Voice-to-voice at the speaker: the turn's voice-to-voice (end of speech to
 * the client's report that playback started) plus what the client's audio
 * devices add on both sides, as its report of that start said
 * (renderer/src/audio/device-latency.ts says what each includes).
 */

/** What the client reported its devices add, ms; each absent where its browser does not report it. */
export interface DeviceLatency {
  outputMs?: number;
  inputMs?: number;
}

/**
 * voice-to-voice + the output's latency + the input's where known; null
 * without the output's (then the figure would be no nearer the speaker).
 */
export function voiceToVoiceAtSpeakerMs(voiceToVoiceMs: number, latency: DeviceLatency): number | null {
  if (latency.outputMs === undefined) return null;
  return Math.round((voiceToVoiceMs + latency.outputMs + (latency.inputMs ?? 0)) * 10) / 10;
}
