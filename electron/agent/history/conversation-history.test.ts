import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../testing/until';
import { ConversationHistory } from './conversation-history';

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
    const first = await history.begin();
    await first.append({ role: 'user', text: 'What is the weather like in Paris today, please tell me' });
    await first.append({ role: 'assistant', text: 'Sunny.', interrupted: true });
    await first.end();
    // Newest first goes by the start's time (to the millisecond): the second must start on a later one.
    const firstStartedAt = (await history.get(first.id))!.summary.startedAt;
    await until(() => new Date().toISOString() > firstStartedAt, { what: 'the clock to pass the first start', intervalMs: 1 });
    const second = await history.begin();
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
    const recorder = await history.begin();
    await recorder.append({ role: 'user', text: 'kept' });
    await recorder.append({ role: 'assistant', text: 'also kept' });
    // A crash while writing: a torn line at the end, and no "end" line.
    appendFileSync(join(dir, 'history', `${recorder.id}.jsonl`), '{"type":"entry","role":"user","te');
    const after = await ConversationHistory.open(dir);
    const conversation = await after.get(recorder.id);
    expect(conversation?.entries.map((e) => e.text)).toEqual(['kept', 'also kept']);
    expect(conversation?.summary.endedAt).toBeNull();
  });

  it('refuses ids that are not its own file names', async () => {
    const history = await ConversationHistory.open(dataDir());
    expect(await history.get('../settings')).toBeNull();
    expect(await history.delete('../../etc/passwd')).toBe(false);
  });

  it('writes files only the user can read', async () => {
    const dir = dataDir();
    const history = await ConversationHistory.open(dir);
    const recorder = await history.begin();
    await recorder.end();
    expect(readdirSync(join(dir, 'history'))).toEqual([`${recorder.id}.jsonl`]);
  });
});
