import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Deadline, abortReason, untilAborted } from './abort';

describe('Deadline', () => {
  it('fires after the idle limit and says which limit fired', async () => {
    const deadline = new Deadline(new AbortController().signal, 20);
    await once(deadline.signal, 'abort');
    expect(deadline.timedOutAfterMs).toBe(20);
    deadline.dispose();
  });

  it('follows its parent, and then has not timed out', () => {
    const parent = new AbortController();
    const deadline = new Deadline(parent.signal, 60_000);
    parent.abort(new Error('barge-in'));
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as Error).message).toBe('barge-in');
    expect(deadline.timedOutAfterMs).toBeNull();
    deadline.dispose();
  });

  it('starts aborted under an aborted parent', () => {
    const parent = new AbortController();
    parent.abort();
    expect(new Deadline(parent.signal, 60_000).signal.aborted).toBe(true);
  });

  it('does not fire while paused, and fires again once touched', async () => {
    const deadline = new Deadline(new AbortController().signal, 10);
    deadline.pause();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(deadline.signal.aborted).toBe(false);
    deadline.touch(15);
    await once(deadline.signal, 'abort');
    expect(deadline.timedOutAfterMs).toBe(15);
    deadline.dispose();
  });

  it('never fires once disposed', async () => {
    const deadline = new Deadline(new AbortController().signal, 10);
    deadline.dispose();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(deadline.signal.aborted).toBe(false);
  });
});

describe('untilAborted', () => {
  it('gives the promise its value when nothing aborts', async () => {
    expect(await untilAborted(Promise.resolve(7), new AbortController().signal)).toBe(7);
  });

  it('rejects at once on abort, with the reason or the error given, while the promise goes on', async () => {
    const controller = new AbortController();
    const never = new Promise<never>(() => {});
    const waiting = untilAborted(never, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await expect(untilAborted(never, controller.signal, () => new Error('cancelled'))).rejects.toThrow('cancelled');
  });

  it('passes the promise\'s own failure on as an Error', async () => {
    await expect(untilAborted(Promise.reject('plain'), new AbortController().signal)).rejects.toThrow('plain');
  });

  it('turns a reason that is not an Error into one', () => {
    const controller = new AbortController();
    controller.abort('why');
    expect(abortReason(controller.signal).message).toBe('aborted');
  });
});
