import { forwardRef, useEffect, useImperativeHandle, useMemo, useRef, useState } from 'react';
import { otlpTraceFile } from '../../../shared/otlp-json';
import { traceUiLink } from '../../../shared/trace-ui-url';
import type { TraceConversation } from '../../../shared/trace-viewer';
import type { SessionSnapshot } from '../session/reducer';
import { hrToMs, logsBySpan, SpanIndex, summarize, turnRows, waterfall } from './trace-view';
import { behind } from './traces-state';
import { FILE_KEY_PREFIX, type OpenedConversation } from './trace-file';
import { OpenTraceFile } from './OpenTraceFile';
import { Diagnostics } from './Diagnostics';
import { moveFocus } from './keyboard';
import { engineSummary } from './engine-speed';
import { decisionSummary, turnDecisions } from './turn-decisions';
import { LatencySummary } from './LatencySummary';
import { SpanDetails, SpanWaterfall } from './SpanWaterfall';
import { TurnsTable } from './TurnsTable';
import type { TurnAudioActions } from '../session/turn-audio-requests';
import { audioOrigin, fileOffsetMs, seekSeconds, turnAudioStatus } from './turn-audio';
import { useAudioTurns, useTurnPlayback } from './use-turn-audio';
import { AudioLanes, Playhead, TurnAudioPlayer } from './TurnAudioPlayer';
import { DownloadAudio } from './DownloadAudio';

export interface TracesDialogHandle {
  /** Opens the viewer, on a turn when given (a reply's latency badge). */
  open(turn?: { key: string; spanId: string }): void;
}

interface Props {
  snapshot: SessionSnapshot;
  onOpen(): void;
  onSelectConversation(key: string | null): void;
  onTurnOnTracing(): void;
  /** True when the app opened the link itself (the desktop's system browser). */
  onOpenExternal(url: string): boolean;
  /** The turn audio kept on this computer, asked of main. */
  audio: TurnAudioActions;
}

const when = (ms: number) => new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const title = (c: TraceConversation) => c.firstWords ?? c.conversationId ?? `trace ${c.traceId}`;

