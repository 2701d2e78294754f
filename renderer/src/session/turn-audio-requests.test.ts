import { describe, expect, it } from 'vitest';
import { AUDIO_PAGE_BYTES, TURN_AUDIO_MIME } from '../../../shared/turn-audio';
import { RequestError } from './pending-requests';
import { fromBase64, turnAudioRequests, type AudioTurnsReply, type TurnAudioRequestLink } from './turn-audio-requests';

const KEY = '0d6c1a56-3c3e-4c6b-9a8e-6f1f7e0c8a11';

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** Main's side as the session feed answers: a file sliced into pages of AUDIO_PAGE_BYTES; `tamper` changes a page before it goes. */
function fakeMain(files: Map<number | null, Uint8Array>, tamper?: (page: Record<string, unknown>) => Record<string, unknown>) {
  const asked: { turn: number | null; from: number }[] = [];
  let reading = 0;
  let mostAtOnce = 0;
  const link = {
    request: async (message: { type: 'audio.turns'; key: string } | { type: 'audio.read'; key: string; turn: number | null; from: number }) => {
      if (message.type === 'audio.turns') return { type: 'audio.turns', ref: 1, key: message.key, turns: [{ turn: 1, kept: false, reason: 'no-sound' }] } satisfies AudioTurnsReply;
      asked.push({ turn: message.turn, from: message.from });
      if (message.from === 0) mostAtOnce = Math.max(mostAtOnce, ++reading);
      // A reply comes later than the request, as over the link.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const bytes = files.get(message.turn);
      if (!bytes) throw new RequestError(`No audio is kept of turn ${message.turn}.`, 'refused', 'invalid_state');
      const end = Math.min(bytes.length, message.from + AUDIO_PAGE_BYTES);
      if (end === bytes.length) reading--;
      const page = {
        type: 'audio.data',
        ref: 1,
        key: message.key,
        turn: message.turn,
        mimeType: TURN_AUDIO_MIME,
        startAt: 1_000,
        data: toBase64(bytes.subarray(message.from, end)),
        from: message.from,
        next: end < bytes.length ? end : null,
        total: bytes.length,
      };
      return tamper ? tamper(page) : page;
    },
  } as TurnAudioRequestLink;
  return { link, asked, mostAtOnce: () => mostAtOnce };
}

const file = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

describe('turn audio requests', () => {
  it('reads a file of several pages from 0 to the end into one FLAC blob, reporting each page', async () => {
    const bytes = file(AUDIO_PAGE_BYTES * 2 + 123, 7);
    const main = fakeMain(new Map([[3, bytes]]));
    const progress: [number, number][] = [];
    const blob = await turnAudioRequests(main.link).readAudio(KEY, 3, (loaded, total) => progress.push([loaded, total]));
    expect(blob.type).toBe('audio/flac');
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(bytes);
    expect(main.asked).toEqual([
      { turn: 3, from: 0 },
      { turn: 3, from: AUDIO_PAGE_BYTES },
      { turn: 3, from: AUDIO_PAGE_BYTES * 2 },
    ]);
    expect(progress).toEqual([
      [AUDIO_PAGE_BYTES, bytes.length],
      [AUDIO_PAGE_BYTES * 2, bytes.length],
      [bytes.length, bytes.length],
    ]);
  });

  it('reads the whole conversation (turn null) the same way', async () => {
    const bytes = file(100, 1);
    const blob = await turnAudioRequests(fakeMain(new Map([[null, bytes]])).link).readAudio(KEY, null);
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(bytes);
  });

  it('reads one file at a time: a second read waits for the first, even when asked at once', async () => {
    const a = file(AUDIO_PAGE_BYTES + 10, 2);
    const b = file(AUDIO_PAGE_BYTES * 2, 3);
    const main = fakeMain(
      new Map([
        [1, a],
        [null, b],
      ]),
    );
    const audio = turnAudioRequests(main.link);
    const [first, second] = await Promise.all([audio.readAudio(KEY, 1), audio.readAudio(KEY, null)]);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(a);
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(b);
    expect(main.mostAtOnce()).toBe(1);
    expect(main.asked.map((r) => r.turn)).toEqual([1, 1, null, null]);
  });

  it("rejects with main's refusal, and the next read still goes", async () => {
    const audio = turnAudioRequests(fakeMain(new Map([[2, file(10, 0)]])).link);
    await expect(audio.readAudio(KEY, 5)).rejects.toThrow('No audio is kept of turn 5.');
    expect((await audio.readAudio(KEY, 2)).size).toBe(10);
  });

  it('refuses pages that do not continue the file: another file, a wrong start, a changed size, a short page, a next page that goes back', async () => {
    const bytes = file(AUDIO_PAGE_BYTES * 2, 5);
    const cases: [(page: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
      [(p) => ({ ...p, turn: 9 }), /another file/],
      [(p) => ({ ...p, from: (p.from as number) + 1 }), /starts at/],
      [(p) => ({ ...p, total: p.from === 0 ? p.total : (p.total as number) + 1 }), /changed size/],
      [(p) => ({ ...p, data: toBase64(file(10, 0)) }), /does not reach/],
      [(p) => ({ ...p, next: p.next === null ? null : 0 }), /not after/],
      [(p) => ({ ...p, data: '%%%' }), /not base64/],
    ];
    for (const [tamper, message] of cases) {
      const read = turnAudioRequests(fakeMain(new Map([[1, bytes]]), tamper).link).readAudio(KEY, 1);
      await expect(read).rejects.toThrow(message);
      await expect(read).rejects.toBeInstanceOf(RequestError);
    }
  });

  it('stops between pages once the read is no longer wanted', async () => {
    const main = fakeMain(new Map([[1, file(AUDIO_PAGE_BYTES * 3, 4)]]));
    const abort = new AbortController();
    const read = turnAudioRequests(main.link).readAudio(KEY, 1, () => abort.abort(), abort.signal);
    await expect(read).rejects.toThrow('no longer wanted');
    expect(main.asked).toHaveLength(1);
  });

  it('lists what is kept of the conversation, and refuses an answer about another one', async () => {
    const main = fakeMain(new Map());
    expect((await turnAudioRequests(main.link).audioTurns(KEY)).turns).toEqual([{ turn: 1, kept: false, reason: 'no-sound' }]);
    const other = { request: async () => ({ type: 'audio.turns', ref: 1, key: 'f'.repeat(36), turns: [] }) } as unknown as TurnAudioRequestLink;
    await expect(turnAudioRequests(other).audioTurns(KEY)).rejects.toThrow('another conversation');
  });

  it('decodes base64 to the same bytes', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fromBase64(toBase64(bytes))).toEqual(bytes);
  });
});
