/**
 * What the audio devices add to the time a person hears, as the browser
 * reports it, in milliseconds. Each figure is null where the browser does not
 * report its main part (then nothing is guessed).
 */

/** The parts of an AudioContext that report latency (seconds); either may be missing. */
export interface ContextLatency {
  readonly outputLatency?: number;
  readonly baseLatency?: number;
}

/** Longest figure taken as a latency; a larger report is not believed. */
const MAX_LATENCY_S = 10;

/**
 * Output: the context's outputLatency (from the moment the audio graph renders
 * a sample until the device plays it: the system's mixer and the device) plus
 * its baseLatency (the context's own buffering before that). Null where
 * outputLatency is not reported.
 */
export function outputLatencyMs(context: ContextLatency): number | null {
  const output = seconds(context.outputLatency);
  if (output === null) return null;
  return toMs(output + (seconds(context.baseLatency) ?? 0));
}

/**
 * Input: the microphone track's latency (MediaTrackSettings.latency: from the
 * sound at the device to the track's samples, as the browser estimates it)
 * plus the capture context's baseLatency (its buffering before the capture
 * worklet). Null where the track's latency is not reported.
 */
export function inputLatencyMs(trackLatency: number | undefined, context: ContextLatency): number | null {
  const track = seconds(trackLatency);
  if (track === null) return null;
  return toMs(track + (seconds(context.baseLatency) ?? 0));
}

function seconds(value: number | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_LATENCY_S ? value : null;
}

function toMs(value: number): number {
  return Math.round(value * 10_000) / 10;
}
