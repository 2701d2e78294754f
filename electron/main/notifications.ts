/**
 * Which shell events become a system notification: only while the window is
 * hidden (or minimised); in view, the window shows them itself.
 */
import type { ShellEvent } from './shell-session-observer';

export interface NotificationContent {
  title: string;
  body: string;
}

const BODY_LENGTH = 200;

export function notificationFor(event: ShellEvent, windowVisible: boolean): NotificationContent | null {
  if (windowVisible) return null;
  switch (event.kind) {
    case 'turn-failed':
      return { title: 'The reply failed', body: shorten(event.detail) };
    case 'model-downloaded':
      return { title: 'Model downloaded', body: `${shorten(event.title)} is ready to use on this computer.` };
  }
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > BODY_LENGTH ? `${line.slice(0, BODY_LENGTH - 1)}…` : line;
}
