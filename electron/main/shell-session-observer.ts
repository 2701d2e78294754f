/**
 * What the shell learns from the messages main sends the window's session:
 * the session's state (for the tray and the shortcuts) and the events worth a
 * notification (a failed turn, a finished model download). It reads the
 * messages the session sends anyway; it is not a second pipeline.
 */
import type { ServerMessage } from '../../shared/protocol';
import type { ShellSessionState } from './tray-view';

export type ShellEvent = { kind: 'turn-failed'; detail: string } | { kind: 'model-downloaded'; title: string };

export class ShellSessionObserver {
  private current: ShellSessionState = { state: 'connecting', conversationRunning: false };
  /** Ids of the catalogue models that were downloading in the last view. */
  private downloading = new Set<string>();

  get state(): ShellSessionState {
    return this.current;
  }

  /** Reads one message; returns what deserves telling the user, if anything. */
  observe(message: ServerMessage): ShellEvent[] {
    // A session greets its client in its first state, idle, and says its state again only when it changes.
    if (message.type === 'welcome') {
      this.current = { state: 'idle', conversationRunning: false };
      return [];
    }
    if (message.type === 'state') {
      const failed = message.state === 'error' && this.current.state !== 'error';
      this.current = { state: message.state, conversationRunning: message.conversationId !== null, ...(message.detail ? { detail: message.detail } : {}) };
      return failed ? [{ kind: 'turn-failed', detail: message.detail ?? 'The reply failed.' }] : [];
    }
    if (message.type === 'models') {
      const events: ShellEvent[] = [];
      const downloading = new Set<string>();
      for (const model of message.view.catalog) {
        if (model.status.state === 'downloading') downloading.add(model.id);
        else if (model.status.state === 'ready' && this.downloading.has(model.id)) events.push({ kind: 'model-downloaded', title: model.title });
      }
      this.downloading = downloading;
      return events;
    }
    return [];
  }
}
