/**
 * Deadlines for provider calls: an AbortSignal that fires when the turn is
 * aborted or when the call has been idle too long. `touch()` restarts the idle
 * clock (call it whenever data arrives), so a stream that keeps flowing never
 * times out while one that stalls does.
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

  /** Data arrived: restart the idle clock, optionally with a new limit. */
  touch(idleMs = this.idleMs): void {
    this.idleMs = idleMs;
    this.arm();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
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
