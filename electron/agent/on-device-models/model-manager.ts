/**
 * Keeps the offline engines' model files in `<dataDir>/models`: what is
 * there, what is downloading, and which file the user picked by hand.
 *
 * A model counts as ready when its file has the catalogue's size and matches
 * what `manifest.json` recorded after the file was hashed (size, modification
 * time and digest), so start-up never re-hashes hundreds of megabytes. Nothing
 * is downloaded unless `download` is called.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ignoreFailure } from '../util/ignore-failure';
import { writeFileAtomic } from '../util/atomic-file';
import { MODEL_CATALOG, type CatalogModel, type ModelStage } from './model-catalog';
import {
  downloadFile,
  hashFile,
  ModelDownloadError,
  partPathFor,
  type DigestAlgorithm,
  type DownloadErrorKind,
  type DownloadOptions,
  type DownloadProgress,
} from './model-download';
import { validateModelFile, type ValidatedModelFile } from './model-file';

export type ModelStatus =
  /** `partialBytes` > 0 means a download can resume from there. */
  | { state: 'missing'; partialBytes: number }
  | { state: 'downloading'; progress: DownloadProgress }
  | { state: 'ready'; path: string; sizeBytes: number }
  | { state: 'error'; kind: DownloadErrorKind; message: string; partialBytes: number };

export type ReadyStatus = Extract<ModelStatus, { state: 'ready' }>;

export interface ModelListEntry {
  model: CatalogModel;
  status: ModelStatus;
}

export type PickedModelFile = ValidatedModelFile & { stage: ModelStage };

export type ModelEvent = { type: 'status'; id: string; status: ModelStatus } | { type: 'picked'; stage: ModelStage; file: PickedModelFile | null };

export interface ModelManagerOptions {
  /** The app's data folder; models live in `<dataDir>/models`. */
  dataDir: string;
  catalog?: readonly CatalogModel[];
  download?: Pick<DownloadOptions, 'progressIntervalMs' | 'stallTimeoutMs' | 'retries' | 'retryDelayMs' | 'headers'>;
}

interface DownloadedRecord {
  fileName: string;
  sizeBytes: number;
  mtimeMs: number;
  digests: Partial<Record<DigestAlgorithm, string>>;
  verifiedAt: string;
}

interface Manifest {
  version: 1;
  downloaded: Partial<Record<string, DownloadedRecord>>;
  picked: Partial<Record<ModelStage, PickedModelFile>>;
}

const MANIFEST_FILE = 'manifest.json';

export class ModelManager {
  readonly modelsDir: string;
  private readonly catalog: readonly CatalogModel[];
  private readonly statuses = new Map<string, ModelStatus>();
  private readonly active = new Map<string, { controller: AbortController; promise: Promise<ReadyStatus> }>();
  private readonly listeners = new Set<(event: ModelEvent) => void>();
  private manifest: Manifest = { version: 1, downloaded: {}, picked: {} };
  private manifestWrite: Promise<void> = Promise.resolve();

  private constructor(private readonly options: ModelManagerOptions) {
    this.modelsDir = join(options.dataDir, 'models');
    this.catalog = options.catalog ?? MODEL_CATALOG;
  }

  /** Reads the manifest and looks at the files on disk (no hashing, no network). */
  static async open(options: ModelManagerOptions): Promise<ModelManager> {
    const manager = new ModelManager(options);
    await manager.load();
    return manager;
  }

  models(): readonly CatalogModel[] {
    return this.catalog;
  }

  status(id: string): ModelStatus {
    this.model(id);
    return this.statuses.get(id)!;
  }

  list(): ModelListEntry[] {
    return this.catalog.map((model) => ({ model, status: this.statuses.get(model.id)! }));
  }

