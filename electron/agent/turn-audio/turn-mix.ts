/**
 * How kept clips become one playable file: each lane a channel (the user
 * first, the assistant second) at the highest sample rate among them, every
 * clip at its place on the time axis, so what overlapped in the room
 * overlaps in the file. A turn's file spans the turn and every clip that
 * reaches into it (the user starting to speak over the previous reply); a
 * conversation's file plays its turns in order with long silences shortened.
 */
import { StreamingResampler } from '../../../shared/resampler';
import { AUDIO_LANES, type AudioLane, type AudioSegment } from '../../../shared/turn-audio';

/** Where a clip is, without its samples. */
export interface ClipPlace {
  lane: AudioLane;
  /** Its first sample's time, epoch ms. */
  startAt: number;
  durationMs: number;
}

/** A clip placed in the file: `offsetMs` from the file's start. */
export interface PlacedSamples {
  lane: AudioLane;
  offsetMs: number;
  sampleRate: number;
  samples: Float32Array;
}

/** Silence longer than this between turns is shortened to it in a conversation's file. */
export const CONVERSATION_GAP_MS = 1_000;

const endOf = (clip: ClipPlace) => clip.startAt + clip.durationMs;

/** Where each lane has sound in a window from `from` to `to` (epoch ms), as offsets from `from`. */
export function segmentsIn(clips: readonly ClipPlace[], from: number, to: number): AudioSegment[] {
  return clips
    .filter((clip) => clip.startAt < to && endOf(clip) > from)
    .map((clip) => {
      const start = Math.max(clip.startAt, from);
      return { lane: clip.lane, offsetMs: round(start - from), durationMs: round(Math.min(endOf(clip), to) - start) };
    })
    .sort((a, b) => a.offsetMs - b.offsetMs || AUDIO_LANES.indexOf(a.lane) - AUDIO_LANES.indexOf(b.lane));
}

/**
 * A conversation's clips laid end to end in time, silences over
 * CONVERSATION_GAP_MS shortened to it: for each clip (in the order given),
 * its offset in the file; and the file's length.
 */
export function conversationLayout(clips: readonly ClipPlace[]): { offsetsMs: number[]; durationMs: number } {
  const order = clips.map((clip, i) => ({ clip, i })).sort((a, b) => a.clip.startAt - b.clip.startAt);
  const offsetsMs = new Array<number>(clips.length).fill(0);
  let reached = -Infinity; // the latest end so far, in the room's time
  let shift = 0; // how much earlier than in the room the file plays from here on
  for (const { clip, i } of order) {
    const gap = clip.startAt - reached;
    if (reached === -Infinity) shift = clip.startAt;
    else if (gap > CONVERSATION_GAP_MS) shift += gap - CONVERSATION_GAP_MS;
    offsetsMs[i] = round(clip.startAt - shift);
    reached = Math.max(reached, endOf(clip));
  }
  const durationMs = order.length ? round(reached - shift) : 0;
  return { offsetsMs, durationMs };
}

/** The two lanes as 16-bit channels of `durationMs` at the highest rate among the clips; clips past the end are cut. */
export function mixLanes(clips: readonly PlacedSamples[], durationMs: number): { sampleRate: number; channels: [Int16Array, Int16Array] } {
  const sampleRate = Math.max(...clips.map((c) => c.sampleRate), 1);
  const frames = Math.max(1, Math.round((durationMs * sampleRate) / 1000));
  const sums = [new Float32Array(frames), new Float32Array(frames)] as const;
  for (const clip of clips) {
    const samples = clip.sampleRate === sampleRate ? clip.samples : new StreamingResampler(clip.sampleRate, sampleRate).process(clip.samples);
    const sum = sums[clip.lane === 'user' ? 0 : 1];
    const at = Math.round((clip.offsetMs * sampleRate) / 1000);
    const from = Math.max(0, -at);
    const to = Math.min(samples.length, frames - at);
    for (let i = from; i < to; i++) sum[at + i]! += samples[i]!;
  }
  return { sampleRate, channels: [toInt16(sums[0]), toInt16(sums[1])] };
}

function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768)));
  return out;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
