import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Speaker, type PlaybackEvent } from './speaker';
import type { PlaybackReport } from './worklet-messages';

/** The port of the worklet node the speaker made: its reports are what the tests play. */
let port: { onmessage: ((event: { data: PlaybackReport }) => void) | null; postMessage: () => void };
let latency: { outputLatency?: number; baseLatency?: number };

class StubAudioContext {
  readonly sampleRate = 48_000;
  readonly state = 'running';
  readonly destination = {};
  readonly audioWorklet = { addModule: async () => {} };
  constructor() {
    Object.assign(this, latency);
  }
}

class StubWorkletNode {
  readonly port = (port = { onmessage: null, postMessage: () => {} });
  connect(): void {}
  disconnect(): void {}
}

beforeEach(() => {
  vi.stubGlobal('AudioContext', StubAudioContext);
  vi.stubGlobal('AudioWorkletNode', StubWorkletNode);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

async function startedEvent(): Promise<PlaybackEvent> {
  const events: PlaybackEvent[] = [];
  const speaker = new Speaker((event) => events.push(event));
  await speaker.prepare();
  port.onmessage!({ data: { type: 'started', stream: 1, playedSamples: 0 } });
  port.onmessage!({ data: { type: 'drained', stream: 1, playedSamples: 48_000 } });
  expect(events[1]).toEqual({ event: 'drained', stream: 1, playedMs: 1_000 });
  return events[0]!;
}

describe('Speaker', () => {
  it("reports, when playback starts, what the output adds: the context's outputLatency plus its baseLatency", async () => {
    latency = { outputLatency: 0.032, baseLatency: 0.01 };
    expect(await startedEvent()).toEqual({ event: 'started', stream: 1, playedMs: 0, outputLatencyMs: 42 });
  });

  it('reports no output latency where the browser does not', async () => {
    latency = { baseLatency: 0.01 };
    expect(await startedEvent()).toEqual({ event: 'started', stream: 1, playedMs: 0 });
  });
});