  /** Calls `listener` on every status change and picked-file change; returns the unsubscribe function. */
  subscribe(listener: (event: ModelEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Downloads a model (resuming a partial download) and resolves once it is
   * verified and ready. A call while the same model is downloading joins it.
   * Rejects with a ModelDownloadError; a cancelled download rejects with kind
   * 'cancelled' (name 'AbortError') and leaves the model 'missing'.
   */
  download(id: string): Promise<ReadyStatus> {
    const model = this.model(id);
    const running = this.active.get(id);
    if (running) return running.promise;
    const current = this.statuses.get(id)!;
    if (current.state === 'ready') return Promise.resolve(current);
    const controller = new AbortController();
    const promise = this.runDownload(model, controller.signal).finally(() => this.active.delete(id));
    this.active.set(id, { controller, promise });
    return promise;
  }

  /** Stops a running download, keeping the partial file; resolves once it has stopped. */
  async cancel(id: string): Promise<void> {
    this.model(id);
    const running = this.active.get(id);
    if (!running) return;
    running.controller.abort();
    // The download's own outcome (now "cancelled") went to whoever started it.
    await ignoreFailure(running.promise);
  }

  /** Deletes the model's file and any partial download. */
  async remove(id: string): Promise<void> {
    const model = this.model(id);
    await this.cancel(id);
    const dest = this.destFor(model);
    await rm(dest, { force: true });
    await rm(partPathFor(dest), { force: true });
    if (this.manifest.downloaded[id]) {
      this.manifest.downloaded = without(this.manifest.downloaded, id);
      await this.saveManifest();
    }
    this.setStatus(id, { state: 'missing', partialBytes: 0 });
  }

  /**
   * Uses a model file the user chose for a stage, after checking that it
   * exists, is readable and has the right magic bytes. Throws ModelFileError.
   */
  async usePickedFile(stage: ModelStage, path: string): Promise<PickedModelFile> {
    const file: PickedModelFile = { ...(await validateModelFile(stage, path)), stage };
    this.manifest.picked[stage] = file;
    await this.saveManifest();
    this.emit({ type: 'picked', stage, file });
    return file;
  }

  async clearPickedFile(stage: ModelStage): Promise<void> {
    if (!this.manifest.picked[stage]) return;
    this.manifest.picked = without(this.manifest.picked, stage);
    await this.saveManifest();
    this.emit({ type: 'picked', stage, file: null });
  }

  pickedFile(stage: ModelStage): PickedModelFile | null {
    return this.manifest.picked[stage] ?? null;
  }

  /** The file an engine should load for a stage: the picked file, else the first ready catalogue model. */
  modelPath(stage: ModelStage): string | null {
    const picked = this.manifest.picked[stage];
    if (picked) return picked.path;
    for (const model of this.catalog) {
      const status = this.statuses.get(model.id);
      if (model.stage === stage && status?.state === 'ready') return status.path;
    }
    return null;
  }

  private model(id: string): CatalogModel {
    const model = this.catalog.find((m) => m.id === id);
    if (!model) throw new Error(`Unknown model "${id}".`);
    return model;
  }

  private destFor(model: CatalogModel): string {
    return join(this.modelsDir, model.fileName);
  }

  private async load(): Promise<void> {
    this.manifest = await readManifest(join(this.modelsDir, MANIFEST_FILE));
    let changed = false;
    for (const stage of Object.keys(this.manifest.picked) as ModelStage[]) {
      const picked = this.manifest.picked[stage]!;
      const info = await statOrNull(picked.path);
      if (!info || info.size !== picked.sizeBytes) {
        this.manifest.picked = without(this.manifest.picked, stage);
        changed = true;
      }
    }
    for (const model of this.catalog) {
      const dest = this.destFor(model);
      const info = await statOrNull(dest);
      const record = this.manifest.downloaded[model.id];
      if (info && record && matchesRecord(model, record, info)) {
        this.statuses.set(model.id, { state: 'ready', path: dest, sizeBytes: info.size });
      } else {
        if (record) {
          this.manifest.downloaded = without(this.manifest.downloaded, model.id);
          changed = true;
        }
        this.statuses.set(model.id, { state: 'missing', partialBytes: (await statOrNull(partPathFor(dest)))?.size ?? 0 });
      }
    }
    // The manifest only caches what was just checked on disk: the next check finds the same, so a failed write loses nothing.
    if (changed) await ignoreFailure(this.saveManifest());
  }

  private async runDownload(model: CatalogModel, signal: AbortSignal): Promise<ReadyStatus> {
    const dest = this.destFor(model);
    const partialBytes = async () => (await statOrNull(partPathFor(dest)))?.size ?? 0;
    this.setStatus(model.id, {
      state: 'downloading',
      progress: { receivedBytes: await partialBytes(), totalBytes: model.sizeBytes, bytesPerSecond: 0, secondsLeft: null },
    });
    try {
      const digests = (await this.adoptExistingFile(model, dest, signal)) ?? (await this.fetchModel(model, dest, signal));
      const info = await stat(dest);
      this.manifest.downloaded[model.id] = { fileName: model.fileName, sizeBytes: info.size, mtimeMs: info.mtimeMs, digests, verifiedAt: new Date().toISOString() };
      await this.saveManifest();
      const ready: ReadyStatus = { state: 'ready', path: dest, sizeBytes: info.size };
      this.setStatus(model.id, ready);
      return ready;
    } catch (caught) {
      const error =
        caught instanceof ModelDownloadError
          ? caught
          : signal.aborted
            ? new ModelDownloadError('cancelled', `Downloading ${model.fileName} was cancelled.`, { cause: caught })
            : new ModelDownloadError('disk', `Could not save ${model.fileName}: ${caught instanceof Error ? caught.message : String(caught)}.`, { cause: caught });
      const partial = await partialBytes().catch(() => 0);
      this.setStatus(model.id, error.kind === 'cancelled' ? { state: 'missing', partialBytes: partial } : { state: 'error', kind: error.kind, message: error.message, partialBytes: partial });
      throw error;
    }
  }

  /** A complete file already in place (copied in, or a lost manifest) is hashed once instead of downloaded again. */
  private async adoptExistingFile(model: CatalogModel, dest: string, signal: AbortSignal): Promise<Partial<Record<DigestAlgorithm, string>> | null> {
    const info = await statOrNull(dest);
    if (!info) return null;
    if (info.size === model.sizeBytes) {
      const digests = await hashFile(dest, [model.digest.algorithm], signal);
      if (digests[model.digest.algorithm] === model.digest.hex.toLowerCase()) return digests;
    }
    await rm(dest, { force: true });
    return null;
  }

  private async fetchModel(model: CatalogModel, dest: string, signal: AbortSignal): Promise<Partial<Record<DigestAlgorithm, string>>> {
    const result = await downloadFile({
      ...this.options.download,
      url: model.url,
      dest,
      expectedSize: model.sizeBytes,
      digest: model.digest,
      signal,
      onProgress: (progress) => this.setStatus(model.id, { state: 'downloading', progress }),
    });
    return result.digests;
  }

  private setStatus(id: string, status: ModelStatus): void {
    this.statuses.set(id, status);
    this.emit({ type: 'status', id, status });
  }

  private emit(event: ModelEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // One failing listener must not stop the others or the download.
      }
    }
  }

