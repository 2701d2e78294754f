import { forwardRef, useImperativeHandle, useRef } from 'react';
import type { SessionSnapshot } from '../session/reducer';
import { OnDeviceModels, type ModelActions } from './OnDeviceModels';
import { SettingsForm } from './SettingsForm';
import type { ToolActions } from '../session/tool-requests';
import { ToolsSettings } from './ToolsSettings';

export interface SettingsDialogHandle {
  open(): void;
}

interface Props {
  snapshot: SessionSnapshot;
  onTestSound(): void;
  onTracingChange(change: { enabled?: boolean; consoleExport?: boolean }): void;
  onSaveSettings(patch: Record<string, unknown>): void;
  modelActions: ModelActions;
  toolActions: ToolActions;
}

/** The settings pane: a modal dialog (Escape closes it, focus stays inside). */
export const SettingsDialog = forwardRef<SettingsDialogHandle, Props>(function SettingsDialog({ snapshot, onTestSound, onTracingChange, onSaveSettings, modelActions, toolActions }, ref) {
  const dialog = useRef<HTMLDialogElement>(null);
  useImperativeHandle(ref, () => ({ open: () => void (dialog.current?.open || dialog.current?.showModal()) }), []);

  return (
    <dialog ref={dialog} className="settings" aria-labelledby="settings-title">
      <div className="settings-body">
        <header className="settings-header">
          <h2 id="settings-title">Settings</h2>
          <button type="button" className="button link" aria-label="Close settings" onClick={() => dialog.current?.close()}>
            ×
          </button>
        </header>

        <section aria-labelledby="settings-tracing">
          <h3 id="settings-tracing">Tracing</h3>
          {snapshot.tracing ? (
            <>
              <label className="check">
                <input
                  type="checkbox"
                  checked={snapshot.tracing.enabled}
                  onChange={(event) => onTracingChange({ enabled: event.target.checked })}
                />
                Enable tracing
              </label>
              <label className="check">
                <input
                  type="checkbox"
                  checked={snapshot.tracing.consoleExport}
                  disabled={!snapshot.tracing.enabled}
                  onChange={(event) => onTracingChange({ consoleExport: event.target.checked })}
                />
                Console export
              </label>
              <p className="hint">
                Each conversation is one OpenTelemetry trace, exported over OTLP/HTTP by the app (and printed in its terminal with
                console export). Changes apply to the next span.
              </p>
            </>
          ) : (
            <p className="hint">Tracing is not available until the app is connected.</p>
          )}
        </section>

        {snapshot.settings && <SettingsForm view={snapshot.settings} models={snapshot.models} desktop={snapshot.desktop} save={snapshot.settingsSave} onSave={onSaveSettings} />}

        {snapshot.models && <OnDeviceModels models={snapshot.models} result={snapshot.modelsResult} actions={modelActions} />}

        {snapshot.tools && <ToolsSettings tools={snapshot.tools} result={snapshot.toolsResult} actions={toolActions} />}

        <section aria-labelledby="settings-audio">
          <h3 id="settings-audio">Audio</h3>
          <p className="hint">Plays a short chime through the same path as the assistant's voice.</p>
          <button type="button" className="button secondary" onClick={onTestSound}>
            Play test sound
          </button>
          <p className="hint" data-testid="output-played">
            Played: {((snapshot.stats?.playedMs ?? 0) / 1000).toFixed(2)} s of assistant audio
          </p>
        </section>

        <section aria-labelledby="settings-connection">
          <h3 id="settings-connection">Connection</h3>
          <dl className="facts">
            <dt>Transport</dt>
            <dd>{snapshot.transport === 'ipc' ? 'Electron IPC (MessagePort)' : 'WebSocket'}</dd>
            <dt>Session</dt>
            <dd>{snapshot.sessionId ?? 'not connected'}</dd>
            <dt>Microphone</dt>
            <dd>{snapshot.microphoneLabel ?? 'not in use'}</dd>
          </dl>
        </section>
      </div>
    </dialog>
  );
});
