import { describe, expect, it } from 'vitest';
import { AsyncQueue } from './async-queue';

describe('AsyncQueue', () => {
  it('hands items over in order, waiting for them, then null once ended', async () => {
    const queue = new AsyncQueue<string>();
    const first = queue.next();
    queue.push('a');
    queue.push('b');
    queue.end();
    queue.push('ignored');
    expect(await first).toBe('a');
    expect(await queue.next()).toBe('b');
    expect(await queue.next()).toBeNull();
  });

  it('throws a failure before what is still queued', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.fail(new Error('broken'));
    await expect(queue.next()).rejects.toThrow('broken');
  });

  it('wakes a waiting consumer when its signal fires', async () => {
    const queue = new AsyncQueue<number>();
    const controller = new AbortController();
    const waiting = queue.next(controller.signal);
    controller.abort(new Error('barge-in'));
    await expect(waiting).rejects.toThrow('barge-in');
  });

  it('iterates until ended', async () => {
    const queue = new AsyncQueue<number>();
    setTimeout(() => {
      queue.push(1);
      queue.push(2);
      queue.end();
    }, 5);
    const seen: number[] = [];
    for await (const item of queue) seen.push(item);
    expect(seen).toEqual([1, 2]);
  });
});
