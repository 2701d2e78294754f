/**
 * The built-in tool that tells the date and time where the user is: the
 * computer's time zone (or the one given), in words a voice can read out.
 */
import type { Tool } from '../tool';

export const BUILT_IN = 'built-in';

export interface CurrentTimeOptions {
  now?: () => Date;
  /** IANA time zone; defaults to this computer's. */
  timeZone?: string;
}

export function currentTimeTool(options: CurrentTimeOptions = {}): Tool {
  const now = options.now ?? (() => new Date());
  const timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return {
    name: 'get_current_time',
    description: "The current date, time and day of the week in the user's time zone.",
    parameters: { type: 'object', properties: {}, additionalProperties: false },
    type: 'function',
    source: BUILT_IN,
    call: async () => ({ text: describeTime(now(), timeZone) }),
  };
}

/** "Wednesday, 2 December 2026, 20:41 (Europe/Paris, GMT+1)". */
export function describeTime(at: Date, timeZone: string): string {
  const date = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(at);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  const offset = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'shortOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
  return `${date}, ${time} (${timeZone}${offset ? `, ${offset}` : ''})`;
}
