import { describe, expect, it } from 'vitest';
import { inputLatencyMs, outputLatencyMs } from './device-latency';

describe('device latency', () => {
  it('output: outputLatency plus baseLatency, in ms', () => {
    expect(outputLatencyMs({ outputLatency: 0.0213, baseLatency: 0.0053 })).toBe(26.6);
    expect(outputLatencyMs({ outputLatency: 0.04 })).toBe(40);
  });

  it('output: absent where the browser does not report outputLatency, or reports nonsense', () => {
    expect(outputLatencyMs({ baseLatency: 0.005 })).toBeNull();
    expect(outputLatencyMs({})).toBeNull();
    expect(outputLatencyMs({ outputLatency: Number.NaN, baseLatency: 0.005 })).toBeNull();
    expect(outputLatencyMs({ outputLatency: -1 })).toBeNull();
    expect(outputLatencyMs({ outputLatency: 1e9 })).toBeNull();
  });

  it("input: the track's latency plus the capture context's baseLatency; absent without the track's", () => {
    expect(inputLatencyMs(0.01, { baseLatency: 0.0027 })).toBe(12.7);
    expect(inputLatencyMs(0.01, {})).toBe(10);
    expect(inputLatencyMs(undefined, { baseLatency: 0.0027 })).toBeNull();
  });
});
