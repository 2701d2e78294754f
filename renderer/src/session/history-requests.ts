/**
 * The history dialog's requests to main: the saved conversations page by
 * page, one conversation page by page, deleting one. Each answer goes
 * through the reducer (`history`, `history.conversation`).
 */
import type { RequestLink } from './request-link';

export interface HistoryActions {
  list(): void;
  /** The next page of the saved conversations, older ones. */
  moreList(): void;
  open(id: string): void;
  /** The next page of the conversation being read. */
  more(): void;
  close(): void;
  delete(id: string): void;
}

export function historyRequests(link: RequestLink): HistoryActions {
  return {
    list: () => {
      link.dispatch({ type: 'local.historyClosed' });
      link.ask({ type: 'history.list' });
    },
    moreList: () => {
      const next = link.snapshot().historyMore?.next;
      if (next != null) link.ask({ type: 'history.list', from: next });
    },
    open: (id) => link.ask({ type: 'history.open', id }),
    more: () => {
      const open = link.snapshot().openConversation;
      if (open && open.next !== null) link.ask({ type: 'history.open', id: open.summary.id, from: open.next });
    },
    close: () => link.dispatch({ type: 'local.historyClosed' }),
    delete: (id) => {
      link.dispatch({ type: 'local.historyClosed' });
      link.ask({ type: 'history.delete', id });
    },
  };
}
