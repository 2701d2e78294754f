import { useRef, type ReactNode } from 'react';
import { ATTR } from '../../../shared/telemetry';
import type { ViewerLog, ViewerSpan } from '../../../shared/trace-viewer';
import { formatMs, hrToMs, logsLevel, type WaterfallRow } from './trace-view';
import { moveFocus } from './keyboard';
import { DecisionMarkers } from './DecisionMarkers';
import type { TurnDecisions } from './turn-decisions';

interface Props {
  rows: readonly WaterfallRow[];
  totalMs: number;
  selected: string | null;
  onSelect(spanId: string): void;
  /** The turn's decisions, marked on the same time axis above the spans. */
  decisions?: TurnDecisions | null;
  /** What else is drawn on the axis (the turn's audio): the axis reaches `untilMs` too; `lanes` go above the spans, `overlay` over all the rows. */
  extra?: { untilMs: number; lanes(totalMs: number): ReactNode; overlay(totalMs: number): ReactNode } | null;
}

const STATUS_TEXT = { ok: 'ok', error: 'error', unset: '' } as const;

/** The turn's spans nested by parent, each a bar on the turn's time axis; the arrows move between spans. */
export function SpanWaterfall({ rows, totalMs: spansMs, selected, onSelect, decisions = null, extra = null }: Props) {
  // The axis reaches the last marker too (an interruption's resumption may come after the spans end), and the audio's end.
  const totalMs = Math.max(spansMs, extra?.untilMs ?? 0, ...(decisions?.markers.map((m) => m.offsetMs) ?? []));
  const list = useRef<HTMLUListElement>(null);
  const item = (index: number): { node: ReactNode; next: number } => {
    const row = rows[index]!;
    const children: ReactNode[] = [];
    let next = index + 1;
    while (next < rows.length && rows[next]!.depth > row.depth) {
      const child = item(next);
      children.push(child.node);
      next = child.next;
    }
    const id = row.span.spanId;
    const left = (row.offsetMs / totalMs) * 100;
    const width = Math.max(0.5, (row.durationMs / totalMs) * 100);
    const node = (
      <li key={id}>
        <button
          type="button"
          className={`span-row span-${row.process} span-status-${row.status}${id === selected ? ' selected' : ''}`}
          aria-pressed={id === selected}
          onClick={() => onSelect(id)}
          onKeyDown={(event) => moveFocus(event, list.current, 'button.span-row')}
        >
          <span className="span-name" style={{ paddingLeft: `${row.depth * 14}px` }}>
            {row.span.name}
            {row.status !== 'unset' && <span className="span-status"> {STATUS_TEXT[row.status]}</span>}
            <LogMark logs={row.logs} />
          </span>
          <span className="span-process">{row.process}</span>
          <span className="span-time">
            +{formatMs(row.offsetMs)} · {formatMs(row.durationMs)}
          </span>
          <span className="span-track" aria-hidden="true">
            <span className="span-bar" style={{ left: `${Math.min(left, 99.5)}%`, width: `${Math.min(width, 100 - Math.min(left, 99.5))}%` }} />
          </span>
        </button>
        {children.length > 0 && <ul>{children}</ul>}
      </li>
    );
    return { node, next };
  };
  const roots: ReactNode[] = [];
  for (let i = 0; i < rows.length; ) {
    const root = item(i);
    roots.push(root.node);
    i = root.next;
  }
  return (
    <div className="waterfall-axis">
      {decisions && <DecisionMarkers decisions={decisions} totalMs={totalMs} />}
      {extra?.lanes(totalMs)}
      <ul ref={list} className="span-list" aria-label="Spans">
        {roots}
      </ul>
      {extra?.overlay(totalMs)}
    </div>
  );
}

/** A small mark on a span's row when log records were made in it, coloured by the most severe. */
export function LogMark({ logs }: { logs: readonly ViewerLog[] }) {
  const level = logsLevel(logs);
  if (!level) return null;
  const count = logs.length === 1 ? '1 log record' : `${logs.length} log records`;
  return (
    <span className={`span-logs span-logs-${level}`} title={`${count}: ${logs[0]!.body}`}>
      <span aria-hidden="true">◆</span>
      <span className="visually-hidden">
        {' '}
        ({count}, {level})
      </span>
    </span>
  );
}

const CONTENT_KEYS = new Set<string>([ATTR.inputMessages, ATTR.outputMessages, ATTR.systemInstructions]);

function value(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** An event's or a log record's attributes after it, each as key=value. */
function Fields({ attributes }: { attributes: Readonly<Record<string, unknown>> }) {
  return Object.entries(attributes).map(([key, v]) => (
    <span key={key} className="hint">
      {' '}
      {key}={value(v)}
    </span>
  ));
}

/** A span's attributes and events, as it was recorded (content only when it was captured), and the log lines made in it. */
export function SpanDetails({ span, logs = [] }: { span: ViewerSpan; logs?: readonly ViewerLog[] }) {
  const start = hrToMs(span.startTime);
  const attributes = Object.entries(span.attributes);
  return (
    <section className="span-details" aria-label={`Span ${span.name}`}>
      <h4>
        {span.name} <span className="hint">({span.process})</span>
      </h4>
      {span.status.code === 2 && <p className="field-error">Error: {span.status.message ?? 'no message'}</p>}
      {span.shortened && <p className="hint">Some long values were shortened to fit the viewer.</p>}
      <dl className="facts">
        <div className="fact">
          <dt>Duration</dt>
          <dd>{formatMs(hrToMs(span.endTime) - start)}</dd>
        </div>
        <div className="fact">
          <dt>Span id</dt>
          <dd>{span.spanId}</dd>
        </div>
        {attributes.map(([key, v]) => (
          <div key={key} className="fact">
            <dt>{key}</dt>
            <dd className={CONTENT_KEYS.has(key) ? 'content' : undefined}>{value(v)}</dd>
          </div>
        ))}
      </dl>
      {span.events.length > 0 && (
        <>
          <h5>Events</h5>
          <ul className="span-events">
            {span.events.map((event, i) => (
              <li key={i}>
                <strong>{event.name}</strong> +{formatMs(hrToMs(event.time) - start)}
                <Fields attributes={event.attributes} />
              </li>
            ))}
          </ul>
        </>
      )}
      {logs.length > 0 && (
        <>
          <h5>Logs</h5>
          <ul className="span-log-lines" aria-label="Log records">
            {logs.map((log) => (
              <li key={log.seq} className={`span-log-${logsLevel([log])}`}>
                <span className="span-log-time">+{formatMs(hrToMs(log.time) - start)}</span> <strong>{log.severityText || 'LOG'}</strong> {log.body}
                <Fields attributes={log.attributes} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
