import { useEffect, useRef } from 'react';
import type { ToolUse } from '../../../shared/protocol';
import type { TranscriptEntry } from '../session/reducer';
import { formatSeconds } from '../traces/trace-view';
import type { ReplyLatency } from '../traces/reply-latency';

const ROLE_LABEL: Record<TranscriptEntry['role'], string> = { user: 'You', assistant: 'Assistant', notice: 'Notice' };

interface Props {
  entries: TranscriptEntry[];
  /** Each traced reply's latency, by entry id; activating it shows the turn in the trace viewer. */
  latencies?: Readonly<Record<string, ReplyLatency>>;
  onOpenTurn?: (latency: ReplyLatency) => void;
}

export function ConversationLog({ entries, latencies = {}, onOpenTurn }: Props) {
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [entries]);

  return (
    <section className="log" role="log" aria-label="Conversation" aria-live="polite">
      {entries.length === 0 ? (
        <p className="log-empty">Press Start conversation and speak, or type a message below.</p>
      ) : (
        entries.map((entry) => (
          <article
            key={entry.id}
            className={`entry entry-${entry.role}${entry.final ? '' : ' entry-partial'}${entry.level === 'error' ? ' entry-error' : ''}`}
          >
            <span className="entry-role">{entry.level === 'error' ? 'Error' : ROLE_LABEL[entry.role]}</span>
            <p className="entry-text">
              {entry.text || (entry.interrupted ? '' : '…')}
              {entry.interrupted && <span className="entry-interrupted"> (interrupted)</span>}
            </p>
            {entry.tools?.map((tool, index) => <ToolLine key={index} tool={tool} />)}
            {latencies[entry.id] && (
              <button
                type="button"
                className="latency-badge"
                aria-label={`${latencies[entry.id]!.kind === 'voice-to-voice' ? 'Voice-to-voice' : 'Reply time'} ${formatSeconds(latencies[entry.id]!.ms)}: show this turn in Traces`}
                title={`${latencies[entry.id]!.kind}: show this turn in Traces`}
                onClick={() => onOpenTurn?.(latencies[entry.id]!)}
              >
                {formatSeconds(latencies[entry.id]!.ms)}
              </button>
            )}
          </article>
        ))
      )}
      <div ref={end} />
    </section>
  );
}

/** "Used get-sum (everything)", with what went in and came out behind a disclosure when content capture recorded it. */
function ToolLine({ tool }: { tool: ToolUse }) {
  const line = `${tool.ok ? 'Used' : 'Tried'} ${tool.name} (${tool.source})${tool.ok ? '' : ': it failed'}`;
  if (tool.arguments === undefined && tool.result === undefined) return <p className="entry-tool">{line}</p>;
  return (
    <details className="entry-tool">
      <summary>{line}</summary>
      <dl>
        <dt>Arguments</dt>
        <dd>
          <code>{tool.arguments || '{}'}</code>
        </dd>
        <dt>Result</dt>
        <dd>
          <code>{tool.result ?? ''}</code>
        </dd>
      </dl>
    </details>
  );
}
