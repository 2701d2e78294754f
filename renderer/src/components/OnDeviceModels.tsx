import { useState, type FormEvent } from 'react';
import { formatBytes, type CatalogEntry, type ModelStageName, type ModelsView } from '../../../shared/models';
import { offlineBanner } from './offline-banner';

export interface ModelActions {
  download(id: string): void;
  cancel(id: string): void;
  remove(id: string): void;
  pick(stage: ModelStageName, path: string): void;
  unpick(stage: ModelStageName): void;
  /** The system's file picker (the desktop); without it the page asks for a path. */
  choose?: ((stage: ModelStageName) => void) | undefined;
}

const STAGE_NAME: Record<'stt' | 'llm' | 'tts', string> = { stt: 'Speech-to-text', llm: 'Language model', tts: 'Text-to-speech' };
const IN_A_SENTENCE: Record<'stt' | 'llm', string> = { stt: 'speech recognition', llm: 'the language model' };

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "12 MB of 142 MB · 4.1 MB/s · 30 s left" */
function progressText(status: Extract<CatalogEntry['status'], { state: 'downloading' }>): string {
  const parts = [status.totalBytes ? `${formatBytes(status.receivedBytes)} of ${formatBytes(status.totalBytes)}` : formatBytes(status.receivedBytes)];
  if (status.bytesPerSecond > 0) parts.push(`${formatBytes(status.bytesPerSecond)}/s`);
  if (status.secondsLeft !== null && status.bytesPerSecond > 0) parts.push(`${formatDuration(status.secondsLeft)} left`);
  return parts.join(' · ');
}

/** One model: what it is, where its download stands, and what can be done with it. */
function ModelStatusLine({ model, actions }: { model: CatalogEntry; actions: ModelActions }) {
  const status = model.status;
  const labelId = `model-${model.id.replace(/[^\w-]/g, '-')}`;
  return (
    <div className="model-line" aria-labelledby={labelId}>
      <div className="model-head">
        <strong id={labelId}>{model.title}</strong>
        <span className="hint">
          {formatBytes(model.sizeBytes)} · {model.license}
        </span>
      </div>
      {status.state === 'downloading' && (
        <div className="model-progress">
          <progress max={status.totalBytes ?? undefined} value={status.receivedBytes} aria-labelledby={labelId} />
          <span className="hint" aria-live="polite">
            {progressText(status)}
          </span>
          <button type="button" className="button secondary small" onClick={() => actions.cancel(model.id)}>
            Cancel
          </button>
        </div>
      )}
      {status.state === 'ready' && (
        <div className="model-progress">
          <span className="model-ready">Downloaded</span>
          <button type="button" className="button link small" onClick={() => actions.remove(model.id)} aria-label={`Delete ${model.title}`}>
            Delete
          </button>
        </div>
      )}
      {(status.state === 'missing' || status.state === 'error') && (
        <div className="model-progress">
          {status.state === 'error' && (
            <span className="field-error" role="alert">
              {status.message}
            </span>
          )}
          <button type="button" className="button secondary" onClick={() => actions.download(model.id)}>
            {status.partialBytes > 0 ? `Resume (${formatBytes(status.partialBytes)} of ${formatBytes(model.sizeBytes)} done)` : `Download ${formatBytes(model.sizeBytes)}`}
          </button>
        </div>
      )}
    </div>
  );
}

/**
 * On the main screen, when a stage runs on this computer and its model is
 * missing: what is needed, and one button that fetches all of it. Once asked
 * for, a download is one line (its progress, or its failure and a retry), so
 * the conversation keeps its room.
 */
