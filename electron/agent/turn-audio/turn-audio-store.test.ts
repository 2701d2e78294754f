import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEntry, Logger } from '../util/logger';
import { decodeFlac } from './flac';
import { MAX_PENDING_SAVES, TurnAudioStore, type TurnRecording } from './turn-audio-store';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'turn-audio-'));
  dirs.push(dir);
  return dir;
}

function logger(): Logger & { lines: LogEntry[] } {
  const lines: LogEntry[] = [];
  const log = (level: LogEntry['level']) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, ...(fields ? { fields } : {}) } as LogEntry);
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

/** Speech-like noise: FLAC cannot shrink it much, so sizes are predictable. */
function noise(samples: number, seed: number): Int16Array {
  let x = seed;
  return Int16Array.from({ length: samples }, () => ((x = (x * 1_103_515_245 + 12_345) & 0x7fffffff) % 20_000) - 10_000);
}

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';

function recording(conversationId: string, turn: number, at: number, seconds = 1): TurnRecording {
  return {
    conversationId,
    turn,
    startAt: at,
    endAt: at + seconds * 2_000 + 500,
    clips: [
      { lane: 'user', startAt: at - 200, sampleRate: 16_000, samples: noise(16_000 * seconds, turn) },
      { lane: 'assistant', startAt: at + seconds * 1_000 + 300, sampleRate: 24_000, samples: noise(24_000 * seconds, turn + 100) },
    ],
  };
}

const toInt16 = (samples: Float32Array) => Int16Array.from(samples, (s) => Math.round(s * 32_768));

