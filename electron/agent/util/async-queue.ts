/**
 * Items handed from a producer (callbacks, a worker, a stream) to one
 * consumer that awaits them in order: the LLM's sentences waiting for TTS,
 * a local model's text chunks, a synthesis job's audio.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private ended = false;
  private failure: { error: unknown } | null = null;
  private waiter: (() => void) | null = null;

  /** Ended or failed: nothing more will be accepted. */
  get settled(): boolean {
    return this.ended || this.failure !== null;
  }

  push(item: T): void {
    if (this.settled) return;
    this.items.push(item);
    this.wake();
  }

  /** No more items; the consumer gets what is queued, then null. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The consumer's next call throws `error`, even with items still queued. */
  fail(error: unknown): void {
    if (this.settled) return;
    this.failure = { error };
    this.wake();
  }

  /** The next item, or null once ended; throws the failure, or the signal's reason once it fires. */
  async next(signal?: AbortSignal): Promise<T | null> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      if (this.items.length > 0) return this.items.shift()!;
      if (this.ended) return null;
      await new Promise<void>((resolve) => {
        const abort = () => resolve();
        this.waiter = () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        };
        signal?.addEventListener('abort', abort, { once: true });
      });
      this.waiter = null;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = await this.next();
      if (item === null) return;
      yield item;
    }
  }

  private wake(): void {
    this.waiter?.();
  }
}
