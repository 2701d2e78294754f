/**
 * The decisions of a turn on its time axis, from its spans alone: when the
 * user stopped speaking, when the turn was taken as finished (the silence
 * window between them), when the reply was first heard, and each
 * interruption (detected, then confirmed or resumed). Each marker has its
 * offset from the turn's start and a sentence that says it in words (what a
 * screen reader reads, and the legend shows). Over a conversation: the
 * end-of-turn delay and how interruptions went.
 */
import { ATTR, EVENT, SPAN } from '../../../shared/telemetry';
import type { ViewerSpan } from '../../../shared/trace-viewer';
import { formatMs, hrToMs, stat, type SpanIndex, type Stat, type TurnRow } from './trace-view';

export type MarkerKind = 'end_of_speech' | 'confirmed' | 'first_audio' | 'interruption_detected' | 'interruption_confirmed' | 'interruption_resumed';

export interface TurnMarker {
  kind: MarkerKind;
  /** From the turn span's start (never before it). */
  offsetMs: number;
  /** What happened, in words: the marker's text equivalent. */
  label: string;
}

/** From the end of speech to the turn's confirmation: the silence the assistant waited for. */
export interface SilenceBand {
  fromMs: number;
  toMs: number;
}

export interface TurnDecisions {
  /** By time; markers at the same moment keep the order they happen in. */
  markers: TurnMarker[];
  silence: SilenceBand | null;
}

/** A short glyph for each kind, shown on the axis and before its words in the legend (never colour alone). */
export const MARKER_GLYPH: Record<MarkerKind, string> = {
  end_of_speech: 'E',
  confirmed: 'C',
  first_audio: 'A',
  interruption_detected: 'I',
  interruption_confirmed: 'X',
  interruption_resumed: 'R',
};

const END_REASON_TEXT: Record<string, string> = { silence: 'the silence window elapsed', push_to_talk: 'push-to-talk released', text: 'a typed message' };

const number = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

const eventsNamed = (span: ViewerSpan, name: string) => span.events.filter((e) => e.name === name);

export function turnDecisions(turn: ViewerSpan, index: SpanIndex): TurnDecisions {
  const origin = hrToMs(turn.startTime);
  const at = (time: readonly [number, number]) => Math.max(0, hrToMs(time) - origin);
  const markers: TurnMarker[] = [];

  const endOfSpeech = eventsNamed(turn, EVENT.endOfSpeech)[0];
  const confirmed = eventsNamed(turn, EVENT.turnConfirmed)[0];
  if (endOfSpeech) {
    const window = number(endOfSpeech.attributes[ATTR.vadSilenceMs]);
    markers.push({ kind: 'end_of_speech', offsetMs: at(endOfSpeech.time), label: `End of speech${window === null ? '' : ` (silence window ${formatMs(window)})`}` });
  }
  if (confirmed) {
    const reason = turn.attributes[ATTR.turnEndReason];
    const why = typeof reason === 'string' ? (END_REASON_TEXT[reason] ?? reason) : null;
    const after = endOfSpeech ? `, ${formatMs(hrToMs(confirmed.time) - hrToMs(endOfSpeech.time))} after the end of speech` : '';
    markers.push({ kind: 'confirmed', offsetMs: at(confirmed.time), label: `Turn confirmed${why ? `: ${why}` : ''}${after}` });
  }

  const heard = index
    .childrenOf(turn.spanId)
    .filter((s) => s.name === SPAN.audioPlayback)
    .flatMap((s) => eventsNamed(s, EVENT.playbackStarted))
    .sort((a, b) => hrToMs(a.time) - hrToMs(b.time))[0];
  const sent = eventsNamed(turn, EVENT.firstAudio)[0];
  if (heard) markers.push({ kind: 'first_audio', offsetMs: at(heard.time), label: 'First audio playing' });
  else if (sent) markers.push({ kind: 'first_audio', offsetMs: at(sent.time), label: 'First audio sent (its playback is not in the trace)' });

  const interruptions: [string, MarkerKind, string][] = [
    [EVENT.interruptionDetected, 'interruption_detected', 'Interruption detected: playback paused'],
    [EVENT.interruptionConfirmed, 'interruption_confirmed', 'Interruption confirmed: the reply stopped'],
    [EVENT.interruptionResumed, 'interruption_resumed', 'Interruption resumed: a false interruption, playback went on'],
  ];
  for (const [name, kind, text] of interruptions)
    for (const event of eventsNamed(turn, name)) {
      const overlap = number(event.attributes[ATTR.interruptionOverlapMs]);
      markers.push({ kind, offsetMs: at(event.time), label: `${text}${overlap === null ? '' : ` (overlap ${formatMs(overlap)})`}` });
    }

  const order = Object.keys(MARKER_GLYPH);
  markers.sort((a, b) => a.offsetMs - b.offsetMs || order.indexOf(a.kind) - order.indexOf(b.kind));
  const silence = endOfSpeech && confirmed && hrToMs(confirmed.time) >= hrToMs(endOfSpeech.time) ? { fromMs: at(endOfSpeech.time), toMs: at(confirmed.time) } : null;
  return { markers, silence };
}

export interface DecisionSummary {
  /** End of speech to confirmation, over the turns that have both. */
  endOfTurn: Stat | null;
  interruptions: { confirmed: number; resumed: number };
}

/** The end-of-turn delay and the interruptions over a conversation's turns; null when no turn recorded either. */
export function decisionSummary(rows: readonly TurnRow[], index: SpanIndex): DecisionSummary | null {
  const turns = rows.map((row) => index.byId.get(row.spanId)).filter((s): s is ViewerSpan => s !== undefined);
  const delays = turns.map((turn) => {
    const end = eventsNamed(turn, EVENT.endOfSpeech)[0];
    const confirmed = eventsNamed(turn, EVENT.turnConfirmed)[0];
    const ms = end && confirmed ? hrToMs(confirmed.time) - hrToMs(end.time) : -1;
    return ms >= 0 ? ms : null;
  });
  const count = (name: string) => turns.reduce((n, turn) => n + eventsNamed(turn, name).length, 0);
  const interruptions = { confirmed: count(EVENT.interruptionConfirmed), resumed: count(EVENT.interruptionResumed) };
  const endOfTurn = stat(delays);
  const detected = count(EVENT.interruptionDetected);
  return endOfTurn || detected > 0 || interruptions.confirmed > 0 || interruptions.resumed > 0 ? { endOfTurn, interruptions } : null;
}
