import { useEffect, useRef } from 'react';
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
