/**
 * The viewer's side of a test telemetry: a conversation's spans and resources
 * read from its span store page by page, each message checked by the
 * protocol's schema as the page receives it, and a renderer playback span
 * as the page sends it.
 */
import type { Span } from '@opentelemetry/api';
import { ServerMessageSchema } from '../../../shared/protocol';
import { ATTR, EVENT, SPAN, type SerializedSpan } from '../../../shared/telemetry';
import type { TraceResources, ViewerSpan } from '../../../shared/trace-viewer';
import type { SessionTraceStore } from '../session/session-services';

/** Every span of the conversation the page would receive, and the resources listed beside them. */
export function viewerSpansOf(store: SessionTraceStore, key: string): { spans: ViewerSpan[]; resources: TraceResources } {
  const spans: ViewerSpan[] = [];
  let from: number | null = 0;
  while (from !== null) {
    const page: { spans: ViewerSpan[]; next: number | null } = store.page(key, from)!;
    const parsed = ServerMessageSchema.parse({ type: 'traces.page', key, spans: page.spans, next: page.next });
    if (parsed.type === 'traces.page') spans.push(...parsed.spans);
    from = page.next;
  }
  const listed = ServerMessageSchema.parse({ type: 'traces', conversations: store.list(), resources: store.resources });
  if (listed.type !== 'traces') throw new Error('not a traces message');
  return { spans, resources: listed.resources };
}

/** The renderer's audio.playback span of `turn`, as the page sends it over the bridge. */
export function rendererPlaybackSpan(turn: Span, spanId: string): SerializedSpan {
  const now = Math.floor(Date.now() / 1000);
  return {
    traceId: turn.spanContext().traceId,
    spanId,
    parentSpanId: turn.spanContext().spanId,
    traceFlags: 1,
    name: SPAN.audioPlayback,
    kind: 0,
    startTime: [now, 1_000],
    endTime: [now + 1, 5],
    attributes: { [ATTR.playbackPlayedMs]: 1200 },
    events: [{ name: EVENT.playbackStarted, time: [now, 90_000_000] }],
    status: { code: 0 },
  };
}
