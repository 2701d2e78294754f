import { describe, expect, it } from 'vitest';
import type { Tool } from '../tools/tool';
import { PreemptiveReply } from './preemptive-reply';
import { eventTime } from '../pipeline/turn-events';
import type { TurnResult, TurnSink } from '../pipeline/turn-run';

const utterance = { turn: 3, audio: Int16Array.from([1, 2, 3]), speechMs: 300, stoppedAt: 0, endedBy: 'silence' as const };

function recordingSink(into: string[]): TurnSink {
  return {
    userText: (text) => into.push(`user:${text}`),
    replyText: (text) => into.push(`reply:${text}`),
    audio: (samples) => into.push(`audio:${samples.length}`),
  };
}

/** A pipeline that produces what the test tells it to, when it is told to. */
function scriptedRun() {
  let finish!: (result: TurnResult) => void;
  let reply!: PreemptiveReply;
  const created = new PreemptiveReply(utterance, (r) => {
    reply = r;
    return new Promise((resolve) => (finish = resolve));
  });
  return { reply: created, sink: () => reply.sink, finish: (status: TurnResult['status']) => finish({ status, userText: null, replyText: '', segments: [], usage: null, toolCalls: [] }) };
}

const clock: Tool = {
  name: 'clock',
  description: 'the time',
  parameters: { type: 'object', properties: {} },
  type: 'function',
  source: 'built-in',
  call: async () => ({ text: 'noon' }),
};

describe('PreemptiveReply', () => {
  it('holds what the pipeline produces until confirmed, then passes it on in order and the rest as it comes', () => {
    const { reply, sink } = scriptedRun();
    sink().userText('hello');
    sink().replyText('Hi');
    sink().audio(new Int16Array(10), 24_000);
    const seen: string[] = [];
    reply.confirm(recordingSink(seen), new AbortController().signal);
    expect(seen).toEqual(['user:hello', 'reply:Hi', 'audio:10']);
    sink().audio(new Int16Array(5), 24_000);
    expect(seen.at(-1)).toBe('audio:5');
  });

  it('saves, by its own timings, the time to its first audio when that was ready by confirmation, else the time it ran', () => {
    const { reply, sink } = scriptedRun();
    // No audio yet: had the work started at confirmation, it would be exactly that much behind.
    expect(reply.savedMsAt(reply.startedAt + 250)).toBe(250);
    sink().audio(new Int16Array(10), 24_000);
    const after = eventTime();
    // Audio ready: a later confirmation saves no more than the time to that audio.
    const saved = reply.savedMsAt(after + 1_000);
    expect(saved).toBe(reply.savedMsAt(after + 60_000));
    expect(saved).toBeLessThanOrEqual(Math.ceil(after - reply.startedAt));
    // Confirmed before the audio was ready: the time it ran until then.
    expect(reply.savedMsAt(reply.startedAt)).toBe(0);
  });

  it('aborts everything on cancel and keeps nothing of it', () => {
    const { reply, sink } = scriptedRun();
    sink().replyText('Hi');
    reply.cancel('the user went on');
    sink().replyText('Hi there');
    expect(reply.signal.aborted).toBe(true);
    expect(() => reply.confirm(recordingSink([]), new AbortController().signal)).toThrow();
  });

  it("stops with the turn's signal once confirmed", () => {
    const { reply } = scriptedRun();
    const turn = new AbortController();
    reply.confirm(recordingSink([]), turn.signal);
    expect(reply.signal.aborted).toBe(false);
    turn.abort(new Error('barge-in'));
    expect(reply.signal.aborted).toBe(true);
  });

  it('is used only for exactly the audio it was prepared from', () => {
    const { reply } = scriptedRun();
    expect(reply.matches(Int16Array.from([1, 2, 3]))).toBe(true);
    expect(reply.matches(Int16Array.from([1, 2, 4]))).toBe(false);
    expect(reply.matches(Int16Array.from([1, 2, 3, 0]))).toBe(false);
  });

  it('runs a tool call only after confirmation; a cancelled reply never runs it', async () => {
    const first = scriptedRun();
    const [held] = first.reply.holdTools({ tools: [clock], callTimeoutMs: 1_000 })!.tools;
    let settled = false;
    const call = held!.call({}, { callId: 'a', signal: new AbortController().signal }).then((outcome) => ((settled = true), outcome));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toBe(false);
    first.reply.confirm(recordingSink([]), new AbortController().signal);
    await expect(call).resolves.toEqual({ text: 'noon' });

    const second = scriptedRun();
    const [dropped] = second.reply.holdTools({ tools: [clock], callTimeoutMs: 1_000 })!.tools;
    const never = dropped!.call({}, { callId: 'b', signal: new AbortController().signal });
    second.reply.cancel('the user went on');
    await expect(never).rejects.toThrow('the user went on');
    expect(dropped!.name).toBe('clock'); // the rest of the tool is the tool's
  });
});
