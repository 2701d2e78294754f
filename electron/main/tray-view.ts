/**
 * What the tray icon (the menu-bar item on macOS) shows for the session's
 * state: which icon, its tooltip, and the menu's items with their labels and
 * whether each can be chosen. The wiring (desktop-shell.ts) draws exactly this.
 */
import type { SessionState } from '../../shared/protocol';

/** One icon per state; the images are drawn by tray-icons.ts. */
export const TRAY_ICON_NAMES = ['idle', 'listening', 'thinking', 'speaking', 'error', 'offline'] as const;
export type TrayIconName = (typeof TRAY_ICON_NAMES)[number];

export type TrayMenuItemId = 'conversation' | 'show-window' | 'settings' | 'quit';

export interface TrayMenuItem {
  id: TrayMenuItemId;
  label: string;
  enabled: boolean;
}

export interface TrayView {
  icon: TrayIconName;
  tooltip: string;
  items: TrayMenuItem[];
}

/** What main knows of the window's session: its state, and whether a conversation runs. */
export interface ShellSessionState {
  /** null: no window has a session open (the window is closed or still loading). */
  state: SessionState | null;
  conversationRunning: boolean;
  /** The state's detail, e.g. what went wrong. */
  detail?: string;
}

const STATE_TEXT: Record<SessionState, string> = {
  connecting: 'connecting',
  idle: 'ready',
  listening: 'listening',
  thinking: 'thinking',
  speaking: 'speaking',
  error: 'something went wrong',
};

const TOOLTIP_DETAIL_LENGTH = 100;

export function trayViewFor(session: ShellSessionState, appName: string): TrayView {
  const { state, conversationRunning } = session;
  const icon: TrayIconName = state === null || state === 'connecting' ? 'offline' : state;
  const detail = state === 'error' && session.detail ? `: ${shorten(session.detail)}` : '';
  const tooltip = state === null ? `${appName}: no window open` : `${appName}: ${STATE_TEXT[state]}${detail}`;
  const connected = state !== null && state !== 'connecting';
  return {
    icon,
    tooltip,
    items: [
      { id: 'conversation', label: conversationRunning ? 'End conversation' : 'Start conversation', enabled: connected },
      { id: 'show-window', label: 'Show window', enabled: true },
      { id: 'settings', label: 'Settings…', enabled: true },
      { id: 'quit', label: `Quit ${appName}`, enabled: true },
    ],
  };
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > TOOLTIP_DETAIL_LENGTH ? `${line.slice(0, TOOLTIP_DETAIL_LENGTH - 1)}…` : line;
}
