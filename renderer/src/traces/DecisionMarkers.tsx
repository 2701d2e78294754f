import { formatMs, type Stat } from './trace-view';
import { MARKER_GLYPH, type DecisionSummary, type TurnDecisions, type TurnMarker } from './turn-decisions';

/** Markers closer than this (percent of the axis) go on the other lane, so their glyphs do not cover each other. */
const CLOSE_PERCENT = 4;

const percent = (ms: number, totalMs: number) => Math.round(Math.min(100, Math.max(0, (ms / totalMs) * 100)) * 1_000) / 1_000;

/** Each marker's place on the axis (percent) and lane: the other lane than the marker before when they are close. */
function placeOnLanes(markers: readonly TurnMarker[], totalMs: number): { marker: TurnMarker; at: number; lane: number }[] {
  const placed: { marker: TurnMarker; at: number; lane: number }[] = [];
  for (const marker of markers) {
    const at = percent(marker.offsetMs, totalMs);
    const previous = placed.at(-1);
    placed.push({ marker, at, lane: previous && at - previous.at < CLOSE_PERCENT ? 1 - previous.lane : 0 });
  }
  return placed;
}

/**
 * The turn's decisions on its time axis, aligned with the span bars: the
 * silence window as a band from the end of speech to the confirmation, and a
 * glyph for each marker. The axis is a picture; the list under it says every
 * marker in words, with its time, for screen readers and for everyone.
 */
export function DecisionMarkers({ decisions, totalMs }: { decisions: TurnDecisions; totalMs: number }) {
  const { markers, silence } = decisions;
  if (markers.length === 0) return null;
  const placed = placeOnLanes(markers, totalMs);
  return (
    <section className="decisions" aria-label="Decisions">
      <div className="decision-row" aria-hidden="true">
        <span className="span-name">decisions</span>
        <span />
        <span />
        <span className="decision-track">
          {silence && (
            <span
              className="decision-silence"
              title={`Silence window: ${formatMs(silence.toMs - silence.fromMs)}`}
              style={{ left: `${percent(silence.fromMs, totalMs)}%`, width: `${Math.max(0.5, percent(silence.toMs, totalMs) - percent(silence.fromMs, totalMs))}%` }}
            />
          )}
          {placed.map(({ marker, at, lane }, i) => (
            <span key={i} className={`decision-mark decision-${marker.kind} decision-lane-${lane}`} style={{ left: `${at}%` }} title={`+${formatMs(marker.offsetMs)} ${marker.label}`}>
              {MARKER_GLYPH[marker.kind]}
            </span>
          ))}
        </span>
      </div>
      <ol className="decision-list" aria-label="Decisions on the time axis">
        {markers.map((marker, i) => (
          <li key={i}>
            <span className={`decision-glyph decision-${marker.kind}`} aria-hidden="true">
              {MARKER_GLYPH[marker.kind]}
            </span>{' '}
            <span className="span-time">+{formatMs(marker.offsetMs)}</span> {marker.label}
          </li>
        ))}
        {silence && (
          <li>
            <span className="decision-glyph decision-silence-key" aria-hidden="true" />{' '}
            Silence window waited: {formatMs(silence.toMs - silence.fromMs)}, from the end of speech to the confirmation
          </li>
        )}
      </ol>
    </section>
  );
}

const stat = (s: Stat | null) => (s ? `${formatMs(s.median)} / ${formatMs(s.p95)}` : '–');

/** The conversation's end-of-turn delay and its interruptions, beside the latency figures. */
export function DecisionFigures({ summary }: { summary: DecisionSummary }) {
  const { confirmed, resumed } = summary.interruptions;
  return (
    <dl className="traces-figures" aria-label="Turn-taking">
      <div>
        <dt>End-of-turn delay</dt>
        <dd>
          {stat(summary.endOfTurn)}
          <span className="hint"> median / p95</span>
        </dd>
      </div>
      <div>
        <dt>Interruptions</dt>
        <dd>
          {`${confirmed} confirmed, ${resumed} resumed`}
          <span className="hint"> (resumed: false interruptions)</span>
        </dd>
      </div>
    </dl>
  );
}
