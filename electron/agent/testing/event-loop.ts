/**
 * The longest the event loop went without running a timer of `intervalMs`
 * while `work` ran: what a blocking call would cost the audio path.
 */
export async function longestEventLoopGap<T>(work: () => Promise<T>, intervalMs = 5): Promise<{ result: T; gapMs: number; elapsedMs: number }> {
  const started = performance.now();
  let last = started;
  let gapMs = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, intervalMs);
  try {
    const result = await work();
    const end = performance.now();
    return { result, gapMs: Math.max(gapMs, end - last), elapsedMs: end - started };
  } finally {
    clearInterval(probe);
  }
}