describe('turn audio store', () => {
  it('keeps each lane losslessly as FLAC and plays a turn as one file, lanes on the turn axis', async () => {
    const dir = dataDir();
    const store = await TurnAudioStore.open(dir);
    const turn = recording(A, 1, 10_000);
    expect(store.save(turn)).toBe(true);
    await store.settled();

    expect(readdirSync(join(dir, 'turn-audio', A)).sort()).toEqual(['turn-1-assistant.flac', 'turn-1-user.flac', 'turn-1.json']);
    const [kept] = await store.turns(A);
    expect(kept).toEqual({
      turn: 1,
      kept: true,
      startAt: 9_800,
      durationMs: 2_700,
      segments: [
        { lane: 'user', offsetMs: 0, durationMs: 1_000 },
        { lane: 'assistant', offsetMs: 1_500, durationMs: 1_000 },
      ],
    });

    const file = await store.render(A, 1);
    expect(file!.startAt).toBe(9_800);
    const decoded = await decodeFlac(file!.bytes);
    expect(decoded.sampleRate).toBe(24_000);
    expect(decoded.channels).toHaveLength(2);
    expect(decoded.channels[0]!.length).toBe(Math.round(2.7 * 24_000));
    // The assistant's lane is the reply exactly, from 1.5 s; the user's is silent there.
    const reply = toInt16(decoded.channels[1]!.subarray(36_000, 60_000));
    expect(reply).toEqual(turn.clips[1]!.samples);
    expect(decoded.channels[0]!.subarray(36_000, 60_000).every((s) => s === 0)).toBe(true);
    await expect(store.render(A, 2)).resolves.toBeNull();
    await expect(store.render(B, null)).resolves.toBeNull();
  });

  it('plays the user speaking over the previous reply in that turn too', async () => {
    const store = await TurnAudioStore.open(dataDir());
    store.save(recording(A, 1, 10_000));
    // Turn 2's speech starts at 11.9 s, 0.4 s before turn 1's reply ends (12.3 s).
    store.save({ conversationId: A, turn: 2, startAt: 12_100, endAt: 13_000, clips: [{ lane: 'user', startAt: 11_900, sampleRate: 16_000, samples: noise(8_000, 7) }] });
    await store.settled();
    const [first, second] = await store.turns(A);
    expect(first!.kept && first!.segments).toContainEqual({ lane: 'user', offsetMs: 2_100, durationMs: 500 });
    expect(second!.kept && second!.segments).toEqual([
      { lane: 'user', offsetMs: 0, durationMs: 500 },
      { lane: 'assistant', offsetMs: 0, durationMs: 400 },
    ]);
  });

  it('plays a whole conversation as one file, long silences between turns shortened', async () => {
    const store = await TurnAudioStore.open(dataDir());
    store.save(recording(A, 1, 10_000));
    store.save(recording(A, 2, 100_000));
    await store.settled();
    const file = await store.render(A, null);
    const decoded = await decodeFlac(file!.bytes);
    expect(file!.startAt).toBe(9_800);
    // Each turn 2.5 s from its speech to its reply's end, a second between them.
    expect(decoded.channels[0]!.length / decoded.sampleRate).toBeCloseTo(2.5 + 1 + 2.5, 3);
  });

  it('answers what is kept once the turns being saved are', async () => {
    const store = await TurnAudioStore.open(dataDir());
    store.save(recording(A, 1, 10_000));
    // Asked as the turn ends, before its files are written: the answer waits for them.
    expect((await store.turns(A)).map((t) => t.kept)).toEqual([true]);
  });

  it('lists a turn without sound as such', async () => {
    const store = await TurnAudioStore.open(dataDir());
    store.save({ conversationId: A, turn: 3, startAt: 1_000, endAt: 2_000, clips: [] });
    await store.settled();
    expect(await store.turns(A)).toEqual([{ turn: 3, kept: false, reason: 'no-sound' }]);
    await expect(store.render(A, 3)).resolves.toBeNull();
  });

  it('removes the oldest conversations first past the size limit, with a line in the log', async () => {
    const log = logger();
    const store = await TurnAudioStore.open(dataDir(), { logger: log });
    store.save(recording(B, 1, 20_000)); // B is the older conversation, though saved first
    store.save(recording(A, 1, 30_000));
    store.save(recording(C, 1, 40_000));
    await store.settled();
    const each = store.bytes / 3;
    await store.setLimit(Math.round(each * 2.5));
    expect(await store.turns(B)).toEqual([{ turn: 1, kept: false, reason: 'removed' }]);
    expect((await store.turns(A))[0]!.kept).toBe(true);
    expect((await store.turns(C))[0]!.kept).toBe(true);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'info', message: 'turn audio removed to stay under its size limit', fields: expect.objectContaining({ conversation: B }) }));

    // Saving past the limit removes the oldest other conversation, never the one being kept.
    store.save(recording(C, 2, 41_000));
    await store.settled();
    expect((await store.turns(A))[0]).toEqual({ turn: 1, kept: false, reason: 'removed' });
    expect((await store.turns(C)).map((t) => t.kept)).toEqual([true, true]);
    expect(store.bytes).toBeLessThanOrEqual(Math.round(each * 2.5));
  });

  it('removes the oldest turns of the only conversation when it alone passes the limit', async () => {
    const store = await TurnAudioStore.open(dataDir());
    store.save(recording(A, 1, 10_000));
    await store.settled();
    await store.setLimit(Math.round(store.bytes * 1.5));
    store.save(recording(A, 2, 20_000));
    await store.settled();
    expect((await store.turns(A)).map((t) => (t.kept ? 'kept' : t.reason))).toEqual(['removed', 'kept']);
  });

  it('deletes a conversation’s audio, and finds the rest again after a restart, a torn save cleared', async () => {
    const dir = dataDir();
    const store = await TurnAudioStore.open(dir);
    store.save(recording(A, 1, 10_000));
    store.save(recording(B, 1, 20_000));
    await store.settled();
    await store.delete(A);
    expect(readdirSync(join(dir, 'turn-audio'))).toEqual([B]);
    expect(await store.turns(A)).toEqual([{ turn: 1, kept: false, reason: 'removed' }]);
    // A save a crash cut short: a clip without its description.
    writeFileSync(join(dir, 'turn-audio', B, 'turn-2-user.flac'), 'partial');
    writeFileSync(join(dir, 'turn-audio', B, 'turn-3.json'), '{"turn": 3,');

    const again = await TurnAudioStore.open(dir);
    expect((await again.turns(B)).map((t) => t.turn)).toEqual([1]);
    expect(readdirSync(join(dir, 'turn-audio', B)).sort()).toEqual(['turn-1-assistant.flac', 'turn-1-user.flac', 'turn-1.json']);
    expect(again.bytes).toBe(store.bytes);
  });

  it('drops a turn rather than growing memory when saving falls behind', async () => {
    const log = logger();
    const store = await TurnAudioStore.open(dataDir(), { logger: log });
    const saved = Array.from({ length: MAX_PENDING_SAVES + 2 }, (_, i) => store.save(recording(A, i + 1, 10_000 + i * 5_000, 0.1)));
    expect(saved.filter((ok) => !ok)).toHaveLength(2);
    expect(log.lines.filter((l) => l.message === 'turn audio not kept: saving fell behind')).toHaveLength(2);
    await store.settled();
    expect(await store.turns(A)).toHaveLength(MAX_PENDING_SAVES);
  });
});