export function OfflineBanner({ models, actions }: { models: ModelsView; actions: ModelActions }) {
  const view = offlineBanner(models);
  if (view.layout === 'none') return null;
  if (view.layout === 'progress') {
    return (
      <section className="offline-banner compact" aria-labelledby="offline-title">
        <h2 id="offline-title" className="visually-hidden">
          Run the assistant on this computer
        </h2>
        {view.lines.map(({ model }) => (
          <DownloadLine key={model.id} model={model} actions={actions} />
        ))}
      </section>
    );
  }
  const { waiting, toFetch } = view;
  const left = (status: CatalogEntry['status'], size: number) => (status.state === 'missing' || status.state === 'error' ? size - status.partialBytes : 0);
  const total = waiting.reduce((sum, { model }) => sum + model.sizeBytes, 0);
  return (
    <section className="offline-banner" aria-labelledby="offline-title">
      <h2 id="offline-title">Run the assistant on this computer</h2>
      <p>
        No API key is set, so {waiting.map(({ stage }) => IN_A_SENTENCE[stage]).join(' and ')} will run privately on this computer.{' '}
        {waiting.length > 1 ? 'They need these models' : 'It needs this model'}, downloaded once ({formatBytes(total)}); after that the assistant
        works offline. Speech is already built in.
      </p>
      {waiting.map(({ model }) => (
        <ModelStatusLine key={model.id} model={model} actions={actions} />
      ))}
      {toFetch.length > 1 && (
        <button type="button" className="button" onClick={() => toFetch.forEach(({ model }) => actions.download(model.id))}>
          Download all ({formatBytes(toFetch.reduce((sum, { model }) => sum + left(model.status, model.sizeBytes), 0))})
        </button>
      )}
      <p className="hint">Or add an OpenAI API key (or a local server's address) in Settings.</p>
    </section>
  );
}

/** A chosen download on the main screen, in one line: running (progress, cancel) or failed (why, retry). */
function DownloadLine({ model, actions }: { model: CatalogEntry; actions: ModelActions }) {
  const status = model.status;
  const labelId = `download-${model.id.replace(/[^\w-]/g, '-')}`;
  if (status.state === 'downloading') {
    return (
      <div className="download-line">
        <span id={labelId} className="download-title">
          Downloading {model.title}
        </span>
        <progress max={status.totalBytes ?? undefined} value={status.receivedBytes} aria-labelledby={labelId} />
        <span className="hint" aria-live="polite">
          {progressText(status)}
        </span>
        <button type="button" className="button secondary small" onClick={() => actions.cancel(model.id)} aria-label={`Cancel ${model.title}`}>
          Cancel
        </button>
      </div>
    );
  }
  if (status.state !== 'error') return null;
  return (
    <div className="download-line">
      <span className="field-error" role="alert">
        {model.title}: {status.message}
      </span>
      <button type="button" className="button secondary small" onClick={() => actions.download(model.id)} aria-label={`Retry ${model.title}`}>
        Retry
      </button>
    </div>
  );
}

/** The settings pane's section: who runs each stage, every model, and files of your own. */
export function OnDeviceModels({ models, result, actions }: { models: ModelsView; result: { ok: boolean; message: string } | null; actions: ModelActions }) {
  return (
    <section aria-labelledby="settings-models">
      <h3 id="settings-models">On-device models</h3>
      <dl className="facts" data-testid="engines">
        {(['stt', 'llm', 'tts'] as const).map((stage) => (
          <div key={stage} className="fact">
            <dt>{STAGE_NAME[stage]}</dt>
            <dd className={models.engines[stage].ready ? undefined : 'field-error'}>{models.engines[stage].label}</dd>
          </div>
        ))}
      </dl>
      {models.catalog.map((model) => (
        <ModelStatusLine key={model.id} model={model} actions={actions} />
      ))}
      <PickFile stage="stt" label="Speech-to-text model file (whisper.cpp .bin)" models={models} actions={actions} />
      <PickFile stage="llm" label="Language model file (.gguf)" models={models} actions={actions} />
      {result && !result.ok && (
        <p className="field-error" role="alert">
          {result.message}
        </p>
      )}
      <p className="hint">Models are kept in the app's data folder and checked against their published checksums. Nothing is downloaded unless you ask.</p>
    </section>
  );
}

function PickFile({ stage, label, models, actions }: { stage: ModelStageName; label: string; models: ModelsView; actions: ModelActions }) {
  const [path, setPath] = useState('');
  const picked = models.picked[stage];
  const id = `pick-${stage}`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (path.trim()) actions.pick(stage, path.trim());
  };
  return (
    <form className="field pick-file" onSubmit={submit}>
      <label htmlFor={id}>{label}</label>
      {picked ? (
        <div className="model-progress">
          <span className="hint">
            Using {picked.path} ({formatBytes(picked.sizeBytes)})
          </span>
          <button type="button" className="button link small" onClick={() => actions.unpick(stage)}>
            Use the catalogue model
          </button>
        </div>
      ) : actions.choose ? (
        <div className="model-progress">
          <button id={id} type="button" className="button secondary small" onClick={() => actions.choose?.(stage)}>
            Use file…
          </button>
        </div>
      ) : (
        <div className="model-progress">
          <input id={id} type="text" placeholder="/path/to/model on the app's computer" value={path} onChange={(e) => setPath(e.target.value)} />
          <button type="submit" className="button secondary small" disabled={!path.trim()}>
            Use file
          </button>
        </div>
      )}
    </form>
  );
}
