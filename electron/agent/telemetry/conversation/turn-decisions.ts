/**
 * What the conversation decided about one turn, on its span: the replies
 * prepared during the silence window (started, thrown away, used, and what
 * they saved or wasted), the end of speech and the turn's confirmation, and
 * each sound over the reply (an interruption detected, then confirmed or
 * resumed; a barge-in and what caused it).
 */
import type { Span } from '@opentelemetry/api';
import { ATTR, EVENT } from '../../../../shared/telemetry';
import type { TurnLifecycleEvent } from '../../pipeline/turn-events';
import { preemptiveOutcome } from './preemptive-outcome';

/** The events this records; each only adds to the running turn's span. */
export type TurnDecisionEvent = Extract<
  TurnLifecycleEvent,
  {
    type:
      | 'preemption.started'
      | 'preemption.cancelled'
      | 'preemption.used'
      | 'turn.end_of_speech'
      | 'interruption.detected'
      | 'interruption.confirmed'
      | 'interruption.resumed'
      | 'turn.interrupted'
      | 'turn.false_interruption';
  }
>;

const INTERRUPTION_EVENT = {
  'interruption.detected': EVENT.interruptionDetected,
  'interruption.confirmed': EVENT.interruptionConfirmed,
  'interruption.resumed': EVENT.interruptionResumed,
} as const;

export class TurnDecisions {
  /** Replies prepared for the turn, and the stage requests those thrown away had started. */
  private preparations = 0;
  private wastedRequests = 0;

  constructor(private readonly span: Span) {}

  record(event: TurnDecisionEvent): void {
    const { span } = this;
    switch (event.type) {
      case 'preemption.started':
        this.preparations++;
        span.addEvent(EVENT.preemptiveStarted, undefined, event.at);
        return;
      case 'preemption.cancelled':
        this.wastedRequests += event.requests;
        span.addEvent(EVENT.preemptiveCancelled, { [ATTR.preemptiveReason]: event.reason }, event.at);
        return;
      case 'preemption.used':
        span.setAttribute(ATTR.preemptiveSavedMs, event.savedMs);
        return;
      case 'turn.end_of_speech':
        span.addEvent(EVENT.endOfSpeech, event.silenceMs === undefined ? undefined : { [ATTR.vadSilenceMs]: event.silenceMs }, event.at);
        return;
      case 'interruption.detected':
      case 'interruption.confirmed':
      case 'interruption.resumed':
        span.addEvent(INTERRUPTION_EVENT[event.type], { [ATTR.interruptionOverlapMs]: event.overlapMs }, event.at);
        return;
      case 'turn.interrupted':
        span.addEvent(EVENT.bargeIn, { reason: event.reason }, event.at);
        if (event.by) span.setAttribute(ATTR.turnInterruptedBy, event.by);
        return;
      case 'turn.false_interruption':
        span.addEvent(EVENT.falseInterruption, { [ATTR.pausedMs]: event.pausedMs }, event.at);
    }
  }

  /** When a voice turn starts for real: whether a prepared reply became it, and what the thrown-away ones cost. */
  started(usedPrepared: boolean): void {
    this.span.setAttributes({
      [ATTR.preemptiveOutcome]: preemptiveOutcome(usedPrepared, this.preparations),
      [ATTR.preemptiveWastedRequests]: this.wastedRequests,
    });
  }
}
