import { useCallback, useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import { keyName } from './components/AudioDevices';
import { Composer } from './components/Composer';
import { ConversationLog } from './components/ConversationLog';
import { HistoryDialog, type HistoryDialogHandle } from './components/HistoryDialog';
import { OfflineBanner, type ModelActions } from './components/OnDeviceModels';
import { SettingsDialog, type SettingsDialogHandle } from './components/SettingsDialog';
import { StatusBar } from './components/StatusBar';
import { TracesDialog, type TracesDialogHandle } from './traces/TracesDialog';
import { replyLatencies } from './traces/reply-latency';
import type { SessionClient } from './session/session-client';

export function App({ client }: { client: SessionClient }) {
  const snapshot = useSyncExternalStore(client.subscribe, client.getSnapshot);
  const settings = useRef<SettingsDialogHandle>(null);
  const history = useRef<HistoryDialogHandle>(null);
  const traces = useRef<TracesDialogHandle>(null);
  const latencies = useMemo(() => replyLatencies(snapshot.traces), [snapshot.traces]);
  const refreshTraces = useCallback(() => client.traces.refresh(), [client]);
  const selectTraceConversation = useCallback((key: string | null) => client.traces.select(key), [client]);
  const active = snapshot.conversationRequested;
  const pushToTalk = snapshot.settings?.values.audio.mode === 'push-to-talk';
  const pttKey = snapshot.settings?.values.audio.pushToTalkKey ?? 'Space';
  const modelActions: ModelActions = {
    download: (id) => client.models.download(id),
    cancel: (id) => client.models.cancel(id),
    remove: (id) => client.models.remove(id),
    pick: (stage, path) => client.models.pick(stage, path),
    unpick: (stage) => client.models.unpick(stage),
    choose: client.models.choosesFiles ? (stage) => void client.models.chooseFile(stage) : undefined,
  };

  // The tray and the application menu open the settings pane too.
  useEffect(() => client.desktop.onSettingsRequested(() => settings.current?.open()), [client]);

  // Push-to-talk: hold the chosen key anywhere but in a text field.
  useEffect(() => {
    if (!pushToTalk || !active) return;
    const typing = (target: EventTarget | null) => target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
    const down = (event: KeyboardEvent) => {
      if (event.code !== pttKey || event.repeat || typing(event.target)) return;
      event.preventDefault();
      client.pushToTalk(true);
    };
    const up = (event: KeyboardEvent) => {
      if (event.code !== pttKey) return;
      client.pushToTalk(false);
    };
    const blur = () => client.pushToTalk(false);
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
    };
  }, [pushToTalk, active, pttKey, client]);

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
        <button type="button" className="button secondary" onClick={() => traces.current?.open()} disabled={snapshot.connection !== 'connected'}>
          Traces
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

      {snapshot.models && <OfflineBanner models={snapshot.models} actions={modelActions} />}

      <main className="conversation">
        <ConversationLog entries={snapshot.transcript} latencies={latencies} onOpenTurn={(latency) => traces.current?.open({ key: latency.turn.key, spanId: latency.turn.spanId })} />
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
          {pushToTalk && active && (
            <button
              type="button"
              className="button secondary"
              onPointerDown={() => client.pushToTalk(true)}
              onPointerUp={() => client.pushToTalk(false)}
              onPointerLeave={() => client.pushToTalk(false)}
              onKeyDown={(e) => {
                if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) client.pushToTalk(true);
              }}
              onKeyUp={(e) => {
                if (e.key === ' ' || e.key === 'Enter') client.pushToTalk(false);
              }}
            >
              Hold to talk ({keyName(pttKey)})
            </button>
          )}
          <Composer onSend={(text) => client.sendText(text)} disabled={snapshot.connection !== 'connected'} />
        </div>
      </footer>

      <SettingsDialog
        ref={settings}
        snapshot={snapshot}
        onTestSound={() => client.playTestSound()}
        onTracingChange={(change) => client.settings.setTracing(change)}
        onSaveSettings={(patch) => client.settings.save(patch)}
        modelActions={modelActions}
        toolActions={client.tools}
      />
      <TracesDialog
        ref={traces}
        snapshot={snapshot}
        onOpen={refreshTraces}
        onSelectConversation={selectTraceConversation}
        onTurnOnTracing={() => client.settings.setTracing({ enabled: true })}
        onOpenExternal={(url) => client.desktop.openExternal(url)}
        audio={client.audio}
      />
      <HistoryDialog
        ref={history}
        snapshot={snapshot}
        onList={() => client.history.list()}
        onOpen={(id) => client.history.open(id)}
        onMore={() => client.history.more()}
        onOlder={() => client.history.moreList()}
        onBack={() => client.history.list()}
        onDelete={(id) => client.history.delete(id)}
      />
    </div>
  );
}
