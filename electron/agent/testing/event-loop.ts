import { performance } from 'node:perf_hooks';

/**
 * How busy the event loop was while `work` ran: the share of the time it spent
 * running code rather than waiting for events (Node's event loop utilization).
 * Work done on the loop (a blocking native call, synthesis in JavaScript)
 * keeps it near 1; work done in a worker or a native thread leaves it near 0.
 * Unlike the longest gap between timers, it does not depend on how the
 * machine's other processes are scheduled: time the process spends
 * descheduled while waiting counts as idle, as it is.
 */
export async function eventLoopUtilization<T>(work: () => Promise<T>): Promise<{ result: T; utilization: number; elapsedMs: number }> {
  const before = performance.eventLoopUtilization();
  const started = performance.now();
  const result = await work();
  const elapsedMs = performance.now() - started;
  const { utilization } = performance.eventLoopUtilization(performance.eventLoopUtilization(), before);
  return { result, utilization, elapsedMs };
}

/**
 * How many times a timer of `intervalMs` ran while `work` was pending. Work
 * that held the loop for its whole length lets none run; work that yields
 * between its steps lets the loop serve timers (the audio path's, in the app)
 * all along. A count, not a duration: a loaded machine makes it smaller, never
 * zero while the work really yields.
 */
export async function timerTicksDuring<T>(work: () => Promise<T>, intervalMs = 5): Promise<{ result: T; ticks: number; elapsedMs: number }> {
  let ticks = 0;
  const probe = setInterval(() => ticks++, intervalMs);
  const started = performance.now();
  try {
    const result = await work();
    return { result, ticks, elapsedMs: performance.now() - started };
  } finally {
    clearInterval(probe);
  }
}
