import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FailingDisk } from '../testing/failing-disk';
import { rejection } from '../testing/rejection';
import { saveConversations } from '../testing/saved-conversations';
import { until } from '../testing/until';
import { ConversationHistory } from './conversation-history';
import { INDEX_FILE } from './history-index';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function dataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'history-'));
  dirs.push(dir);
  return dir;
}

describe('ConversationHistory', () => {
  it('keeps conversations, lists them newest first with their first words, reopens and deletes them', async () => {
    const dir = dataDir();
    const history = await ConversationHistory.open(dir);
    const first = history.begin();
    await first.append({ role: 'user', text: 'What is the weather like in Paris today, please tell me' });
    await first.append({ role: 'assistant', text: 'Sunny.', interrupted: true });
    await first.end();
    // Newest first goes by the start's time (to the millisecond): the second must start on a later one.
    const firstStartedAt = (await history.get(first.id))!.summary.startedAt;
    await until(() => new Date().toISOString() > firstStartedAt, { what: 'the clock to pass the first start', intervalMs: 1 });
    const second = history.begin();
    await second.append({ role: 'user', text: 'Hello' });
    await second.end();

    const reopened = await ConversationHistory.open(dir); // survives a restart
    const list = await reopened.list();
    expect(list.map((s) => s.preview)).toEqual(['Hello', 'What is the weather like in Paris today,…']);
    expect(list[1]).toMatchObject({ id: first.id, entries: 2, endedAt: expect.any(String) });
    expect((await reopened.get(first.id))?.entries).toEqual([
      { role: 'user', text: 'What is the weather like in Paris today, please tell me' },
      { role: 'assistant', text: 'Sunny.', interrupted: true },
    ]);
    expect(await reopened.delete(first.id)).toBe(true);
    expect((await reopened.list()).map((s) => s.id)).toEqual([second.id]);
  });

  it('loses at most the turn in progress when the app dies mid-conversation', async () => {
    const dir = dataDir();
    const history = await ConversationHistory.open(dir);
    const recorder = history.begin();
    await recorder.append({ role: 'user', text: 'kept' });
    await recorder.append({ role: 'assistant', text: 'also kept' });
    // A crash while writing: a torn line at the end, and no "end" line.
    appendFileSync(join(dir, 'history', `${recorder.id}.jsonl`), '{"type":"entry","role":"user","te');
    const after = await ConversationHistory.open(dir);
    const conversation = await after.get(recorder.id);
    expect(conversation?.entries.map((e) => e.text)).toEqual(['kept', 'also kept']);
    expect(conversation?.summary.endedAt).toBeNull();
    await recorder.discard(); // the "crashed" app's file
  });

  it('refuses ids that are not its own file names', async () => {
    const history = await ConversationHistory.open(dataDir());
    expect(await history.get('../settings')).toBeNull();
    expect(await history.delete('../../etc/passwd')).toBe(false);
  });

  it("keeps a conversation under the id it is given (the conversation's own, which what is kept beside it shares), and says when one is deleted", async () => {
    const deleted: string[] = [];
    const history = await ConversationHistory.open(dataDir(), { deleted: async (id) => void deleted.push(id) });
    const id = '0b6c5a4e-3f7d-4d8e-9a1b-2c3d4e5f6a7b';
    const recorder = history.begin(id);
    expect(recorder.id).toBe(id);
    await recorder.append({ role: 'user', text: 'hello' });
    await recorder.end();
    // An id in use, or not an id, gets one of its own.
    expect(history.begin(id).id).not.toBe(id);
    expect(history.begin('../elsewhere').id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await history.delete(id)).toBe(true);
    expect(deleted).toEqual([id]);
  });

  it('writes files only the user can read', async () => {
    const dir = dataDir();
    const history = await ConversationHistory.open(dir);
    const recorder = history.begin();
    await recorder.end();
    expect(readdirSync(join(dir, 'history')).filter((f) => f.endsWith('.jsonl'))).toEqual([`${recorder.id}.jsonl`]);
    expect(statSync(join(dir, 'history', `${recorder.id}.jsonl`)).mode & 0o777).toBe(0o600);
  });
});

