/**
 * What both hosts run: the settings store, tracing that follows it, and the
 * assistant's providers read from it for every turn. The result is what every
 * session gets (`SessionServices`), handed on as it is.
 */
import type { AssistantDeps } from './assistant';
import { assistantDeps } from './assistant-deps';
import { ConversationHistory } from './history/conversation-history';
import type { Logger } from './logger';
import { readModelCatalog } from './models/model-catalog';
import { ModelManager } from './models/model-manager';
import { ModelsService } from './models/models-service';
import type { SecretStore } from './settings/secret-store';
import type { SessionServices } from './session/session-services';
import { SettingsStore } from './settings/settings-store';
import { createAppTelemetry } from './telemetry/app-telemetry';
import type { Telemetry } from './telemetry/telemetry';

export interface AppServices extends SessionServices {
  settings: SettingsStore;
  telemetry: Telemetry;
  assistant: AssistantDeps;
  history: ConversationHistory;
  models: ModelsService;
}

export async function startAppServices(options: {
  dataDir: string;
  env: Record<string, string | undefined>;
  secretStore: SecretStore;
  logger: Logger;
  runtime?: { name: string; version: string };
}): Promise<AppServices> {
  const settings = await SettingsStore.open(options);
  const telemetry = createAppTelemetry(settings.telemetryConfig(), options.logger, options.runtime);
  settings.onChange(() => telemetry.applyConfig(settings.telemetryConfig()));
  const catalog = readModelCatalog(options.env, (message) => options.logger.warn(message));
  const manager = await ModelManager.open({ dataDir: options.dataDir, catalog });
  const config = () => settings.pipelineConfig();
  const assistant = assistantDeps(config, { models: manager });
  const models = new ModelsService({ manager, config, onConfigChange: (listener) => settings.onChange(listener) });
  // Local models load before the first turn: now, and when one becomes ready, a file is picked or a setting changes.
  let warming: ReturnType<typeof setTimeout> | null = null;
  const warmUp = () => {
    warming ??= setTimeout(() => {
      warming = null;
      assistant.warmUp?.();
    }, 200);
    warming.unref?.();
  };
  manager.subscribe((event) => {
    if (event.type === 'picked' || event.status.state === 'ready') warmUp();
  });
  settings.onChange(warmUp);
  warmUp();
  const history = await ConversationHistory.open(options.dataDir);
  options.logger.info(`Settings: ${settings.view.location}; secrets: ${options.secretStore.description}; models: ${manager.modelsDir}.`);
  return { settings, telemetry, assistant, history, models };
}
