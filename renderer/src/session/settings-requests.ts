/**
 * The settings pane's requests to main: a save (values, secrets, resets),
 * answered as `settingsSave`; tracing's switches are saved the same way and
 * apply to the next span in both processes.
 */
import type { RequestLink } from './request-link';

export interface SettingsActions {
  save(patch: Record<string, unknown>): void;
  setTracing(change: { enabled?: boolean; consoleExport?: boolean }): void;
}

export function settingsRequests(link: RequestLink): SettingsActions {
  const save = (patch: Record<string, unknown>) => {
    if (!link.connected()) {
      link.dispatch({ type: 'local.settingsSave', save: { state: 'refused', errors: { settings: 'Not connected to the app; nothing was saved.' } } });
      return;
    }
    link.dispatch({ type: 'local.settingsSave', save: { state: 'saving' } });
    link.ask({ type: 'settings.update', patch }, (error) => {
      const message = error.failure === 'disconnected' ? 'The connection to the app was lost before it answered; check whether the change was kept.' : error.message;
      link.dispatch({ type: 'local.settingsSave', save: { state: 'refused', errors: { settings: message } } });
    });
  };
  return { save, setTracing: (change) => save({ values: { tracing: change } }) };
}
