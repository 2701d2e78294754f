import { PREEMPTIVE_OUTCOME, type PreemptiveOutcome } from '../../../../shared/telemetry';

/** A voice turn's preemption: its prepared reply used, every one prepared thrown away, or none prepared. */
export function preemptiveOutcome(used: boolean, preparations: number): PreemptiveOutcome {
  if (used) return PREEMPTIVE_OUTCOME.used;
  return preparations > 0 ? PREEMPTIVE_OUTCOME.discarded : PREEMPTIVE_OUTCOME.none;
}
