/**
 * The audio statistics the client shows: microphone level, voiced time and
 * dynamics in the running conversation, and what was sent and played. The
 * frame and chunk counts are the transport's counters (counted once, there),
 * reported from the conversation's start on.
 */
import { FRAME_DURATION_MS, SILENCE_DBFS, frameLevels } from '../../../shared/audio-format';
import type { AudioStats } from '../../../shared/protocol';
import type { TransportCounters } from '../telemetry/conversation/transport-trace';

/** Measurements of the microphone and of playback; the counted parts come from the counters. */
type Measured = Omit<AudioStats, 'framesDropped' | 'chunksSent'>;

/** Streams whose played time is remembered: enough for a reply, an interrupted one and the test sound. */
const PLAYED_STREAMS = 8;

export class InputMeter {
  private measured: Measured = emptyMeasurements();
  private since = { framesDropped: 0, chunksOut: 0 };
  private dynamics = new RunningDeviation();
  private voicedRunMs = 0;
  /** Milliseconds the client reported played, per recent stream. */
  private readonly playedByStream = new Map<number, number>();
  private dirty = false;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly counters: TransportCounters,
    private readonly report: (stats: AudioStats) => void,
    private readonly options: { intervalMs: number; voicedThresholdDbfs: number },
  ) {}

  /** A conversation starts: measure from zero and report every interval while something changed. */
  start(): void {
    this.measured = emptyMeasurements();
    this.since = { framesDropped: this.counters.framesDropped, chunksOut: this.counters.chunksOut };
    this.dynamics = new RunningDeviation();
    this.voicedRunMs = 0;
    this.stop();
    this.timer = setInterval(() => this.flushIfChanged(), this.options.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Whether statistics are reported on a timer (a conversation runs). */
  get reporting(): boolean {
    return this.timer !== null;
  }

  get stats(): AudioStats {
    return {
      ...this.measured,
      framesDropped: this.counters.framesDropped - this.since.framesDropped,
      chunksSent: this.counters.chunksOut - this.since.chunksOut,
    };
  }

  /** A microphone frame of the running conversation. */
  frame(samples: Int16Array): void {
    const { rmsDbfs: level, peakDbfs: peak } = frameLevels(samples);
    const s = this.measured;
    s.framesReceived++;
    s.levelDbfs = round1(level);
    s.peakDbfs = round1(Math.max(s.peakDbfs, peak));
    if (level > this.options.voicedThresholdDbfs) {
      s.voicedMs += FRAME_DURATION_MS;
      this.dynamics.add(level);
      s.dynamicsDb = round1(this.dynamics.deviation);
      this.voicedRunMs += FRAME_DURATION_MS;
      if (this.voicedRunMs > s.longestVoicedMs) s.longestVoicedMs = this.voicedRunMs;
    } else {
      this.voicedRunMs = 0;
    }
    this.dirty = true;
  }

  frameDropped(): void {
    this.counters.framesDropped++;
    this.dirty = true;
  }

  chunkSent(): void {
    this.counters.chunksOut++;
    this.dirty = true;
  }

  /** Adds what the client reports played of a stream to the total. */
  played(stream: number, playedMs: number): void {
    const before = this.playedByStream.get(stream) ?? 0;
    if (playedMs <= before) return;
    this.playedByStream.set(stream, playedMs);
    if (this.playedByStream.size > PLAYED_STREAMS) this.playedByStream.delete(this.playedByStream.keys().next().value!);
    this.measured.playedMs = Math.round(this.measured.playedMs + playedMs - before);
    this.dirty = true;
  }

  flush(): void {
    this.dirty = false;
    this.report(this.stats);
  }

  flushIfChanged(): void {
    if (this.dirty) this.flush();
  }
}

function emptyMeasurements(): Measured {
  return { framesReceived: 0, levelDbfs: SILENCE_DBFS, peakDbfs: SILENCE_DBFS, voicedMs: 0, dynamicsDb: 0, longestVoicedMs: 0, playedMs: 0 };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Welford's running standard deviation. */
export class RunningDeviation {
  private n = 0;
  private mean = 0;
  private m2 = 0;
  add(x: number): void {
    this.n++;
    const delta = x - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (x - this.mean);
  }
  get deviation(): number {
    return this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0;
  }
}
