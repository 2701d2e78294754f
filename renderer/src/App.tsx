import { useRef, useSyncExternalStore } from 'react';
import { Composer } from './components/Composer';
import { ConversationLog } from './components/ConversationLog';
import { HistoryDialog, type HistoryDialogHandle } from './components/HistoryDialog';
import { SettingsDialog, type SettingsDialogHandle } from './components/SettingsDialog';
import { StatusBar } from './components/StatusBar';
import type { SessionClient } from './session/session-client';

export function App({ client }: { client: SessionClient }) {
  const snapshot = useSyncExternalStore(client.subscribe, client.getSnapshot);
  const settings = useRef<SettingsDialogHandle>(null);
  const history = useRef<HistoryDialogHandle>(null);
  const active = snapshot.conversationRequested;

  return (
    <div className="app">
      <header className="app-header">
        <h1 className="app-title">Voice Agent Stack</h1>
        <span className={`connection connection-${snapshot.connection}`}>
          {snapshot.connection === 'connected'
            ? `Connected (${snapshot.transport === 'ipc' ? 'desktop' : 'WebSocket'})`
            : snapshot.connection === 'reconnecting'
              ? 'Reconnecting…'
              : 'Connecting…'}
        </span>
        <button type="button" className="button secondary" onClick={() => history.current?.open()} disabled={snapshot.connection !== 'connected'}>
          History
        </button>
        <button type="button" className="button secondary" onClick={() => settings.current?.open()}>
          Settings
        </button>
      </header>

      {snapshot.alert && (
        <div className="alert" role="alert">
          <span>{snapshot.alert}</span>
          <button type="button" className="button link" onClick={() => client.dismissAlert()} aria-label="Dismiss message">
            ×
          </button>
        </div>
      )}

      <main className="conversation">
        <ConversationLog entries={snapshot.transcript} />
      </main>

      <footer className="controls">
        <StatusBar snapshot={snapshot} />
        <div className="control-row">
          <button
            type="button"
            className={`button talk ${active ? 'active' : ''}`}
            onClick={() => void (active ? client.endConversation() : client.startConversation())}
            disabled={!active && snapshot.connection !== 'connected'}
          >
            {active ? 'End conversation' : 'Start conversation'}
          </button>
          <Composer onSend={(text) => client.sendText(text)} disabled={snapshot.connection !== 'connected'} />
        </div>
      </footer>

      <SettingsDialog
        ref={settings}
        snapshot={snapshot}
        onTestSound={() => client.playTestSound()}
        onTracingChange={(change) => client.configureTracing(change)}
        onSaveSettings={(patch) => client.saveSettings(patch)}
      />
      <HistoryDialog
        ref={history}
        snapshot={snapshot}
        onList={() => client.listHistory()}
        onOpen={(id) => client.openHistory(id)}
        onBack={() => client.listHistory()}
        onDelete={(id) => client.deleteHistory(id)}
      />
    </div>
  );
}