/** The built-in trace viewer: recent conversations, their turns and each turn's spans, from the spans the app keeps. */
export const TracesDialog = forwardRef<TracesDialogHandle, Props>(function TracesDialog({ snapshot, onOpen, onSelectConversation, onTurnOnTracing, onOpenExternal, audio }, ref) {
  const dialog = useRef<HTMLDialogElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const [chosenKey, setChosenKey] = useState<string | null>(null);
  const [turnId, setTurnId] = useState<string | null>(null);
  const [spanId, setSpanId] = useState<string | null>(null);
  // Conversations of trace files opened in this page, after the live ones.
  const [opened, setOpened] = useState<OpenedConversation[]>([]);
  const [focusKey, setFocusKey] = useState<string | null>(null);
  // Turn audio is asked for, and plays, only while the dialog is open.
  const [shown, setShown] = useState(false);
  const traces = snapshot.traces;
  const tracing = !!snapshot.tracing?.enabled;
  const conversations = useMemo(() => [...(tracing ? (traces.conversations ?? []) : []), ...opened.map((o) => o.conversation)], [tracing, traces.conversations, opened]);
  // The chosen conversation while it is kept, else the one running now, else the newest.
  const key =
    (chosenKey && conversations.some((c) => c.key === chosenKey) ? chosenKey : null) ??
    (snapshot.conversationId && conversations.some((c) => c.key === snapshot.conversationId) ? snapshot.conversationId : null) ??
    conversations[0]?.key ??
    null;
  const conversation = conversations.find((c) => c.key === key) ?? null;
  const file = key?.startsWith(FILE_KEY_PREFIX) ? (opened.find((o) => o.conversation.key === key) ?? null) : null;
  // A file's conversation is all in the page: main is asked for none.
  useEffect(() => onSelectConversation(file ? null : key), [key, file, onSelectConversation]);
  // After a file opens: its conversation, chosen.
  useEffect(() => {
    if (!focusKey) return;
    list.current?.querySelector<HTMLButtonElement>(`button[data-key="${CSS.escape(focusKey)}"]`)?.focus();
    setFocusKey(null);
  }, [focusKey]);

  useImperativeHandle(ref, () => ({
    open: (turn) => {
      onOpen();
      setChosenKey(turn?.key ?? null);
      setTurnId(turn?.spanId ?? null);
      setSpanId(null);
      setShown(true);
      if (!dialog.current?.open) dialog.current?.showModal();
    },
  }), [onOpen]);

  const spans = useMemo(() => file?.spans ?? (key ? (traces.spans[key] ?? []) : []), [file, key, traces.spans]);
  const view = useMemo(() => {
    const index = new SpanIndex(spans);
    const rows = turnRows(spans, index);
    return { index, rows, summary: summarize(rows), engine: engineSummary(rows, index), decisions: decisionSummary(rows, index) };
  }, [spans]);
  const turn = view.rows.find((r) => r.spanId === turnId) ?? null;
  const logs = useMemo(() => logsBySpan(key ? (traces.logs[key] ?? []) : []), [key, traces.logs]);
  const fall = useMemo(() => (turn ? waterfall(spans, turn.spanId, view.index, logs) : null), [spans, turn, view.index, logs]);
  const span = spanId ? (view.index.byId.get(spanId) ?? null) : null;
  const turnSpan = turn ? view.index.byId.get(turn.spanId) : undefined;
  const decisions = useMemo(() => (turnSpan ? turnDecisions(turnSpan, view.index) : null), [turnSpan, view.index]);
  const complete = key !== null && (file !== null || !behind(traces, key));
  const template = snapshot.settings?.values.tracing.traceUiUrl ?? '';
  const origin = conversation ? audioOrigin(conversation.key, conversation.conversationId, file !== null) : null;
  const audioKey = shown && origin?.kind === 'live' ? origin.key : null;
  // Asked again as turns end, and as the chosen turn's last spans come (its reply played: its audio is complete).
  const listed = useAudioTurns(audio, audioKey, `${conversation?.turns ?? 0} ${turn?.number ?? ''} ${fall?.rows.length ?? 0}`);
  const audioStatus = turn && origin ? turnAudioStatus(origin, turn.number, listed) : null;
  const kept = audioStatus?.kind === 'kept' ? audioStatus.audio : null;
  const offsetMs = kept && turnSpan ? fileOffsetMs(kept, hrToMs(turnSpan.startTime)) : 0;
  const playback = useTurnPlayback(audio, audioKey, kept);
  const selectSpan = (id: string) => {
    setSpanId(id);
    // The audio goes to the span's start too.
    const row = fall?.rows.find((r) => r.span.spanId === id);
    if (kept && row) playback.seek(seekSeconds(row.offsetMs, offsetMs, kept));
  };

  const download = () => {
    if (!conversation || !traces.resources || file) return;
    const blob = new Blob([otlpTraceFile(spans, traces.resources)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = `trace-${conversation.traceId}.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <dialog ref={dialog} className="settings traces" aria-labelledby="traces-title" onClose={() => setShown(false)}>
      <div className="settings-body">
        <header className="settings-header">
          <h2 id="traces-title">Traces</h2>
          <button type="button" className="button link" aria-label="Close traces" onClick={() => dialog.current?.close()}>
            ×
          </button>
        </header>
        <OpenTraceFile
          onOpened={(files) => {
            setOpened((before) => [...before, ...files]);
            setChosenKey(files[0]!.conversation.key);
            setTurnId(null);
            setSpanId(null);
            setFocusKey(files[0]!.conversation.key);
          }}
        />
        {!tracing && (
          <section className="traces-off">
            <p>Tracing is off, so no spans are kept. Turn it on and the viewer shows every turn of your next conversations, with where the time went.</p>
            <button type="button" className="button" onClick={onTurnOnTracing} disabled={!snapshot.tracing}>
              Turn on tracing
            </button>
          </section>
        )}
        {conversations.length === 0 ? (
          tracing && <p className="hint">No spans yet: start a conversation or type a message, and its turns appear here as they end.</p>
        ) : (
          <>
            <ul ref={list} className="traces-conversations" aria-label="Conversations">
              {conversations.map((c) => (
                <li key={c.key}>
                  <button
                    type="button"
                    className={`traces-conversation${c.key === key ? ' selected' : ''}`}
                    aria-pressed={c.key === key}
                    data-key={c.key}
                    onClick={() => {
                      setChosenKey(c.key);
                      setTurnId(null);
                      setSpanId(null);
                    }}
                    onKeyDown={(event) => moveFocus(event, list.current, 'button.traces-conversation')}
                  >
                    <span className="history-date">{when(c.startedAt)}</span>
                    <span className="traces-conversation-title">
                      {title(c)}
                      {c.key.startsWith(FILE_KEY_PREFIX) ? ' (from file)' : c.key === snapshot.conversationId ? ' (now)' : ''}
                    </span>
                    <span className="history-count">
                      {c.turns} {c.turns === 1 ? 'turn' : 'turns'}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
            {conversation && (
              <div className="traces-actions">
                <span className="hint">
                  {conversation.spans} spans · trace {conversation.traceId}
                  {file && ` · from ${file.fileName}`}
                </span>
                {!file && (
                  <button type="button" className="button secondary small" onClick={download} disabled={!complete}>
                    Download trace
                  </button>
                )}
                {audioKey && (
                  <DownloadAudio
                    source={audio}
                    audioKey={audioKey}
                    traceId={conversation.traceId}
                    turn={turn ? turn.number : null}
                    available={turn ? kept !== null : !!listed && 'list' in listed && listed.list.turns.some((t) => t.kept)}
                  />
                )}
                {template && !file && (
                  <a
                    className="button secondary small"
                    href={traceUiLink(template, conversation.traceId)}
                    target="_blank"
                    rel="noopener noreferrer"
                    onClick={(event) => {
                      if (onOpenExternal(traceUiLink(template, conversation.traceId))) event.preventDefault();
                    }}
                  >
                    Open in trace UI
                  </a>
                )}
              </div>
            )}
            <LatencySummary summary={view.summary} rows={view.rows} engine={view.engine} decisions={view.decisions} />
            <TurnsTable rows={view.rows} selected={turn?.spanId ?? null} onSelect={(id) => { setTurnId(id); setSpanId(null); }} />
            {turn && fall ? (
              <section className="traces-waterfall" aria-label={`Turn ${turn.number ?? ''}`}>
                <h3>Turn {turn.number ?? ''}: spans</h3>
                {audioStatus && <TurnAudioPlayer turn={turn.number} status={audioStatus} playback={playback} offsetMs={offsetMs} outputDeviceId={snapshot.settings?.values.audio.outputDeviceId ?? ''} />}
                <SpanWaterfall
                  rows={fall.rows}
                  totalMs={fall.totalMs}
                  selected={spanId}
                  onSelect={selectSpan}
                  decisions={decisions}
                  extra={
                    kept && {
                      untilMs: offsetMs + kept.durationMs,
                      lanes: (totalMs) => <AudioLanes audio={kept} offsetMs={offsetMs} totalMs={totalMs} />,
                      overlay: (totalMs) => <Playhead element={playback.element} state={playback.state} offsetMs={offsetMs} totalMs={totalMs} />,
                    }
                  }
                />
                {span && <SpanDetails span={span} logs={logs.get(span.spanId)} />}
              </section>
            ) : (
              view.rows.length > 0 && <p className="hint">Choose a turn (click it, or Tab to it and press Enter) to see its spans.</p>
            )}
          </>
        )}
        <Diagnostics snapshot={snapshot} />
      </div>
    </dialog>
  );
});
