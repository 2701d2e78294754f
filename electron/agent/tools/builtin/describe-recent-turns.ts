/**
 * The built-in tool that tells why the last turns went as they did: for each
 * of the conversation's most recent turns, how long the reply took to start
 * playing, what each stage took to its first output, the tools' time,
 * interruptions, and the stage that was slowest against its usual (the
 * conversation's median for that stage), in short sentences with units that
 * a voice can read out. It answers from the spans tracing keeps for the
 * trace viewer, so it is offered only while tracing is on.
 *
 * The formatting is a plain function of turn summaries (`describeTurns`);
 * reading them from the spans is ./recent-turns.ts.
 */
import type { Tool } from '../tool';
import { BUILT_IN } from './current-time';

export const DESCRIBE_RECENT_TURNS = 'describe_recent_turns';

/** Turns described when the model does not say; and the most it may ask for. */
export const DEFAULT_TURNS = 3;
export const MAX_TURNS = 10;

/** A stage whose wait is compared against its usual. */
export type TimedStage = 'stt' | 'llm' | 'tts' | 'tools';

/** One finished turn, as its spans tell it (times in milliseconds). */
export interface TurnSummary {
  number: number;
  /** How the user took the turn: 'voice' or 'text'. */
  input: string;
  /** From the end of speech (or the message sent) to the reply playing; null when no audio played. */
  voiceToVoiceMs: number | null;
  /** Speech-to-text: the whole transcription and its first byte. */
  stt?: { ms: number; firstByteMs: number | null };
  /** The model's first request: its first token and the whole streamed reply. */
  llm?: { ms: number; firstTokenMs: number | null; requests: number };
  /** Text-to-speech's first request: its first audio. */
  tts?: { ms: number; firstAudioMs: number | null };
  /** Tool calls and the time during which at least one ran. */
  tools?: { calls: number; ms: number; names: readonly string[] };
  interrupted: boolean;
  /** Sounds that paused the reply but were not speech. */
  falseInterruptions: number;
  /** The error type of a turn that failed. */
  error: string | null;
  /** What the user said or typed: present only when content capture is on. */
  userWords?: string;
}

const STAGE_NAMES: Record<TimedStage, string> = { stt: 'speech-to-text', llm: "the model's first token", tts: 'the first audio from text-to-speech', tools: 'the tools' };

/** What each stage made the user wait: the figure compared against its usual. */
export function waitOf(turn: TurnSummary, stage: TimedStage): number | null {
  switch (stage) {
    case 'stt':
      return turn.stt?.ms ?? null;
    case 'llm':
      return turn.llm?.firstTokenMs ?? null;
    case 'tts':
      return turn.tts?.firstAudioMs ?? null;
    case 'tools':
      return turn.tools && turn.tools.calls > 0 ? turn.tools.ms : null;
  }
}

/** A stage counts as slow from this many times its usual. */
const SLOW_RATIO = 1.25;

/**
 * The last `count` of `turns` (oldest first as given), newest first, in
 * short sentences; medians are over all of `turns`.
 */
export function describeTurns(turns: readonly TurnSummary[], count: number = DEFAULT_TURNS): string {
  if (turns.length === 0) return 'No turn has finished yet, so there are no timings to describe.';
  const medians = new Map<TimedStage, number>();
  for (const stage of ['stt', 'llm', 'tts', 'tools'] as const) {
    const values = turns.map((t) => waitOf(t, stage)).filter((v): v is number => v !== null);
    if (values.length >= 2) medians.set(stage, median(values));
  }
  const shown = turns.slice(-Math.max(1, count)).reverse();
  const heading =
    turns.length === 1
      ? 'Only one turn has finished, so there is nothing to compare it with yet.'
      : shown.length === 1
        ? 'The last turn, compared with the usual of this conversation:'
        : `The last ${shown.length} turns, newest first, compared with the usual of this conversation:`;
  return [heading, ...shown.map((turn) => describeTurn(turn, medians))].join('\n');
}

