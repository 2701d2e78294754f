/**
 * Conversations saved one after another in a history, each started after the
 * one before by the history's own clock (ISO times to the millisecond), so
 * their order is known: for tests of what is kept and deleted oldest first.
 */
import type { ConversationHistory } from '../history/conversation-history';
import { until } from './until';

/** `count` conversations of one entry each; their ids, oldest first. */
export async function saveConversations(history: ConversationHistory, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const recorder = history.begin();
    await recorder.append({ role: 'user', text: `conversation ${i}` });
    await recorder.end();
    ids.push(recorder.id);
    const at = (await history.get(recorder.id))!.summary.startedAt;
    await until(() => new Date().toISOString() > at, { what: 'the clock to pass the start', intervalMs: 1 });
  }
  return ids;
}
