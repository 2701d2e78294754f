import { forwardRef, useImperativeHandle, useRef } from 'react';
import type { SessionSnapshot } from '../session/reducer';

export interface HistoryDialogHandle {
  open(): void;
}

interface Props {
  snapshot: SessionSnapshot;
  onList(): void;
  onOpen(id: string): void;
  /** The next page of the conversation being read. */
  onMore(): void;
  /** The next page of the list: older conversations. */
  onOlder(): void;
  onBack(): void;
  onDelete(id: string): void;
}

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Past conversations: listed with date and first words, reopened to read, deleted. */
export const HistoryDialog = forwardRef<HistoryDialogHandle, Props>(function HistoryDialog({ snapshot, onList, onOpen, onMore, onOlder, onBack, onDelete }, ref) {
  const dialog = useRef<HTMLDialogElement>(null);
  useImperativeHandle(ref, () => ({
    open: () => {
      onList();
      dialog.current?.showModal();
    },
  }), [onList]);
  const open = snapshot.openConversation;

  return (
    <dialog ref={dialog} className="settings history" aria-labelledby="history-title">
      <div className="settings-body">
        <header className="settings-header">
          <h2 id="history-title">{open ? `Conversation of ${when(open.summary.startedAt)}` : 'History'}</h2>
          <button type="button" className="button link" aria-label="Close history" onClick={() => dialog.current?.close()}>
            ×
          </button>
        </header>
        {open ? (
          <>
            <section className="log history-log" role="log" aria-label="Saved conversation">
              {open.entries.map((entry, i) => (
                <article key={i} className={`entry entry-${entry.role}`}>
                  <span className="entry-role">{entry.role === 'user' ? 'You' : 'Assistant'}</span>
                  <p className="entry-text">
                    {entry.text}
                    {entry.interrupted && <span className="entry-interrupted"> (interrupted)</span>}
                    {entry.truncated && <span className="entry-interrupted"> (too long to show in full)</span>}
                  </p>
                </article>
              ))}
            </section>
            {open.next !== null && (
              <div className="settings-actions">
                <span className="hint">
                  {open.entries.length} of {open.summary.entries} messages shown
                </span>
                <button type="button" className="button secondary" onClick={onMore}>
                  Load more
                </button>
              </div>
            )}
            <div className="settings-actions">
              <button type="button" className="button secondary" onClick={onBack}>
                Back to the list
              </button>
              <button type="button" className="button link small" onClick={() => onDelete(open.summary.id)}>
                Delete this conversation
              </button>
            </div>
          </>
        ) : snapshot.history === null ? (
          <p className="hint">Loading…</p>
        ) : snapshot.history.length === 0 ? (
          <p className="hint">No conversations yet. Every conversation is kept here as it happens.</p>
        ) : (
          <ul className="history-list" aria-label="Saved conversations">
            {snapshot.history.map((item) => (
              <li key={item.id}>
                <button type="button" className="history-item" onClick={() => onOpen(item.id)}>
                  <span className="history-date">{when(item.startedAt)}</span>
                  <span className="history-preview">{item.preview || '(nothing said)'}</span>
                  <span className="history-count">{item.entries} messages</span>
                </button>
                <button type="button" className="button link small" aria-label={`Delete the conversation of ${when(item.startedAt)}`} onClick={() => onDelete(item.id)}>
                  Delete
                </button>
              </li>
            ))}
          </ul>
        )}
        {!open && snapshot.history?.length && snapshot.historyMore?.next != null ? (
          <div className="settings-actions">
            <span className="hint">
              {snapshot.history.length} of {snapshot.historyMore.total} conversations shown
            </span>
            <button type="button" className="button secondary" onClick={onOlder}>
              Show older conversations
            </button>
          </div>
        ) : null}
      </div>
    </dialog>
  );
});
