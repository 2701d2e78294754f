/**
 * What the trace viewer receives from main's span store: finished spans of
 * both processes in a plain form (no SDK objects), the log records made in
 * their traces, the list of recent conversations, and the two processes' resources. Checked on both sides
 * like every message (see protocol.ts).
 */
import { z } from 'zod';

/** Most conversations and spans the store keeps; the oldest conversation is dropped first. */
export const TRACE_STORE_LIMITS = { conversations: 20, spans: 20_000 } as const;
/** How often, at most, the page hears that the store changed. */
export const TRACE_FEED_INTERVAL_MS = 250;
/** Room a page of spans may take in a message, well under MAX_MESSAGE_BYTES (64 KiB) with its envelope. */
export const TRACE_PAGE_BYTES = 56 * 1024;
/** Most spans in one page. */
export const TRACE_PAGE_SPANS = 500;

const HEX_TRACE = z.string().regex(/^[0-9a-f]{32}$/);
const HEX_SPAN = z.string().regex(/^[0-9a-f]{16}$/);
const HrTime = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative().max(999_999_999)]);
const Primitive = z.union([z.string().max(8_192), z.number(), z.boolean()]);
const AttributeValue = z.union([Primitive, z.array(z.union([Primitive, z.null()])).max(128)]);
const Attributes = z.record(z.string().min(1).max(256), AttributeValue).refine((a) => Object.keys(a).length <= 128, 'too many attributes');

export const SPAN_PROCESSES = ['main', 'renderer'] as const;
export type SpanProcess = (typeof SPAN_PROCESSES)[number];

/** A finished span as the viewer sees it: the SDK's ReadableSpan, as data. */
export const ViewerSpanSchema = z.strictObject({
  /** Order of arrival in its conversation: the page asks for spans after the last it has. */
  seq: z.number().int().nonnegative(),
  traceId: HEX_TRACE,
  spanId: HEX_SPAN,
  parentSpanId: HEX_SPAN.optional(),
  /** The OTLP span flags: W3C trace flags and whether the parent was remote. */
  flags: z.number().int().nonnegative().max(0xffff),
  traceState: z.string().max(512).optional(),
  name: z.string().min(1).max(256),
  /** The API's SpanKind (0 internal .. 4 consumer). */
  kind: z.number().int().min(0).max(4),
  startTime: HrTime,
  endTime: HrTime,
  attributes: Attributes,
  droppedAttributesCount: z.number().int().nonnegative(),
  events: z
    .array(z.strictObject({ name: z.string().min(1).max(256), time: HrTime, attributes: Attributes, droppedAttributesCount: z.number().int().nonnegative() }))
    .max(128),
  droppedEventsCount: z.number().int().nonnegative(),
  links: z
    .array(
      z.strictObject({
        traceId: HEX_TRACE,
        spanId: HEX_SPAN,
        traceState: z.string().max(512).optional(),
        flags: z.number().int().nonnegative().max(0xffff),
        attributes: Attributes,
        droppedAttributesCount: z.number().int().nonnegative(),
      }),
    )
    .max(128),
  droppedLinksCount: z.number().int().nonnegative(),
  status: z.strictObject({ code: z.number().int().min(0).max(2), message: z.string().max(2_048).optional() }),
  scope: z.strictObject({ name: z.string().max(256), version: z.string().max(64).optional() }),
  process: z.enum(SPAN_PROCESSES),
  /** Some attribute values were shortened to fit a message (only a span far larger than any the app makes). */
  shortened: z.literal(true).optional(),
});
export type ViewerSpan = z.infer<typeof ViewerSpanSchema>;
export type ViewerAttributes = ViewerSpan['attributes'];

/** One recent conversation in the store. */
export const TraceConversationSchema = z.strictObject({
  /** The conversation's id, or the trace id of a turn that ran outside any conversation. */
  key: z.string().min(1).max(64),
  conversationId: z.string().max(100).nullable(),
  /** The trace to open in a trace UI: the conversation's own. */
  traceId: HEX_TRACE,
  /** Unix milliseconds of its earliest span. */
  startedAt: z.number().nonnegative(),
  turns: z.number().int().nonnegative(),
  spans: z.number().int().nonnegative(),
  /** The user's first words, when content capture recorded them. */
  firstWords: z.string().max(200).nullable(),
  /** Seq of the next span to arrive: the page has everything when its cursor reaches it. */
  nextSeq: z.number().int().nonnegative(),
});
export type TraceConversation = z.infer<typeof TraceConversationSchema>;

const ResourceAttributes = z.record(z.string().min(1).max(256), Primitive).refine((a) => Object.keys(a).length <= 64, 'too many attributes');
/** The resources spans of each process are exported with. */
export const TraceResourcesSchema = z.strictObject({ main: ResourceAttributes, renderer: ResourceAttributes });
export type TraceResources = z.infer<typeof TraceResourcesSchema>;

/** Most log records in one page (they share a page's room with its spans). */
export const TRACE_PAGE_LOGS = 200;
/** The viewer's copy of a record is cut to these: it shows a line, the exported record keeps the whole. */
export const VIEWER_LOG_LIMITS = { body: 1_000, attributes: 16, value: 256 } as const;

/**
 * A log record made while one of the conversation's spans was active, as the
 * viewer sees it: on that span (a mark on its row, the line when selected).
 * Its `seq` is in the same order of arrival as the conversation's spans.
 */
export const ViewerLogSchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  traceId: HEX_TRACE,
  spanId: HEX_SPAN,
  time: HrTime,
  /** The OpenTelemetry severity number (9 info, 13 warn, 17 error) and its text. */
  severity: z.number().int().min(0).max(24),
  severityText: z.string().max(16),
  body: z.string().max(VIEWER_LOG_LIMITS.body + 1),
  attributes: z
    .record(z.string().min(1).max(256), z.union([z.string().max(VIEWER_LOG_LIMITS.value + 1), z.number(), z.boolean()]))
    .refine((a) => Object.keys(a).length <= VIEWER_LOG_LIMITS.attributes, 'too many attributes'),
  /** The logger's name. */
  scope: z.string().max(256),
});
export type ViewerLog = z.infer<typeof ViewerLogSchema>;
