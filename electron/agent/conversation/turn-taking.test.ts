/** The turn-taking policy alone, against a recording conversation: when turns start, wait and are interrupted. */
import { describe, expect, it } from 'vitest';
import { readPipelineConfig } from '../pipeline/pipeline-config';
import { StageError } from '../pipeline/stage-error';
import type { TurnInput } from '../pipeline/turn-run';
import { scriptedVad } from '../testing/test-stages';
import { silentLogger } from '../util/logger';
import { ConversationContext } from './conversation-context';
import { unobserved } from './conversation-observer';
import { Turn } from './turn';
import { TurnTaking, interruptedBy, type TurnHost } from './turn-taking';

function setup() {
  const config = readPipelineConfig({}, () => {});
  const started: TurnInput[] = [];
  let active: Turn | null = null;
  let number = 0;
  const host: TurnHost = {
    activeTurn: () => active,
    nextTurnNumber: () => ++number,
    startTurn: (input) => {
      started.push(input);
      active = new Turn({
        number: ++number,
        stream: number,
        sampleRate: 24_000,
        userStoppedAt: null,
        output: { audio() {}, flush() {}, pause() {} },
        emit() {},
        hooks: { replied() {}, playing() {}, ended: () => (active = null) },
      });
    },
    state() {},
    notice() {},
  };
  const policy = new TurnTaking({
    createVad: async () => scriptedVad,
    config: () => config,
    stages: () => new StageError('llm', 'not_configured', 'none here'),
    context: new ConversationContext('', config.context),
    tools: () => ({ tools: [], callTimeoutMs: 1_000 }),
    observer: unobserved,
    logger: silentLogger,
    host,
  });
  return { policy, started, active: () => active };
}

describe('TurnTaking', () => {
  it('a typed message interrupts the reply in progress and is the next turn', () => {
    const { policy, started, active } = setup();
    policy.typed('first');
    const first = active()!;
    policy.typed('second');
    expect(first.signal.aborted).toBe(true);
    expect(started).toEqual([
      { kind: 'text', text: 'first' },
      { kind: 'text', text: 'second' },
    ]);
  });

  it('an announcement waits for the reply in progress, and is a turn once that one has ended', async () => {
    const { policy, started, active } = setup();
    policy.typed('talk');
    policy.announce('Your timer is done.');
    expect(started).toHaveLength(1);
    active()!.interrupt('the user stopped it');
    policy.turnEnded();
    await Promise.resolve();
    expect(started.at(-1)).toEqual({ kind: 'announcement', text: 'Your timer is done.' });
  });

  it('once closed, starts nothing: announcements are dropped and the reply in progress stops', async () => {
    const { policy, started, active } = setup();
    policy.typed('talk');
    const reply = active()!;
    policy.announce('later');
    policy.close();
    expect(reply.signal.aborted).toBe(true);
    policy.announce('after closing');
    policy.turnEnded();
    await Promise.resolve();
    expect(started).toEqual([{ kind: 'text', text: 'talk' }]);
  });

  it('names what interrupted a reply by the reason given: the user, a new message, the end; nothing for other reasons', () => {
    expect(['barge-in', 'push-to-talk', 'new message', 'conversation ended', 'session closed'].map(interruptedBy)).toEqual(['user_speech', 'user_speech', 'new_message', 'end', 'end']);
    expect(interruptedBy('test sound')).toBeUndefined();
    expect(interruptedBy('toString')).toBeUndefined();
  });
});
