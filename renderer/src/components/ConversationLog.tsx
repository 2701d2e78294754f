import { useEffect, useRef } from 'react';
import type { TranscriptEntry } from '../session/reducer';

const ROLE_LABEL: Record<TranscriptEntry['role'], string> = { user: 'You', assistant: 'Assistant', notice: 'Notice' };

export function ConversationLog({ entries }: { entries: TranscriptEntry[] }) {
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
          </article>
        ))
      )}
      <div ref={end} />
    </section>
  );
}
