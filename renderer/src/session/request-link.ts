/**
 * What a request module (history, models, settings, tools) needs of the
 * session client: whether main can be reached, a request whose reply goes
 * through the reducer like any message, the snapshot, and the page's own
 * events (`LocalEvent`) for what is decided here.
 */
import type { ServerMessage } from '../../../shared/protocol';
import type { LocalEvent, SessionSnapshot } from './reducer';
import { RequestError, type RequestMessage } from './pending-requests';

export interface RequestLink {
  connected(): boolean;
  /** A failure is shown as an alert unless `onFailure` says otherwise; a lost link is not, since the conversation already says so. */
  ask(message: RequestMessage, onFailure?: (error: RequestError) => void): void;
  /** Changes the snapshot through the reducer. */
  dispatch(event: ServerMessage | LocalEvent): void;
  snapshot(): SessionSnapshot;
}

/** A request's failure as a result line: the link that went down, or main's message. */
export function failureMessage(error: RequestError): string {
  return error.failure === 'disconnected' ? 'Not connected to the app.' : error.message;
}

/** Sends requests with `request`; each reply goes through the reducer like any message, a failure as RequestLink.ask says. */
export function asking(request: (message: RequestMessage) => Promise<ServerMessage>, dispatch: RequestLink['dispatch']): RequestLink['ask'] {
  return (message, onFailure) => {
    request(message).then(
      (reply) => dispatch(reply),
      (error: unknown) => {
        const failure = error instanceof RequestError ? error : new RequestError(String(error), 'refused');
        if (onFailure) onFailure(failure);
        else if (failure.failure !== 'disconnected') dispatch({ type: 'local.alert', alert: failure.message });
      },
    );
  };
}
