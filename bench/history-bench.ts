/**
 * Opening History with 1,000 saved conversations: the `history.list` request
 * through a session (served from the index), the host's start with the index
 * (each file's size checked against it), and its start without one (every
 * file read to rebuild it). The conversations are files in the history's own
 * format, written directly.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvelopeWriter, type ClientMessage, type ServerEnvelope } from '../shared/protocol';
import { ConversationHistory } from '../electron/agent/history/conversation-history';
import { INDEX_FILE } from '../electron/agent/history/history-index';
import { silentLogger } from '../electron/agent/util/logger';
import { Session } from '../electron/agent/session/session';
import { figure, type Figure } from './stats';

const CONVERSATIONS = 1_000;
const ENTRIES_PER_CONVERSATION = 20;

function writeConversations(dataDir: string): void {
  const dir = join(dataDir, 'history');
  mkdirSync(dir, { recursive: true });
  const day = Date.UTC(2026, 0, 1);
  for (let c = 0; c < CONVERSATIONS; c++) {
    const id = crypto.randomUUID();
    const at = (minutes: number) => new Date(day + c * 3_600_000 + minutes * 60_000).toISOString();
    const lines: Record<string, unknown>[] = [{ type: 'start', id, at: at(0) }];
    for (let e = 0; e < ENTRIES_PER_CONVERSATION; e++) {
      const role = e % 2 ? 'assistant' : 'user';
      lines.push({ type: 'entry', at: at(e), role, text: `${role === 'user' ? 'Question' : 'Answer'} ${e} of conversation ${c}, in a sentence of ordinary length.` });
    }
    lines.push({ type: 'end', at: at(ENTRIES_PER_CONVERSATION) });
    writeFileSync(join(dir, `${id}.jsonl`), lines.map((l) => `${JSON.stringify(l)}\n`).join(''), { mode: 0o600 });
  }
}

/** One history.list request through a session: sent -> its reply handed to the carrier. */
async function listThroughSession(history: ConversationHistory, reps: number): Promise<{ times: number[]; items: number }> {
  let waiting: ((envelope: ServerEnvelope) => void) | null = null;
  const session = new Session(
    {
      kind: 'websocket',
      send: (envelope) => waiting?.(envelope),
      sendAudio: () => {},
    },
    { logger: silentLogger, history },
  );
  session.open();
  const writer = new EnvelopeWriter<ClientMessage>();
  const times: number[] = [];
  let items = 0;
  for (let i = 0; i < reps; i++) {
    const envelope = writer.wrap({ type: 'history.list' });
    const reply = new Promise<ServerEnvelope>((resolve) => {
      waiting = (e) => {
        if ('ref' in e.message && e.message.ref === envelope.seq) resolve(e);
      };
    });
    const started = performance.now();
    session.receiveMessage(JSON.stringify(envelope));
    const answer = await reply;
    times.push(performance.now() - started);
    if (answer.message.type !== 'history') throw new Error(`history.list answered with ${answer.message.type}`);
    items = answer.message.items.length;
  }
  await session.close();
  return { times, items };
}

export async function historyBench(reps: number): Promise<Figure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'history-bench-'));
  try {
    writeConversations(dataDir);
    // The first start builds the index from the files.
    const first = await ConversationHistory.open(dataDir);
    await first.indexWritten();

    const withIndex: number[] = [];
    const rebuilt: number[] = [];
    for (let i = 0; i < Math.max(2, Math.round(reps / 10)); i++) {
      let started = performance.now();
      const history = await ConversationHistory.open(dataDir);
      await history.list();
      withIndex.push(performance.now() - started);
      rmSync(join(dataDir, 'history', INDEX_FILE));
      started = performance.now();
      const again = await ConversationHistory.open(dataDir);
      await again.list();
      rebuilt.push(performance.now() - started);
      await again.indexWritten();
    }

    const history = await ConversationHistory.open(dataDir);
    const { times, items } = await listThroughSession(history, reps);
    const note = `${CONVERSATIONS} conversations of ${ENTRIES_PER_CONVERSATION} entries`;
    return [
      figure('history_list_ms', 'ms', times, 50, { note: `${note}: history.list through a session, sent -> reply (${items} newest listed), from the index` }),
      figure('history_open_with_index_ms', 'ms', withIndex, null, { note: `${note}: the history opened (index read, each file's size checked) and listed` }),
      figure('history_open_rebuild_ms', 'ms', rebuilt, null, { note: `${note}: the same without an index (every file read to rebuild it)` }),
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
