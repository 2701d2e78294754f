import { describe, expect, it } from 'vitest';
import { CountdownTimers, spokenDuration } from './countdown-timers';
import { currentTimeTool, describeTime } from './current-time';

const context = { callId: 'c1', signal: new AbortController().signal };

describe('current time', () => {
  it("says the date and time in the user's time zone", async () => {
    const at = new Date('2026-12-02T20:41:00Z');
    expect(describeTime(at, 'Europe/Paris')).toBe('Wednesday, 2 December 2026, 21:41 (Europe/Paris, GMT+1)');
    expect(describeTime(at, 'America/New_York')).toBe('Wednesday, 2 December 2026, 15:41 (America/New_York, GMT-5)');
    const tool = currentTimeTool({ now: () => at, timeZone: 'Asia/Tokyo' });
    expect(await tool.call({}, context)).toEqual({ text: 'Thursday, 3 December 2026, 05:41 (Asia/Tokyo, GMT+9)' });
  });
});

describe('countdown timers', () => {
  function timers() {
    const said: string[] = [];
    const scheduled: { run: () => void; ms: number; cancelled: boolean }[] = [];
    const made = new CountdownTimers({
      announce: (text) => said.push(text),
      schedule: (run, ms) => {
        const entry = { run, ms, cancelled: false };
        scheduled.push(entry);
        return { cancel: () => (entry.cancelled = true) };
      },
    });
    return { made, said, scheduled };
  }

  it('starts a timer, answers at once, and announces it when it ends', async () => {
    const { made, said, scheduled } = timers();
    const outcome = await made.tool.call({ seconds: 600, label: 'tea' }, context);
    expect(outcome).toEqual({ text: 'Timer 1 (tea) set for 10 minutes; I will say so when it ends.' });
    expect(scheduled[0]!.ms).toBe(600_000);
    expect(said).toEqual([]);
    scheduled[0]!.run();
    expect(said).toEqual(['Your tea timer is done: 10 minutes have passed.']);
    expect(made.count).toBe(0);
  });

  it('refuses a duration that is not one, and stops its timers when disposed', async () => {
    const { made, scheduled } = timers();
    expect(await made.tool.call({ seconds: 'soon' }, context)).toMatchObject({ isError: true });
    expect(await made.tool.call({ seconds: 0 }, context)).toMatchObject({ isError: true });
    expect(await made.tool.call({ seconds: 90 }, context)).toEqual({ text: 'Timer 1 set for 1 minute 30 seconds; I will say so when it ends.' });
    made.dispose();
    expect(scheduled.map((s) => s.cancelled)).toEqual([true]);
  });

  it('reads durations as words', () => {
    expect(spokenDuration(3_661)).toBe('1 hour 1 minute 1 second');
    expect(spokenDuration(7_200)).toBe('2 hours');
  });
});
