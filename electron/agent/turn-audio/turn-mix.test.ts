import { describe, expect, it } from 'vitest';
import { CONVERSATION_GAP_MS, conversationLayout, mixLanes, segmentsIn } from './turn-mix';

describe('turn mix', () => {
  it('says where each lane sounds in a window, cut at its edges', () => {
    const clips = [
      { lane: 'user' as const, startAt: 900, durationMs: 1_000 },
      { lane: 'assistant' as const, startAt: 2_500, durationMs: 2_000 },
      { lane: 'user' as const, startAt: 4_000, durationMs: 1_000 }, // the user speaks over the reply's end
      { lane: 'user' as const, startAt: 9_000, durationMs: 500 }, // outside
    ];
    expect(segmentsIn(clips, 1_000, 4_600)).toEqual([
      { lane: 'user', offsetMs: 0, durationMs: 900 },
      { lane: 'assistant', offsetMs: 1_500, durationMs: 2_000 },
      { lane: 'user', offsetMs: 3_000, durationMs: 600 },
    ]);
  });

  it('lays a conversation out in order, silences longer than the gap shortened to it', () => {
    const clips = [
      { lane: 'assistant' as const, startAt: 12_000, durationMs: 1_000 },
      { lane: 'user' as const, startAt: 10_000, durationMs: 1_500 }, // 500 ms before the reply: kept as it was
      { lane: 'user' as const, startAt: 60_000, durationMs: 1_000 }, // 47 s later: shortened
    ];
    const layout = conversationLayout(clips);
    expect(layout.offsetsMs).toEqual([2_000, 0, 3_000 + CONVERSATION_GAP_MS]);
    expect(layout.durationMs).toBe(3_000 + CONVERSATION_GAP_MS + 1_000);
    expect(conversationLayout([])).toEqual({ offsetsMs: [], durationMs: 0 });
  });

  it('mixes the lanes into two channels at the highest rate, each clip at its offset', () => {
    const user = new Float32Array(160).fill(0.25); // 10 ms at 16 kHz
    const reply = new Float32Array(240).fill(-0.5); // 10 ms at 24 kHz
    const { sampleRate, channels } = mixLanes(
      [
        { lane: 'user', offsetMs: 0, sampleRate: 16_000, samples: user },
        { lane: 'assistant', offsetMs: 5, sampleRate: 24_000, samples: reply },
      ],
      20,
    );
    expect(sampleRate).toBe(24_000);
    expect(channels[0]).toHaveLength(480);
    expect(channels[0][0]).toBe(8_192);
    expect(channels[0][300]).toBe(0);
    expect(channels[1][119]).toBe(0);
    expect(channels[1][120]).toBe(-16_384);
    expect(channels[1][359]).toBe(-16_384);
    expect(channels[1][360]).toBe(0);
  });

  it('cuts what reaches past the end or starts before the file', () => {
    const { channels } = mixLanes([{ lane: 'user', offsetMs: -5, sampleRate: 1_000, samples: new Float32Array(30).fill(1) }], 20);
    expect(Array.from(channels[0])).toEqual(new Array(20).fill(32_767));
  });
});
