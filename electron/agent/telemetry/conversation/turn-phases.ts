/**
 * Where a turn's time goes: from the end of speech (or the message sent) to
 * the transcript, the first token, the first phrase handed to speech, the
 * first audio sent and the first audio playing. Each phase counts once, at
 * its first occurrence; a phase before the origin is known is not counted.
 */
import { ATTR } from '../../../../shared/telemetry';
import { elapsedMs, type ConversationEvent } from '../../pipeline/turn-events';

export type TurnPhase = 'transcript' | 'first_token' | 'first_phrase' | 'first_audio_sent' | 'first_audio_playing';

/** The turn span's attribute for each phase. */
export const PHASE_ATTRIBUTE: Record<TurnPhase, string> = {
  transcript: ATTR.phaseTranscriptMs,
  first_token: ATTR.phaseFirstTokenMs,
  first_phrase: ATTR.phaseFirstPhraseMs,
  first_audio_sent: ATTR.phaseFirstAudioSentMs,
  first_audio_playing: ATTR.phaseFirstAudioPlayingMs,
};

/** The phase an event marks, if any. */
export function phaseOf(event: ConversationEvent): TurnPhase | null {
  switch (event.type) {
    case 'stage.ended':
      return event.stage === 'stt' && event.output !== undefined ? 'transcript' : null;
    case 'stage.first_output':
      return event.stage === 'llm' ? 'first_token' : null;
    case 'stage.started':
      return event.stage === 'tts' ? 'first_phrase' : null;
    case 'turn.audio_sent':
      return 'first_audio_sent';
    case 'turn.playback_started':
      return 'first_audio_playing';
    default:
      return null;
  }
}

/** One turn's phases, as they happen. */
export class TurnPhases {
  private origin: number | null = null;
  private readonly seen = new Set<TurnPhase>();

  /** The user stopped speaking, or a typed message started the turn; the first origin given stays. */
  setOrigin(at: number): void {
    this.origin ??= at;
  }

  /** The attribute and its value when `event` is a phase seen for the first time. */
  record(event: ConversationEvent): { attribute: string; ms: number } | null {
    const phase = phaseOf(event);
    if (phase === null || this.origin === null || this.seen.has(phase)) return null;
    this.seen.add(phase);
    return { attribute: PHASE_ATTRIBUTE[phase], ms: Math.max(0, elapsedMs(this.origin, event.at)) };
  }
}
