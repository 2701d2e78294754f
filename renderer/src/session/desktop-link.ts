/**
 * The page's link to the desktop shell (tray, global shortcuts, menu): the
 * shell's commands become the page's own actions, its status goes to the
 * snapshot, and the settings pane is opened on request.
 */
import type { DesktopApi, DesktopCommand, DesktopStatus } from '../../../shared/bridge';
import type { ModelStageName } from '../../../shared/models';

export interface ShellCommands {
  startConversation(): void;
  endConversation(): void;
  pushToTalk(pressed: boolean): void;
  status(status: DesktopStatus): void;
}

export class DesktopLink {
  private readonly settingsRequests = new Set<() => void>();
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly api: DesktopApi,
    private readonly actions: ShellCommands,
  ) {
    this.unsubscribe = [api.onCommand((command) => this.run(command)), api.onStatus((status) => actions.status(status))];
  }

  get platform(): string {
    return this.api.platform;
  }

  /** The system's file picker; the chosen path, or null when cancelled. */
  pickModelFile(stage: ModelStageName): Promise<string | null> {
    return this.api.pickModelFile(stage);
  }

  /** Runs `listener` whenever the shell asks for the settings pane; returns the unsubscribe. */
  onSettingsRequested(listener: () => void): () => void {
    this.settingsRequests.add(listener);
    return () => this.settingsRequests.delete(listener);
  }

  dispose(): void {
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.settingsRequests.clear();
  }

  private run(command: DesktopCommand): void {
    switch (command.type) {
      case 'conversation.start':
        return this.actions.startConversation();
      case 'conversation.end':
        return this.actions.endConversation();
      case 'ptt':
        return this.actions.pushToTalk(command.pressed);
      case 'settings.open':
        for (const listener of this.settingsRequests) listener();
    }
  }
}

/** What the page asks of the desktop shell, or of the browser in its place. */
export interface DesktopActions {
  /** Opens a trace UI's address outside the app: the system browser on the desktop (main checks it first); false where the page opens it itself (a new tab). */
  openExternal(url: string): boolean;
  /** Runs `listener` whenever the shell (tray, menu) asks for the settings pane; returns the unsubscribe. */
  onSettingsRequested(listener: () => void): () => void;
}

export function desktopRequests(link: DesktopLink | null, openExternalLink: ((url: string) => void) | undefined): DesktopActions {
  return {
    openExternal: (url) => {
      if (!openExternalLink) return false;
      openExternalLink(url);
      return true;
    },
    onSettingsRequested: (listener) => link?.onSettingsRequested(listener) ?? (() => {}),
  };
}