function describeTurn(turn: TurnSummary, medians: ReadonlyMap<TimedStage, number>): string {
  const sentences: string[] = [];
  const origin = turn.input === 'text' ? 'your message' : 'you stopped speaking';
  const said = turn.userWords ? ` (${turn.input === 'text' ? 'you typed' : 'you said'} "${turn.userWords}")` : '';
  sentences.push(
    turn.voiceToVoiceMs === null
      ? `Turn ${turn.number}${said}: no reply audio played.`
      : `Turn ${turn.number}${said}: the reply started playing ${duration(turn.voiceToVoiceMs)} after ${origin}.`,
  );
  if (turn.stt) sentences.push(`Speech-to-text took ${duration(turn.stt.ms)}${turn.stt.firstByteMs !== null ? `, its first byte after ${duration(turn.stt.firstByteMs)}` : ''}.`);
  if (turn.llm) {
    const first = turn.llm.firstTokenMs !== null ? `The model's first token came after ${duration(turn.llm.firstTokenMs)}` : 'The model sent no token';
    const requests = turn.llm.requests > 1 ? ` (first of ${turn.llm.requests} requests)` : '';
    sentences.push(`${first}, its whole reply took ${duration(turn.llm.ms)}${requests}.`);
  }
  if (turn.tts) sentences.push(turn.tts.firstAudioMs !== null ? `Text-to-speech sent its first audio after ${duration(turn.tts.firstAudioMs)}.` : `Text-to-speech sent no audio.`);
  if (turn.tools && turn.tools.calls > 0) {
    const names = turn.tools.names.length ? `: ${[...new Set(turn.tools.names)].join(', ')}` : '';
    sentences.push(`Tools ran for ${duration(turn.tools.ms)} (${turn.tools.calls} ${turn.tools.calls === 1 ? 'call' : 'calls'}${names}).`);
  }
  if (turn.interrupted) sentences.push('The reply was interrupted.');
  if (turn.falseInterruptions > 0) sentences.push(`Playback paused ${times(turn.falseInterruptions)} for a sound that was not speech.`);
  if (turn.error) sentences.push(`It failed (${turn.error}).`);
  const slowest = slowestStage(turn, medians);
  if (slowest) {
    const name = STAGE_NAMES[slowest.stage];
    sentences.push(`Slowest against its usual: ${name} took ${duration(slowest.ms)}, ${ratioWords(slowest.ratio)} its usual ${duration(slowest.median)}.`);
  } else if (medians.size > 0) sentences.push('Every stage took about its usual time.');
  return sentences.join(' ');
}

/** The stage with the highest ratio to its median, when that ratio is at least SLOW_RATIO. */
export function slowestStage(turn: TurnSummary, medians: ReadonlyMap<TimedStage, number>): { stage: TimedStage; ms: number; median: number; ratio: number } | null {
  let best: { stage: TimedStage; ms: number; median: number; ratio: number } | null = null;
  for (const [stage, usual] of medians) {
    const ms = waitOf(turn, stage);
    if (ms === null || usual <= 0) continue;
    const ratio = ms / usual;
    if (ratio >= SLOW_RATIO && (!best || ratio > best.ratio)) best = { stage, ms, median: usual, ratio };
  }
  return best;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** "873 ms" under a second, "1.4 s" from there on. */
export function duration(ms: number): string {
  const rounded = Math.round(ms);
  return rounded < 1_000 ? `${rounded} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** "about one and a half times", "about twice", "about three times" (halves below three, whole numbers from there). */
export function ratioWords(ratio: number): string {
  const halves = Math.round(ratio * 2) / 2;
  if (ratio < 2.75) {
    if (halves <= 1.5) return 'about one and a half times';
    if (halves === 2) return 'about twice';
    return 'about two and a half times';
  }
  const whole = Math.round(ratio);
  return `about ${NUMBER_WORDS[whole] ?? String(whole)} times`;
}

function times(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}

/** What the tool needs of tracing. */
export interface RecentTurnsSource {
  /** Whether tracing is on now: the tool is offered only then. */
  tracing(): boolean;
  /** This session's finished turns, oldest first (user words only with content capture on). */
  turns(): readonly TurnSummary[];
}

export function describeRecentTurnsTool(source: RecentTurnsSource): Tool {
  return {
    name: DESCRIBE_RECENT_TURNS,
    description:
      "How the conversation's last turns went, from the app's own traces: how long each reply took to start, what speech-to-text, the model, text-to-speech and tools took, interruptions, and which stage was slower than usual. Use it when the user asks why a reply was slow or how fast you are.",
    parameters: {
      type: 'object',
      properties: { turns: { type: 'integer', minimum: 1, maximum: MAX_TURNS, description: `How many recent turns to describe (default ${DEFAULT_TURNS}).` } },
      additionalProperties: false,
    },
    type: 'function',
    source: BUILT_IN,
    call: async (args) => {
      const count = turnCount(args.turns);
      if (typeof count === 'string') return { text: count, isError: true };
      if (!source.tracing()) return { text: 'Tracing is off, so there are no timings to describe; it can be turned on in the settings.' };
      return { text: describeTurns(source.turns(), count) };
    },
  };
}

/** The number of turns asked for, bounded, or why it is not one. */
function turnCount(value: unknown): number | string {
  if (value === undefined || value === null) return DEFAULT_TURNS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) return `"turns" must be a whole number from 1 to ${MAX_TURNS}.`;
  return Math.min(MAX_TURNS, Math.floor(value));
}
