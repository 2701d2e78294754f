/**
 * The viewer's turn audio, as plain decisions: whether the chosen turn has
 * audio and why not, where the file sits on the turn's time axis (0 = the
 * turn span's start; the file starts at `startAt`, on the spans' clock, and
 * may start a little before the turn, speech's pre-roll), each lane's sound
 * and the talk-over drawn on that axis, a span's seek target, and the words
 * said of them.
 */
import { CONVERSATION_ID } from '../../../shared/client-messages';
import { AUDIO_MISSING_TEXT, type AudioLane, type AudioMissingReason, type AudioSegment, type TurnAudio } from '../../../shared/turn-audio';

export type KeptAudio = Extract<TurnAudio, { kept: true }>;

/** What the chosen turn has: audio to play, or a sentence saying why none. */
export type TurnAudioStatus = { kind: 'kept'; audio: KeptAudio } | { kind: 'missing'; text: string } | { kind: 'looking' } | { kind: 'failed'; text: string };

/** Where the chosen turn's conversation came from, as far as audio goes. */
export type AudioOrigin = { kind: 'file' } | { kind: 'outside' } | { kind: 'live'; key: string };

export const LANE_LABEL: Readonly<Record<AudioLane, string>> = { user: 'You', assistant: 'Assistant' };

/** Audio is kept by conversation: a live conversation's id, a turn outside any (its key a trace id) has none, nor has a file. */
export function audioOrigin(key: string, conversationId: string | null, fromFile: boolean): AudioOrigin {
  if (fromFile) return { kind: 'file' };
  return conversationId !== null && key === conversationId && CONVERSATION_ID.test(conversationId) ? { kind: 'live', key: conversationId } : { kind: 'outside' };
}

/** The reply of `audio.turns` as far as the viewer needs it. */
export interface AudioTurnsList {
  turns: readonly TurnAudio[];
  reason?: AudioMissingReason | undefined;
}

/**
 * The chosen turn's audio: kept, or why not ("No audio: …"). A turn the list
 * leaves out has none for the conversation's reason, else because capture was off.
 */
export function turnAudioStatus(origin: AudioOrigin, turn: number | null, listed: { list: AudioTurnsList } | { error: string; unavailable?: boolean } | null): TurnAudioStatus {
  if (origin.kind === 'file') return { kind: 'missing', text: 'No audio: trace files never hold audio' };
  if (origin.kind === 'outside') return { kind: 'missing', text: 'No audio: this turn ran outside a conversation, and audio is kept by conversation' };
  if (listed === null) return { kind: 'looking' };
  if ('error' in listed) {
    // Main keeps none here (a host without turn audio): said as the reason, not as an alert.
    if (listed.unavailable) return { kind: 'missing', text: `No audio: ${listed.error.replace(/^./, (c) => c.toLowerCase()).replace(/\.$/, '')}` };
    return { kind: 'failed', text: `The turn audio could not be listed: ${listed.error}` };
  }
  const found = turn === null ? undefined : listed.list.turns.find((t) => t.turn === turn);
  if (found?.kept) return { kind: 'kept', audio: found };
  const reason = found?.reason ?? listed.list.reason ?? 'capture-off';
  return { kind: 'missing', text: `No audio: ${AUDIO_MISSING_TEXT[reason]}` };
}

/** Where the file's first sample sits on the turn's axis (negative: before the turn span starts). */
export function fileOffsetMs(audio: KeptAudio, turnStartMs: number): number {
  return audio.startAt - turnStartMs;
}

/** How far the turn's axis reaches: its spans, and the end of its audio. */
export function axisWithAudio(totalMs: number, audio: KeptAudio | null, offsetMs: number): number {
  return audio ? Math.max(totalMs, offsetMs + audio.durationMs) : totalMs;
}

export interface Interval {
  fromMs: number;
  toMs: number;
}

