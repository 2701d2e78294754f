import { describe, expect, it } from 'vitest';
import { rejection } from './rejection';
import { until } from './until';

describe('until', () => {
  it('resolves once the condition holds, polling it', async () => {
    let calls = 0;
    await until(() => ++calls === 3, { intervalMs: 1 });
    expect(calls).toBe(3);
  });

  it('accepts an async condition', async () => {
    let ready = false;
    setTimeout(() => (ready = true), 5);
    await until(async () => ready);
    expect(ready).toBe(true);
  });

  it('gives up after its bound, saying what it waited for and what it saw', async () => {
    const error = await rejection(until(() => false, { what: 'the reply', detail: () => 'seen: state', timeoutMs: 20, intervalMs: 1 }), Error);
    expect(error.message).toBe('timed out after 20 ms waiting for the reply; seen: state');
    const unnamed = await rejection(until(() => 1 > 2, { timeoutMs: 1 }), Error);
    expect(unnamed.message).toMatch(/waiting for \(\) => 1 > 2$/);
  });
});