  /** Writes the manifest; writes are queued so that the last state always wins. */
  private saveManifest(): Promise<void> {
    // A failed earlier write was reported to its caller; this one writes the whole manifest anew.
    const write = ignoreFailure(this.manifestWrite).then(async () => {
      await mkdir(this.modelsDir, { recursive: true });
      await writeFileAtomic(join(this.modelsDir, MANIFEST_FILE), `${JSON.stringify(this.manifest, null, 2)}\n`, 0o644);
    });
    this.manifestWrite = write;
    return write;
  }
}

function without<K extends string, V>(record: Partial<Record<K, V>>, key: K): Partial<Record<K, V>> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== key)) as Partial<Record<K, V>>;
}

/** Modification times are compared to the millisecond: copying tools and utimes keep no finer precision. */
function matchesRecord(model: CatalogModel, record: DownloadedRecord, info: { size: number; mtimeMs: number }): boolean {
  return (
    record.fileName === model.fileName &&
    info.size === model.sizeBytes &&
    record.sizeBytes === info.size &&
    Math.abs(record.mtimeMs - info.mtimeMs) < 1 &&
    record.digests[model.digest.algorithm] === model.digest.hex.toLowerCase()
  );
}

async function statOrNull(path: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? { size: info.size, mtimeMs: info.mtimeMs } : null;
  } catch {
    return null;
  }
}

async function readManifest(path: string): Promise<Manifest> {
  const empty: Manifest = { version: 1, downloaded: {}, picked: {} };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return empty;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Manifest> | null;
    if (!parsed || parsed.version !== 1 || typeof parsed.downloaded !== 'object' || typeof parsed.picked !== 'object') return empty;
    return { version: 1, downloaded: { ...parsed.downloaded }, picked: { ...parsed.picked } };
  } catch {
    return empty;
  }
}
