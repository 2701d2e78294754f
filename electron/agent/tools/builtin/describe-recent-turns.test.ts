import { describe, expect, it } from 'vitest';
import { BuiltinTools } from './builtin-tools';
import { DESCRIBE_RECENT_TURNS, describeRecentTurnsTool, describeTurns, duration, median, ratioWords, type RecentTurnsSource, type TurnSummary } from './describe-recent-turns';

const context = { callId: 'c1', signal: new AbortController().signal };

function turn(number: number, figures: { v2v: number | null; stt: number; token: number; audio: number }, extra: Partial<TurnSummary> = {}): TurnSummary {
  return {
    number,
    input: 'voice',
    voiceToVoiceMs: figures.v2v,
    stt: { ms: figures.stt, firstByteMs: figures.stt - 20 },
    llm: { ms: figures.token + 500, firstTokenMs: figures.token, requests: 1 },
    tts: { ms: figures.audio + 300, firstAudioMs: figures.audio },
    interrupted: false,
    falseInterruptions: 0,
    error: null,
    ...extra,
  };
}

/** Three voice turns; the third waited on speech-to-text about three times its usual and called a tool. */
const TURNS: TurnSummary[] = [
  turn(1, { v2v: 1_210.4, stt: 290, token: 400, audio: 200 }),
  turn(2, { v2v: 1_254, stt: 300, token: 420, audio: 210 }),
  turn(3, { v2v: 1_893.6, stt: 873.2, token: 410, audio: 205 }, { interrupted: true, falseInterruptions: 1, tools: { calls: 1, ms: 120.4, names: ['get_current_time'] } }),
];

describe('describing recent turns', () => {
  it('says each turn newest first, with units, and the stage slowest against its median', () => {
    expect(describeTurns(TURNS, 2).split('\n')).toEqual([
      'The last 2 turns, newest first, compared with the usual of this conversation:',
      'Turn 3: the reply started playing 1.9 s after you stopped speaking. Speech-to-text took 873 ms, its first byte after 853 ms. ' +
        "The model's first token came after 410 ms, its whole reply took 910 ms. Text-to-speech sent its first audio after 205 ms. " +
        'Tools ran for 120 ms (1 call: get_current_time). The reply was interrupted. Playback paused once for a sound that was not speech. ' +
        'Slowest against its usual: speech-to-text took 873 ms, about three times its usual 300 ms.',
      'Turn 2: the reply started playing 1.3 s after you stopped speaking. Speech-to-text took 300 ms, its first byte after 280 ms. ' +
        "The model's first token came after 420 ms, its whole reply took 920 ms. Text-to-speech sent its first audio after 210 ms. " +
        'Every stage took about its usual time.',
    ]);
  });

  it('describes three turns unless asked otherwise, and a typed turn from the message sent', () => {
    const typed = [...TURNS.slice(0, 2), turn(3, { v2v: 640, stt: 0, token: 400, audio: 200 }, { input: 'text', stt: undefined })];
    const text = describeTurns(typed);
    expect(text.split('\n')).toHaveLength(4);
    expect(text).toContain('Turn 3: the reply started playing 640 ms after your message. The model');
    expect(text).not.toContain('Turn 3: the reply started playing 640 ms after your message. Speech-to-text');
  });

  it('has nothing to compare a single turn with, and nothing to say before the first', () => {
    expect(describeTurns([TURNS[0]!])).toBe(
      'Only one turn has finished, so there is nothing to compare it with yet.\n' +
        'Turn 1: the reply started playing 1.2 s after you stopped speaking. Speech-to-text took 290 ms, its first byte after 270 ms. ' +
        "The model's first token came after 400 ms, its whole reply took 900 ms. Text-to-speech sent its first audio after 200 ms.",
    );
    expect(describeTurns([])).toBe('No turn has finished yet, so there are no timings to describe.');
  });

  it('says when no audio played and why a turn failed', () => {
    const failed = turn(4, { v2v: null, stt: 300, token: 400, audio: 200 }, { tts: undefined, llm: { ms: 2_000, firstTokenMs: null, requests: 1 }, error: 'timeout' });
    const text = describeTurns([...TURNS, failed], 1);
    expect(text).toContain('Turn 4: no reply audio played.');
    expect(text).toContain("The model sent no token, its whole reply took 2.0 s. It failed (timeout).");
  });

  it('puts the user words in only when the summary carries them', () => {
    const said = describeTurns([turn(1, { v2v: 900, stt: 300, token: 400, audio: 200 }, { userWords: 'what time is it' })]);
    expect(said).toContain('Turn 1 (you said "what time is it"): the reply');
  });

  it('reads ratios, medians and durations as words a voice can say', () => {
    expect([1.3, 1.9, 2.4, 2.91, 4.4, 12.2].map(ratioWords)).toEqual([
      'about one and a half times',
      'about twice',
      'about two and a half times',
      'about three times',
      'about four times',
      'about 12 times',
    ]);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect([0.4, 873.4, 999.4, 999.6, 1_250, 61_000].map(duration)).toEqual(['0 ms', '873 ms', '999 ms', '1.0 s', '1.3 s', '61.0 s']);
  });
});

describe('the describe_recent_turns tool', () => {
  function source(tracing: boolean): RecentTurnsSource & { on: boolean } {
    const state = { on: tracing, tracing: () => state.on, turns: () => TURNS };
    return state;
  }
  const offered = (tools: BuiltinTools) => tools.tools().map((t) => t.name);

  it('is offered only while tracing is on, and always listed', () => {
    const state = source(false);
    const tools = new BuiltinTools({ announce: () => {}, recentTurns: state });
    expect(offered(tools)).not.toContain(DESCRIBE_RECENT_TURNS);
    expect(tools.listed().map((t) => t.name)).toContain(DESCRIBE_RECENT_TURNS);
    state.on = true;
    expect(offered(tools)).toContain(DESCRIBE_RECENT_TURNS);
    state.on = false;
    expect(offered(tools)).not.toContain(DESCRIBE_RECENT_TURNS);
    tools.dispose();
    const without = new BuiltinTools({ announce: () => {} });
    expect(offered(without)).toEqual(['get_current_time', 'set_timer']);
    without.dispose();
  });

  it('says tracing is off when called anyway, and answers from the turns when it is on', async () => {
    const state = source(false);
    const tool = describeRecentTurnsTool(state);
    expect(tool.type).toBe('function');
    expect(await tool.call({}, context)).toEqual({ text: 'Tracing is off, so there are no timings to describe; it can be turned on in the settings.' });
    state.on = true;
    expect(await tool.call({}, context)).toEqual({ text: describeTurns(TURNS, 3) });
    expect(await tool.call({ turns: 1 }, context)).toEqual({ text: describeTurns(TURNS, 1) });
    expect(await tool.call({ turns: 500 }, context)).toEqual({ text: describeTurns(TURNS, 10) });
  });

  it('refuses a number of turns that is not one', async () => {
    const tool = describeRecentTurnsTool(source(true));
    for (const turns of ['three', 0, -2, Number.NaN]) expect(await tool.call({ turns }, context)).toMatchObject({ isError: true });
  });
});
