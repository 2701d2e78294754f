/**
 * The built-in countdown timer ("set a timer for ten minutes"): the tool
 * starts it and answers at once; when it ends, `announce` says so (the
 * assistant speaks it, and shows it in the conversation). Timers belong to
 * one session and stop with it (`dispose`).
 */
import type { Tool } from '../tool';
import { BUILT_IN } from './current-time';

/** The longest timer: a day. */
export const MAX_TIMER_SECONDS = 24 * 60 * 60;
/** Timers running at once, per session. */
export const MAX_TIMERS = 20;

export interface CountdownTimersOptions {
  /** Says that a timer ended. */
  announce(text: string): void;
  schedule?: (run: () => void, ms: number) => { cancel(): void };
}

export class CountdownTimers {
  readonly tool: Tool;
  private readonly running = new Map<number, { label: string; cancel(): void }>();
  private next = 1;
  private readonly schedule: NonNullable<CountdownTimersOptions['schedule']>;

  constructor(private readonly options: CountdownTimersOptions) {
    this.schedule =
      options.schedule ??
      ((run, ms) => {
        const timer = setTimeout(run, ms);
        timer.unref?.();
        return { cancel: () => clearTimeout(timer) };
      });
    this.tool = {
      name: 'set_timer',
      description: 'Starts a countdown timer; the assistant says so aloud when it ends. Give the duration in seconds (ten minutes is 600).',
      parameters: {
        type: 'object',
        properties: {
          seconds: { type: 'number', description: 'How long the timer runs, in seconds.' },
          label: { type: 'string', description: 'What the timer is for, e.g. "tea" (optional).' },
        },
        required: ['seconds'],
        additionalProperties: false,
      },
      type: 'function',
      source: BUILT_IN,
      call: async (args) => this.start(args),
    };
  }

  get count(): number {
    return this.running.size;
  }

  dispose(): void {
    for (const timer of this.running.values()) timer.cancel();
    this.running.clear();
  }

  private start(args: Record<string, unknown>): { text: string; isError?: boolean } {
    const seconds = typeof args.seconds === 'number' ? args.seconds : Number(args.seconds);
    if (!Number.isFinite(seconds) || seconds < 1 || seconds > MAX_TIMER_SECONDS)
      return { text: `seconds must be a number from 1 to ${MAX_TIMER_SECONDS}, not ${JSON.stringify(args.seconds ?? null)}`, isError: true };
    if (this.running.size >= MAX_TIMERS) return { text: `${MAX_TIMERS} timers are already running; wait for one to end`, isError: true };
    const label = typeof args.label === 'string' ? args.label.trim().slice(0, 80) : '';
    const id = this.next++;
    const duration = spokenDuration(Math.round(seconds));
    const handle = this.schedule(() => {
      this.running.delete(id);
      this.options.announce(label ? `Your ${label} timer is done: ${duration} have passed.` : `Your ${duration} timer is done.`);
    }, Math.round(seconds) * 1000);
    this.running.set(id, { label, cancel: handle.cancel });
    return { text: `Timer ${id}${label ? ` (${label})` : ''} set for ${duration}; I will say so when it ends.` };
  }
}

/** 600 → "10 minutes", 90 → "1 minute 30 seconds". */
export function spokenDuration(totalSeconds: number): string {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const unit = (n: number, word: string) => (n ? [`${n} ${word}${n === 1 ? '' : 's'}`] : []);
  return [...unit(hours, 'hour'), ...unit(minutes, 'minute'), ...unit(seconds, 'second')].join(' ') || '0 seconds';
}
