/**
 * The latency badge of each assistant reply: the voice-to-voice time of the
 * turn it belongs to (or, for a typed turn, its reply time), once that turn's
 * span is in the viewer's spans.
 */
import { turnRows } from './trace-view';
import type { ReplyTurn, TracesState } from './traces-state';

export interface ReplyLatency {
  turn: ReplyTurn;
  ms: number;
  kind: 'voice-to-voice' | 'reply time';
}

export function replyLatencies(traces: TracesState): Record<string, ReplyLatency> {
  const rowsByKey = new Map<string, ReturnType<typeof turnRows>>();
  const out: Record<string, ReplyLatency> = {};
  for (const [entryId, turn] of Object.entries(traces.replies)) {
    const spans = traces.spans[turn.key];
    if (!spans) continue;
    let rows = rowsByKey.get(turn.key);
    if (!rows) rowsByKey.set(turn.key, (rows = turnRows(spans)));
    const row = rows.find((r) => r.spanId === turn.spanId);
    const ms = row?.voiceToVoiceMs ?? row?.replyMs ?? null;
    if (row && ms !== null) out[entryId] = { turn, ms, kind: row.voiceToVoiceMs !== null ? 'voice-to-voice' : 'reply time' };
  }
  return out;
}
