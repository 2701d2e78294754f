/**
 * A download's progress as the user sees it: bytes so far, a speed smoothed
 * over the last few seconds and the time left, reported at most once per
 * interval plus a final report.
 */

export interface DownloadProgress {
  receivedBytes: number;
  /** Null when neither the server nor the caller said how big the file is. */
  totalBytes: number | null;
  /** Smoothed over the last few seconds; 0 until the first bytes arrive. */
  bytesPerSecond: number;
  /** Null while the speed or the total is unknown; 0 once complete. */
  secondsLeft: number | null;
}

/** Time constant of the speed average: the speed reacts to changes within a few seconds. */
const SPEED_TIME_CONSTANT_MS = 3_000;

/** Reports progress at most once per interval, plus a final report, with a smoothed speed. */
export class ProgressMeter {
  private total: number | null = null;
  private lastEmitAt = 0;
  private lastSampleAt = 0;
  private lastSampleBytes = 0;
  private speed = 0;
  private hasSpeed = false;
  private received = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly onProgress?: (progress: DownloadProgress) => void,
  ) {}

  start(received: number, total: number | null): void {
    const now = performance.now();
    this.total = total;
    this.received = received;
    this.sampledAt(now, received);
    this.emit(now, false);
  }

  update(received: number): void {
    this.received = received;
    const now = performance.now();
    if (now - this.lastEmitAt < this.intervalMs) return;
    const elapsed = now - this.lastSampleAt;
    if (elapsed > 0) {
      const instant = ((received - this.lastSampleBytes) * 1000) / elapsed;
      const weight = this.hasSpeed ? 1 - Math.exp(-elapsed / SPEED_TIME_CONSTANT_MS) : 1;
      this.speed += (instant - this.speed) * weight;
      this.hasSpeed = true;
      this.sampledAt(now, received);
    }
    this.emit(now, false);
  }

  finish(received: number): void {
    this.received = received;
    this.emit(performance.now(), true);
  }

  /** The point the next speed sample is measured from. */
  private sampledAt(now: number, received: number): void {
    this.lastSampleAt = now;
    this.lastSampleBytes = received;
  }

  private emit(now: number, final: boolean): void {
    this.lastEmitAt = now;
    if (!this.onProgress) return;
    const total = this.total;
    const remaining = total === null ? null : Math.max(0, total - this.received);
    const secondsLeft = final ? 0 : remaining === null || !this.hasSpeed || this.speed <= 0 ? null : remaining / this.speed;
    try {
      this.onProgress({ receivedBytes: this.received, totalBytes: total, bytesPerSecond: Math.max(0, this.speed), secondsLeft });
    } catch {
      // A failing listener must not break the download.
    }
  }
}
