import { useRef } from 'react';
import { formatMs, statusText, type TurnRow } from './trace-view';
import { moveFocus } from './keyboard';

interface Props {
  rows: readonly TurnRow[];
  selected: string | null;
  onSelect(spanId: string): void;
}

/** One row per turn; a row is chosen with a click or Enter, and the arrows move between rows. */
export function TurnsTable({ rows, selected, onSelect }: Props) {
  const body = useRef<HTMLTableSectionElement>(null);
  if (rows.length === 0) return <p className="hint">No turn has ended in this conversation yet.</p>;
  return (
    <div className="traces-table-wrap">
      <table className="traces-table" aria-label="Turns">
        <thead>
          <tr>
            <th scope="col">Turn</th>
            <th scope="col">Input</th>
            <th scope="col">Voice-to-voice</th>
            <th scope="col">Speech-to-text</th>
            <th scope="col">First token</th>
            <th scope="col">First audio</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody ref={body}>
          {rows.map((row, i) => (
            <tr
              key={row.spanId}
              tabIndex={0}
              className={`traces-row${row.spanId === selected ? ' selected' : ''}`}
              aria-current={row.spanId === selected ? 'true' : undefined}
              onClick={() => onSelect(row.spanId)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault();
                  onSelect(row.spanId);
                } else moveFocus(event, body.current, 'tr');
              }}
            >
              <td>{row.number ?? i + 1}</td>
              <td>{row.input ?? '–'}</td>
              <td>{formatMs(row.voiceToVoiceMs)}</td>
              <td>{formatMs(row.sttMs)}</td>
              <td>{formatMs(row.firstTokenMs)}</td>
              <td>{formatMs(row.firstAudioMs)}</td>
              <td className={`status-${row.status.kind}`}>{statusText(row.status)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
