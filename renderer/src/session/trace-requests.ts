/**
 * The trace viewer's requests to main, and what of main's messages concerns
 * it: the list of traced conversations and the spans of the one shown,
 * followed while the viewer is open (../traces/trace-follower.ts); each reply
 * of the turn main traces now is marked with that turn, for its latency.
 */
import type { ServerMessage } from '../../../shared/protocol';
import { parseTraceparent } from '../../../shared/trace-context';
import { TraceFollower } from '../traces/trace-follower';
import type { ReplyTurn } from '../traces/traces-state';
import type { RequestLink } from './request-link';

type TracesReply = Extract<ServerMessage, { type: 'traces' | 'traces.page' }>;

export interface TraceRequestLink extends Pick<RequestLink, 'dispatch' | 'snapshot'> {
  request(message: { type: 'traces.list' } | { type: 'traces.spans'; key: string; from: number }): Promise<TracesReply>;
  send(message: { type: 'traces.watch'; on: boolean }): void;
}

export class TraceRequests {
  private readonly follower: TraceFollower;
  /** The turn running now, while main traces it: its replies are shown with its latency. */
  private runningTurn: ReplyTurn | null = null;

  constructor(private readonly link: TraceRequestLink) {
    this.follower = new TraceFollower({
      list: () => link.request({ type: 'traces.list' }),
      page: (key, from) => link.request({ type: 'traces.spans', key, from }),
      watch: (on) => link.send({ type: 'traces.watch', on }),
      state: () => link.snapshot().traces,
      apply: (reply) => link.dispatch(reply),
      shown: () => new Set(Object.values(link.snapshot().traces.replies).map((r) => r.key)),
    });
  }

  /** The viewer opens: the latest list of conversations. */
  refresh(): void {
    this.follower.refresh();
  }

  /** The viewer shows this conversation: its spans are fetched and kept up to date. */
  select(key: string | null): void {
    this.follower.select(key);
  }

  /** A message from main, before the reducer sees it. */
  received(message: ServerMessage, traceparent: string | undefined): void {
    switch (message.type) {
      case 'welcome':
        return this.follower.sessionChanged();
      case 'telemetry':
        return this.follower.setTracing(message.state.enabled);
      case 'turn':
        this.runningTurn = message.phase === 'start' ? this.replyTurn(traceparent) : null;
        return;
      case 'traces':
        // A change in the store: the list, then the spans the page lacks.
        return this.follower.listed(message);
      case 'transcript':
        if (message.role === 'assistant' && this.runningTurn) this.link.dispatch({ type: 'local.reply', id: message.id, turn: this.runningTurn });
    }
  }

  private replyTurn(traceparent: string | undefined): ReplyTurn | null {
    const parent = parseTraceparent(traceparent);
    return parent ? { key: this.link.snapshot().conversationId ?? parent.traceId, traceId: parent.traceId, spanId: parent.spanId } : null;
  }
}
