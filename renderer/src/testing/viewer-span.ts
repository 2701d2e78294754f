import type { ViewerSpan } from '../../../shared/trace-viewer';

/** A finished main-process span as the trace viewer receives it; `fields` override the defaults. */
export function viewerSpan(fields: Partial<ViewerSpan> & Pick<ViewerSpan, 'seq' | 'spanId'>): ViewerSpan {
  return {
    traceId: 'a'.repeat(32),
    flags: 257,
    name: 'span',
    kind: 0,
    startTime: [1, 0],
    endTime: [2, 0],
    attributes: {},
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0 },
    scope: { name: 'voice-agent-stack' },
    process: 'main',
    ...fields,
  };
}
