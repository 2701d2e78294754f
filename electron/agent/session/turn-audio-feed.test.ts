import { describe, expect, it } from 'vitest';
import { AUDIO_PAGE_BYTES } from '../../../shared/turn-audio';
import { TurnAudioFeed, TurnAudioUnavailable, type SessionTurnAudioStore } from './turn-audio-feed';

const MINE = '11111111-1111-4111-8111-111111111111';
const THEIRS = '22222222-2222-4222-8222-222222222222';

function store(bytes: Uint8Array): SessionTurnAudioStore & { renders: number } {
  const fake = {
    renders: 0,
    keeping: true,
    save: () => true,
    turns: () => Promise.resolve([{ turn: 1, kept: true as const, startAt: 1_000, durationMs: 2_000, segments: [] }]),
    render: (_id: string, turn: number | null) => {
      fake.renders++;
      return Promise.resolve(turn === 9 ? null : { bytes, startAt: 1_000 });
    },
  };
  return fake;
}

describe('turn audio feed', () => {
  it('reads a file a page at a time, made once, each page under the message limit', async () => {
    const bytes = Uint8Array.from({ length: AUDIO_PAGE_BYTES * 2 + 10 }, (_, i) => i % 251);
    const audio = store(bytes);
    const feed = new TurnAudioFeed(audio);
    feed.held(MINE);
    const pages: Buffer[] = [];
    let from: number | null = 0;
    while (from !== null) {
      const page = await feed.read(MINE, 1, from);
      expect(page).toMatchObject({ type: 'audio.data', key: MINE, turn: 1, mimeType: 'audio/flac', startAt: 1_000, from, total: bytes.length });
      pages.push(Buffer.from(page.data, 'base64'));
      from = page.next;
    }
    expect(pages).toHaveLength(3);
    expect(new Uint8Array(Buffer.concat(pages))).toEqual(bytes);
    expect(audio.renders).toBe(1);
  });

  it("answers only its own session's conversations", async () => {
    const feed = new TurnAudioFeed(store(new Uint8Array(10)));
    feed.held(MINE);
    await expect(feed.turns(THEIRS)).resolves.toEqual({ type: 'audio.turns', key: THEIRS, turns: [], reason: 'other-session' });
    await expect(feed.read(THEIRS, 1, 0)).rejects.toThrow(TurnAudioUnavailable);
    await expect(feed.turns(MINE)).resolves.toMatchObject({ turns: [{ turn: 1, kept: true }] });
  });

  it('says which turns are still being recorded', async () => {
    const feed = new TurnAudioFeed(store(new Uint8Array(10)), (id) => (id === MINE ? [2] : []));
    feed.held(MINE);
    await expect(feed.turns(MINE)).resolves.toMatchObject({ turns: [{ turn: 1, kept: true }, { turn: 2, kept: false, reason: 'recording' }] });
  });

  it('says when nothing is kept, or the page asked for is past the end, and works on', async () => {
    const feed = new TurnAudioFeed(store(new Uint8Array(10)));
    feed.held(MINE);
    await expect(feed.read(MINE, 9, 0)).rejects.toThrow('No audio is kept of turn 9.');
    await expect(feed.read(MINE, 1, 11)).rejects.toThrow('past the end');
    await expect(feed.read(MINE, 1, 0)).resolves.toMatchObject({ next: null, total: 10 });
    await expect(new TurnAudioFeed(undefined).turns(MINE)).rejects.toThrow('This host keeps no turn audio.');
  });
});
