/**
 * What a global shortcut does, given what main knows of the session. Global
 * shortcuts have no key-up, so push-to-talk is a toggle: one press starts
 * talking, the next one stops.
 */
import type { DesktopCommand } from '../../shared/bridge';
import type { ShellSessionState } from './tray-view';

/** The conversation shortcut (and the tray's item): start one, or end the one running. */
export function conversationToggle(session: ShellSessionState): DesktopCommand | null {
  if (session.conversationRunning) return { type: 'conversation.end' };
  if (session.state === null || session.state === 'connecting') return null;
  return { type: 'conversation.start' };
}

export interface PushToTalkOutcome {
  command: DesktopCommand | null;
  /** Whether push-to-talk is held after this press. */
  held: boolean;
}

/**
 * The push-to-talk shortcut. Outside a conversation it starts one (the next
 * press talks: the microphone has to open first); inside one it presses or
 * releases the talk key.
 */
export function pushToTalkToggle(session: ShellSessionState, held: boolean): PushToTalkOutcome {
  if (!session.conversationRunning) return { command: conversationToggle(session), held: false };
  return { command: { type: 'ptt', pressed: !held }, held: !held };
}