/** Each lane's sound on the turn's axis, by start, clamped at the axis' 0 (sound wholly before it is left out). */
export function laneIntervals(segments: readonly AudioSegment[], offsetMs: number): Record<AudioLane, Interval[]> {
  const lanes: Record<AudioLane, Interval[]> = { user: [], assistant: [] };
  for (const segment of segments) {
    const toMs = offsetMs + segment.offsetMs + segment.durationMs;
    if (toMs <= 0 || segment.durationMs <= 0) continue;
    lanes[segment.lane].push({ fromMs: Math.max(0, offsetMs + segment.offsetMs), toMs });
  }
  for (const list of Object.values(lanes)) list.sort((a, b) => a.fromMs - b.fromMs);
  return lanes;
}

/** Where both lanes have sound at once (talk-over: the user speaking over the reply), merged, by start. */
export function talkOver(lanes: Record<AudioLane, readonly Interval[]>): Interval[] {
  const out: Interval[] = [];
  for (const a of lanes.user) {
    for (const b of lanes.assistant) {
      const fromMs = Math.max(a.fromMs, b.fromMs);
      const toMs = Math.min(a.toMs, b.toMs);
      if (toMs > fromMs) out.push({ fromMs, toMs });
    }
  }
  out.sort((a, b) => a.fromMs - b.fromMs);
  const merged: Interval[] = [];
  for (const interval of out) {
    const last = merged.at(-1);
    if (last && interval.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, interval.toMs);
    else merged.push({ ...interval });
  }
  return merged;
}

const seconds = (ms: number) => (ms / 1_000).toFixed(1);

/** "You: 0.0–1.6 s, 2.0–2.4 s", or "You: no sound": a lane in words. */
export function laneText(label: string, intervals: readonly Interval[]): string {
  if (intervals.length === 0) return `${label}: no sound`;
  return `${label}: ${intervals.map((i) => `${seconds(i.fromMs)}–${seconds(i.toMs)} s`).join(', ')}`;
}

/** An axis time as a percentage of the axis, within 0–100. */
export function axisPercent(ms: number, totalMs: number): number {
  if (totalMs <= 0) return 0;
  return Math.round(Math.min(100, Math.max(0, (ms / totalMs) * 100)) * 1_000) / 1_000;
}

/** The file time (seconds) to play from for a span starting `spanOffsetMs` into the turn: within the file. */
export function seekSeconds(spanOffsetMs: number, offsetMs: number, audio: KeptAudio): number {
  return Math.min(audio.durationMs, Math.max(0, spanOffsetMs - offsetMs)) / 1_000;
}

/** A file time (seconds) on the turn's axis (ms). */
export function axisMsAt(fileSeconds: number, offsetMs: number): number {
  return offsetMs + fileSeconds * 1_000;
}

/** Where playback is, on the turn's axis, for screen readers: said at each play ("Playing from 1.2 s"), pause, seek and end, not as it moves. */
export function positionText(playing: boolean, ended: boolean, axisMs: number): string {
  if (ended) return 'Played to the end';
  return `${playing ? 'Playing from' : 'Paused at'} ${seconds(Math.max(0, axisMs))} s`;
}

/** "audio-<traceId>-turn-3.flac", or the whole conversation's "audio-<traceId>.flac". */
export function audioFileName(traceId: string, turn: number | null): string {
  return turn === null ? `audio-${traceId}.flac` : `audio-${traceId}-turn-${turn}.flac`;
}

/** "Preparing audio… 40%" while a file arrives, by tens so that it is not said at every page (before its size is known: "Preparing audio…"). */
export function preparingText(loaded: number, total: number | null): string {
  return total ? `Preparing audio… ${Math.floor((loaded / total) * 10) * 10}%` : 'Preparing audio…';
}

/** What the element's error says of a file that does not play. */
export function decodeFailure(error: { code: number; message: string } | null): string {
  const detail = error?.message ? ` (${error.message})` : '';
  // MEDIA_ERR_DECODE (3), MEDIA_ERR_SRC_NOT_SUPPORTED (4): the bytes are not audio the browser decodes.
  return error && error.code !== 3 && error.code !== 4 ? `The audio could not be played${detail}.` : `The audio could not be played: the file could not be decoded${detail}.`;
}
