import { useRef, useState } from 'react';
import { readTraceFile, TRACE_FILE_MAX_BYTES, type OpenedConversation } from './trace-file';

interface Props {
  /** The conversations of a file that opened, newest first. */
  onOpened(conversations: OpenedConversation[]): void;
}

/**
 * "Open trace file": a button that chooses an OTLP/JSON file, and an alert
 * saying what is wrong with one that cannot be shown (nothing else changes then).
 */
export function OpenTraceFile({ onOpened }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const openings = useRef(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const open = async (file: File) => {
    setBusy(true);
    const result = await readTraceFile(file, ++openings.current).finally(() => setBusy(false));
    if (result.ok) {
      setError(null);
      onOpened(result.conversations);
    } else setError(result.message);
  };

  return (
    <div className="traces-file">
      <button type="button" className="button secondary small" onClick={() => input.current?.click()} disabled={busy} aria-describedby={error ? 'trace-file-error' : 'trace-file-hint'}>
        Open trace file
      </button>
      <span id="trace-file-hint" className="hint">
        OTLP/JSON: a trace this viewer downloaded, or a collector's export (one request, or one per line), up to {TRACE_FILE_MAX_BYTES / (1024 * 1024)} MiB.
        It stays in this page.
      </span>
      <input
        ref={input}
        type="file"
        className="visually-hidden"
        aria-label="Trace file (OTLP/JSON)"
        accept=".json,.jsonl,.ndjson,application/json"
        tabIndex={-1}
        onChange={(event) => {
          const file = event.currentTarget.files?.[0];
          // The same file chosen again is a new choice.
          event.currentTarget.value = '';
          if (file) void open(file);
        }}
      />
      {error && (
        <p id="trace-file-error" className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
