/**
 * The on-device engines for sessions: which engine runs each stage (from the
 * settings, with "auto" resolved), which model file a local stage loads, and
 * the catalogue's download states, as one view that the renderer shows and
 * that is pushed again whenever a download moves or a setting changes.
 */
import { basename } from 'node:path';
import { MODEL_SOURCE, type ModelSource } from '../../../shared/telemetry';
import { formatBytes, type EngineState, type ModelState, type ModelStageName, type ModelsView } from '../../../shared/models';
import { OPENAI_DEFAULT_BASE_URL, isConfigured, resolveProvider, type PipelineConfig } from '../pipeline/pipeline-config';
import { displayUrl } from '../util/network-errors';
import { LOCAL_TTS_VOICES } from '../providers/local-tts';
import { findCatalogModel, type CatalogModel } from './model-catalog';
import type { ModelManager, ModelStatus } from './model-manager';

/** The file a local stage loads, or the catalogue model it is waiting for. */
export type LocalModelFile = { ok: true; path: string; name: string; source: ModelSource } | { ok: false; needs: CatalogModel | null; reason: string };

export function localModelFile(manager: ModelManager, stage: ModelStageName, preferredId: string): LocalModelFile {
  const picked = manager.pickedFile(stage);
  if (picked) return { ok: true, path: picked.path, name: basename(picked.path), source: MODEL_SOURCE.userFile };
  // The chosen model, or (with a catalogue of one's own) the first for the stage.
  const chosen = findCatalogModel(preferredId, manager.models());
  const preferred = chosen?.stage === stage ? chosen : manager.models().find((m) => m.stage === stage);
  if (!preferred) return { ok: false, needs: null, reason: `the catalogue has no ${stage === 'stt' ? 'speech-to-text' : 'language'} model; pick a model file` };
  const status = manager.status(preferred.id);
  if (status.state === 'ready') return { ok: true, path: status.path, name: preferred.fileName, source: MODEL_SOURCE.download };
  return { ok: false, needs: preferred, reason: `${preferred.title} (${formatBytes(preferred.sizeBytes)}) is not downloaded yet` };
}

export interface ModelsServiceOptions {
  manager: ModelManager;
  config: () => PipelineConfig;
  /** Settings changes, which can change who runs a stage. */
  onConfigChange?: (listener: () => void) => () => void;
}

export class ModelsService {
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly options: ModelsServiceOptions) {
    this.unsubscribe.push(options.manager.subscribe(() => this.emit()));
    if (options.onConfigChange) this.unsubscribe.push(options.onConfigChange(() => this.emit()));
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  view(): ModelsView {
    const { manager } = this.options;
    const picked = (stage: ModelStageName) => {
      const file = manager.pickedFile(stage);
      return file ? { path: file.path, sizeBytes: file.sizeBytes } : null;
    };
    return {
      catalog: manager.models().map((model) => ({
        id: model.id,
        stage: model.stage,
        title: model.title,
        sizeBytes: model.sizeBytes,
        license: model.license,
        description: model.description,
        status: toState(manager.status(model.id)),
      })),
      picked: { stt: picked('stt'), llm: picked('llm') },
      voices: LOCAL_TTS_VOICES.map((v) => ({ id: v.id, label: v.label })),
      engines: this.engines(),
    };
  }

  /** Starts (or joins) a download; its progress and outcome arrive as status changes. */
  download(id: string): { ok: true } | { ok: false; message: string } {
    if (!findCatalogModel(id, this.options.manager.models())) return { ok: false, message: `There is no model "${id}" in the catalogue.` };
    this.options.manager.download(id).catch(() => {
      // Failures and cancellations are part of the model's status.
    });
    return { ok: true };
  }

  cancel(id: string): Promise<void> {
    return this.options.manager.cancel(id);
  }

  remove(id: string): Promise<void> {
    return this.options.manager.remove(id);
  }

  unpick(stage: ModelStageName): Promise<void> {
    return this.options.manager.clearPickedFile(stage);
  }

  async pick(stage: ModelStageName, path: string): Promise<{ ok: true } | { ok: false; message: string }> {
    try {
      await this.options.manager.usePickedFile(stage, path);
      return { ok: true };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }

  dispose(): void {
    this.unsubscribe.splice(0).forEach((stop) => stop());
    this.listeners.clear();
  }

  private engines(): ModelsView['engines'] {
    const config = this.options.config();
    const { manager } = this.options;
    const remote = (stage: 'stt' | 'llm' | 'tts'): EngineState => {
      const endpoint = config[stage];
      if (!isConfigured(endpoint)) return { provider: 'openai', label: `${endpoint.model}: no API key and no server set`, ready: false };
      return { provider: 'openai', label: `${endpoint.model} at ${displayUrl(endpoint.baseURL ?? OPENAI_DEFAULT_BASE_URL)}`, ready: true };
    };
    const local = (stage: ModelStageName, what: string): EngineState => {
      const file = localModelFile(manager, stage, config.engines[stage].localModel);
      if (file.ok) return { provider: 'local', label: `${what}: ${file.name}, on this computer`, ready: true };
      return { provider: 'local', label: `On this computer, once ready: ${file.reason}`, ready: false, ...(file.needs ? { needs: file.needs.id } : {}) };
    };
    const voice = LOCAL_TTS_VOICES.find((v) => v.id === config.engines.tts.localVoice);
    return {
      stt: resolveProvider(config.engines.stt.choice, config.stt) === 'local' ? local('stt', 'Whisper') : remote('stt'),
      llm: resolveProvider(config.engines.llm.choice, config.llm) === 'local' ? local('llm', 'llama.cpp') : remote('llm'),
      tts:
        resolveProvider(config.engines.tts.choice, config.tts) === 'local'
          ? { provider: 'local', label: `Flite, voice ${voice?.label ?? config.engines.tts.localVoice}, on this computer`, ready: voice !== undefined }
          : remote('tts'),
    };
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

function toState(status: ModelStatus): ModelState {
  switch (status.state) {
    case 'missing':
      return { state: 'missing', partialBytes: status.partialBytes };
    case 'downloading': {
      const p = status.progress;
      return { state: 'downloading', receivedBytes: p.receivedBytes, totalBytes: p.totalBytes, bytesPerSecond: p.bytesPerSecond, secondsLeft: p.secondsLeft };
    }
    case 'ready':
      return { state: 'ready', sizeBytes: status.sizeBytes };
    case 'error':
      return { state: 'error', message: status.message.slice(0, 1_000), partialBytes: status.partialBytes };
  }
}
