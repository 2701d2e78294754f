/**
 * Cancellation helpers for calls that may take long: a Deadline (a signal
 * that fires when the caller aborts or when the call has been idle too long)
 * and a wait that gives up as soon as a signal fires. The platform's own
 * helpers come first: `signal.throwIfAborted()`, `AbortSignal.any`,
 * `AbortSignal.timeout` and `setTimeout` from `node:timers/promises` (which
 * takes a signal).
 */

/**
 * An AbortSignal that fires when `parent` does or when the call has been idle
 * for `idleMs`. `touch()` restarts the idle clock (call it whenever data
 * arrives), so a stream that keeps flowing never times out while one that
 * stalls does; `pause()` stops the clock while the wait is on our side (a
 * disk write), not the server's.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timedOutMs: number | null = null;
  private readonly onParentAbort = () => this.controller.abort(this.parent.reason);

  constructor(
    private readonly parent: AbortSignal,
    private idleMs: number,
  ) {
    if (parent.aborted) this.controller.abort(parent.reason);
    else parent.addEventListener('abort', this.onParentAbort, { once: true });
    this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The idle limit that fired, or null when the deadline has not expired. */
  get timedOutAfterMs(): number | null {
    return this.timedOutMs;
  }

  /** Data arrived (or a new wait begins): restart the idle clock, optionally with a new limit. */
  touch(idleMs = this.idleMs): void {
    this.idleMs = idleMs;
    this.arm();
  }

  /** Stop the idle clock until the next `touch()`. */
  pause(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  dispose(): void {
    this.pause();
    this.parent.removeEventListener('abort', this.onParentAbort);
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.controller.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timedOutMs = this.idleMs;
      this.controller.abort(new Error(`idle for ${this.idleMs} ms`));
    }, this.idleMs);
    this.timer.unref?.();
  }
}

/** Why `signal` fired, as an Error (a reason that is not one becomes "aborted"). */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/**
 * Waits for `promise`, or rejects as soon as `signal` fires: with
 * `onAbort()` when given, else the signal's reason. The promise itself goes
 * on; its outcome is then ignored.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, onAbort: () => Error = () => abortReason(signal)): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