/** Each line of a conversation file, as written (a torn line fails to parse). */
function lines(dir: string, id: string): unknown[] {
  return readFileSync(join(dir, 'history', `${id}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);
}

describe('a conversation the disk refuses', () => {
  it('keeps what it could not write, closes the file, and writes it all at the next attempt', async () => {
    const dir = dataDir();
    const disk = new FailingDisk();
    const history = await ConversationHistory.open(dir, { openFile: disk.open });
    const recorder = history.begin();
    await recorder.append({ role: 'user', text: 'before the disk filled' });
    disk.full = true;
    const refused = await rejection(recorder.append({ role: 'assistant', text: 'written while the disk is full' }));
    expect(refused).toMatchObject({ code: 'ENOSPC' });
    expect(disk.openFiles).toBe(0); // the failed write closed its file
    expect(recorder.behind).toBe(true);
    await rejection(recorder.append({ role: 'user', text: 'still full' }));
    expect(disk.writesRefused).toBe(2);

    disk.full = false;
    await recorder.append({ role: 'assistant', text: 'room again' });
    await recorder.end();
    expect(disk.openFiles).toBe(0);
    // Whole lines only: the halves the failed writes left were written over and cut off.
    expect(lines(dir, recorder.id).map((l) => (l as { text?: string; type: string }).text ?? (l as { type: string }).type)).toEqual([
      'start',
      'before the disk filled',
      'written while the disk is full',
      'still full',
      'room again',
      'end',
    ]);
    expect((await history.list())[0]).toMatchObject({ id: recorder.id, entries: 4, endedAt: expect.any(String) });
  });

  it('closes the file when the end cannot be written, and writes it at the next attempt', async () => {
    const dir = dataDir();
    const disk = new FailingDisk();
    const history = await ConversationHistory.open(dir, { openFile: disk.open });
    const recorder = history.begin();
    await recorder.append({ role: 'user', text: 'hello' });
    disk.full = true;
    await rejection(recorder.end());
    expect(disk.openFiles).toBe(0);
    expect(recorder.done).toBe(false);
    disk.full = false;
    history.begin(); // the next conversation tries again for the one left behind
    await until(() => recorder.done, { what: 'the end to be written' });
    await until(() => disk.openFiles === 0, { what: 'its file to be closed' });
    expect(lines(dir, recorder.id).map((l) => (l as { type: string }).type)).toEqual(['start', 'entry', 'end']);
  });

  it('stops writing a conversation deleted while it is being written', async () => {
    const dir = dataDir();
    const disk = new FailingDisk();
    const history = await ConversationHistory.open(dir, { openFile: disk.open });
    const recorder = history.begin();
    await recorder.append({ role: 'user', text: 'hello' });
    expect(await history.delete(recorder.id)).toBe(true);
    await recorder.append({ role: 'user', text: 'after the delete' });
    expect(existsSync(join(dir, 'history', `${recorder.id}.jsonl`))).toBe(false);
    expect(disk.openFiles).toBe(0);
    expect(await history.list()).toEqual([]);
  });
});

describe('the history index', () => {
  async function saved(dir: string, texts: string[]) {
    const history = await ConversationHistory.open(dir);
    const ids: string[] = [];
    for (const text of texts) {
      const recorder = history.begin();
      await recorder.append({ role: 'assistant', text: 'Hi.' });
      await recorder.append({ role: 'user', text });
      await recorder.end();
      ids.push(recorder.id);
    }
    await history.indexWritten();
    return { history, ids };
  }

  it('is kept up to date as conversations are written, without reading them', async () => {
    const dir = dataDir();
    const history = await ConversationHistory.open(dir);
    const recorder = history.begin();
    await recorder.append({ role: 'assistant', text: 'Hello, how can I help?' });
    expect((await history.list())[0]).toMatchObject({ id: recorder.id, entries: 1, preview: 'Hello, how can I help?', endedAt: null });
    await recorder.append({ role: 'user', text: 'Tell me a story' });
    // The user's first words are the preview once there are some.
    expect((await history.list())[0]).toMatchObject({ entries: 2, preview: 'Tell me a story', endedAt: null });
    // Listing reads the index, not the files: a file rewritten in place (same size) does not change the list.
    const file = join(dir, 'history', `${recorder.id}.jsonl`);
    writeFileSync(file, ' '.repeat(statSync(file).size));
    expect((await history.list())[0]).toMatchObject({ entries: 2, preview: 'Tell me a story' });
    await recorder.end();
  });

  it('is read on opening, and what it no longer describes is read again from the files', async () => {
    const dir = dataDir();
    const { ids } = await saved(dir, ['first words', 'second words', 'third words']);
    expect(existsSync(join(dir, 'history', INDEX_FILE))).toBe(true);
    // A crash mid-conversation: a line the index never heard of.
    appendFileSync(join(dir, 'history', `${ids[0]}.jsonl`), `${JSON.stringify({ type: 'entry', at: new Date().toISOString(), role: 'user', text: 'more' })}\n`);
    rmSync(join(dir, 'history', `${ids[1]}.jsonl`)); // a file deleted by hand
    const reopened = await ConversationHistory.open(dir);
    const list = await reopened.list();
    expect(list.map((s) => s.id).sort()).toEqual([ids[0], ids[2]].sort());
    expect(list.find((s) => s.id === ids[0])).toMatchObject({ entries: 3 });
    await reopened.indexWritten();
    const index = JSON.parse(readFileSync(join(dir, 'history', INDEX_FILE), 'utf8')) as { conversations: { id: string; entries: number }[] };
    expect(index.conversations.map((c) => c.id).sort()).toEqual([ids[0], ids[2]].sort());
  });

  it('is rebuilt from the files when it is missing or corrupt', async () => {
    const dir = dataDir();
    const { history, ids } = await saved(dir, ['alpha', 'beta']);
    const expected = await history.list();
    writeFileSync(join(dir, 'history', INDEX_FILE), '{"version":1,"conversations":[{"id":');
    expect(await (await ConversationHistory.open(dir)).list()).toEqual(expected);
    rmSync(join(dir, 'history', INDEX_FILE));
    const rebuilt = await ConversationHistory.open(dir);
    expect(await rebuilt.list()).toEqual(expected);
    await rebuilt.indexWritten();
    expect(existsSync(join(dir, 'history', INDEX_FILE))).toBe(true);
    expect(ids).toHaveLength(2);
  });
});

describe('a long history', () => {
  it('lists its conversations newest first, a page at a time, every one reachable', async () => {
    const dir = dataDir();
    const history = await ConversationHistory.open(dir);
    const started: string[] = [];
    for (let i = 0; i < 450; i++) {
      const recorder = history.begin();
      await recorder.append({ role: 'user', text: `conversation ${i}` });
      await recorder.end();
      started.push(recorder.id);
    }
    const seen: string[] = [];
    let from: number | null = 0;
    while (from !== null) {
      const page = await history.listPage(from);
      expect(page.items.length).toBeLessThanOrEqual(200);
      expect(page.total).toBe(450);
      seen.push(...page.items.map((s) => s.id));
      from = page.next;
    }
    expect(new Set(seen)).toEqual(new Set(started));
    expect(seen).toHaveLength(450);
  });
});

describe('a long conversation', () => {
  it('opens in pages that each fit in a message, every entry reachable', async () => {
    const dir = dataDir();
    const history = await ConversationHistory.open(dir);
    const recorder = history.begin();
    for (let i = 0; i < 6_000; i++) void recorder.append({ role: i % 2 ? 'assistant' : 'user', text: `entry ${i} ${'é'.repeat(i % 50)}` });
    await recorder.end();
    const seen: string[] = [];
    let from: number | null = 0;
    let pages = 0;
    while (from !== null) {
      const page = await history.get(recorder.id, from);
      expect(page!.from).toBe(from);
      expect(Buffer.byteLength(JSON.stringify(page!.entries))).toBeLessThanOrEqual(56 * 1024);
      seen.push(...page!.entries.map((e) => e.text));
      from = page!.next;
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    expect(seen).toHaveLength(6_000);
    expect(seen[5_999]).toBe(`entry 5999 ${'é'.repeat(5_999 % 50)}`);
    expect((await history.get(recorder.id, 6_000))!.entries).toEqual([]);
  });

  it('cuts an entry too long for a page on its own, and says so', async () => {
    const history = await ConversationHistory.open(dataDir());
    const recorder = history.begin();
    await recorder.append({ role: 'assistant', text: '"quoted" ünïcode '.repeat(10_000) });
    await recorder.append({ role: 'user', text: 'after it' });
    await recorder.end();
    const first = (await history.get(recorder.id))!;
    expect(first.entries).toHaveLength(1);
    expect(first.entries[0]).toMatchObject({ role: 'assistant', truncated: true });
    expect(Buffer.byteLength(JSON.stringify(first.entries))).toBeLessThanOrEqual(56 * 1024);
    expect((await history.get(recorder.id, first.next!))!.entries).toEqual([{ role: 'user', text: 'after it' }]);
  });
});

describe('the retention limit', () => {
  it('deletes the oldest conversations past the count, at start and after each save, never the one being written', async () => {
    const dir = dataDir();
    const history = await ConversationHistory.open(dir);
    const ids = await saveConversations(history, 4);
    const limited = await ConversationHistory.open(dir, { retention: { keepDays: 0, keepCount: 2 } });
    expect((await limited.list()).map((s) => s.id)).toEqual([ids[3], ids[2]]);
    expect(readdirSync(join(dir, 'history')).filter((f) => f.endsWith('.jsonl')).sort()).toEqual([`${ids[2]}.jsonl`, `${ids[3]}.jsonl`].sort());

    const running = limited.begin();
    await running.append({ role: 'user', text: 'running' });
    await limited.setRetention({ keepDays: 0, keepCount: 1 });
    // The one being written counts, and is never deleted.
    expect((await limited.list()).map((s) => s.id)).toEqual([running.id]);
    const next = limited.begin();
    await next.append({ role: 'user', text: 'newer' });
    await running.end();
    await limited.applyRetention();
    expect((await limited.list()).map((s) => s.id)).toEqual([next.id]);
    await next.end();
  });

  it('deletes conversations older than the number of days', async () => {
    const dir = dataDir();
    const history = await ConversationHistory.open(dir);
    const old = history.begin();
    await old.append({ role: 'user', text: 'long ago' });
    await old.end();
    const recent = history.begin();
    await recent.append({ role: 'user', text: 'today' });
    await recent.end();
    await history.setRetention({ keepDays: 30, keepCount: 0 });
    expect((await history.list()).map((s) => s.id).sort()).toEqual([old.id, recent.id].sort());
    // Forty days on, the limit applies to both; nothing is kept past it.
    const days = (n: number) => n * 24 * 60 * 60 * 1000;
    await history.applyRetention(Date.now() + days(40));
    expect(await history.list()).toEqual([]);
    expect(readdirSync(join(dir, 'history')).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
  });
});
