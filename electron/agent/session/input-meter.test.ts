import { afterEach, describe, expect, it, vi } from 'vitest';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import type { AudioStats } from '../../../shared/protocol';
import { InputMeter, RunningDeviation } from './input-meter';
import { TransportTrace } from '../telemetry/conversation/transport-trace';

function tone(amplitude: number): Int16Array {
  return Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * 200 * i) / INPUT_SAMPLE_RATE)));
}

function measuring() {
  const transport = new TransportTrace();
  const reports: AudioStats[] = [];
  const meter = new InputMeter(transport.counters, (stats) => reports.push(stats), { intervalMs: 50, voicedThresholdDbfs: -50 });
  return { meter, counters: transport.counters, reports };
}

afterEach(() => vi.useRealTimers());

describe('RunningDeviation', () => {
  it('is the sample standard deviation, zero below two values', () => {
    const d = new RunningDeviation();
    expect(d.deviation).toBe(0);
    d.add(5);
    expect(d.deviation).toBe(0);
    for (const x of [7, 9, 11]) d.add(x);
    expect(d.deviation).toBeCloseTo(Math.sqrt(20 / 3), 10);
  });
});

describe('InputMeter', () => {
  it('measures level, peak, voiced time, its longest run and dynamics', () => {
    const { meter } = measuring();
    for (const amplitude of [10_000, 10_000, 3_000, 0, 10_000]) meter.frame(tone(amplitude));
    const stats = meter.stats;
    expect(stats).toMatchObject({ framesReceived: 5, voicedMs: 80, longestVoicedMs: 60, levelDbfs: -13.3 });
    expect(stats.peakDbfs).toBeCloseTo(-10.3, 0);
    expect(stats.dynamicsDb).toBeGreaterThan(4); // 3,000 is about 10 dB below 10,000
  });

  it('reports the transport counters from the conversation start on, the counters themselves kept whole', () => {
    const { meter, counters } = measuring();
    meter.frameDropped();
    meter.chunkSent();
    expect(meter.stats).toMatchObject({ framesDropped: 1, chunksSent: 1 });
    meter.start();
    meter.stop();
    expect(meter.stats).toMatchObject({ framesDropped: 0, chunksSent: 0 });
    meter.chunkSent();
    meter.chunkSent();
    meter.frameDropped();
    expect(meter.stats).toMatchObject({ framesDropped: 1, chunksSent: 2 });
    expect(counters).toMatchObject({ framesDropped: 2, chunksOut: 3 });
  });

  it('adds up what each stream played, late and repeated reports counted once', () => {
    const { meter } = measuring();
    meter.played(1, 300);
    meter.played(1, 200); // late
    meter.played(1, 500);
    meter.played(2, 100);
    expect(meter.stats.playedMs).toBe(600);
  });

  it('reports on its interval while a conversation runs, only when something changed', () => {
    vi.useFakeTimers();
    const { meter, reports } = measuring();
    meter.start();
    expect(meter.reporting).toBe(true);
    vi.advanceTimersByTime(200);
    expect(reports).toHaveLength(0);
    meter.frame(tone(10_000));
    vi.advanceTimersByTime(50);
    expect(reports.map((r) => r.framesReceived)).toEqual([1]);
    vi.advanceTimersByTime(200);
    expect(reports).toHaveLength(1);
    meter.stop();
    expect(meter.reporting).toBe(false);
    meter.frame(tone(10_000));
    vi.advanceTimersByTime(200);
    expect(reports).toHaveLength(1);
    meter.flushIfChanged();
    expect(reports.map((r) => r.framesReceived)).toEqual([1, 2]);
  });
});
