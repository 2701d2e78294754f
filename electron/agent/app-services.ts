/**
 * What both hosts run: the settings store, tracing that follows it, and the
 * assistant's providers read from it for every turn. The result is what every
 * session gets (`SessionServices`), handed on as it is.
 */
import type { Tracer } from '@opentelemetry/api';
import type { AssistantDeps } from './assistant';
import { assistantDeps } from './assistant-deps';
import { ConversationHistory } from './history/conversation-history';
import type { Logger, LogSinks } from './logger';
import { readModelCatalog } from './models/model-catalog';
import { ModelManager } from './models/model-manager';
import { ModelsService } from './models/models-service';
import type { SecretStore } from './settings/secret-store';
import { BuiltinTools } from './tools/builtin/builtin-tools';
import { McpServers } from './tools/mcp/mcp-servers';
import { ToolSwitches } from './tools/tool-switches';
import { join, resolve } from 'node:path';
import type { SessionServices } from './session/session-services';
import { SettingsStore } from './settings/settings-store';
import { createAppTelemetry } from './telemetry/app-telemetry';
import type { Telemetry } from './telemetry/telemetry';
import type { ToolProvider } from './tools/tool';

export interface AppServices extends SessionServices {
  settings: SettingsStore;
  telemetry: Telemetry;
  assistant: AssistantDeps;
  history: ConversationHistory;
  models: ModelsService;
  /** The MCP servers and the tool switches; `stop()` them on quit. */
  tools: McpServers;
}

export async function startAppServices(options: {
  dataDir: string;
  env: Record<string, string | undefined>;
  secretStore: SecretStore;
  logger: Logger;
  /** The logger's sinks: the telemetry's joins them (log records while tracing is on). */
  logSinks?: LogSinks;
  runtime?: { name: string; version: string };
}): Promise<AppServices> {
  const settings = await SettingsStore.open(options);
  const telemetry = createAppTelemetry(settings.telemetryConfig(), options.logger, options.runtime);
  options.logSinks?.attach(telemetry.logSink);
  settings.onChange(() => telemetry.applyConfig(settings.telemetryConfig()));
  const catalog = readModelCatalog(options.env, (message) => options.logger.warn(message));
  const manager = await ModelManager.open({ dataDir: options.dataDir, catalog });
  const config = () => settings.pipelineConfig();
  const tools = await openTools(options, settings.mcpConfigFile, telemetry.tracer);
  const assistant = assistantDeps(config, { models: manager, tools: (builtins: ToolProvider) => tools.provider(builtins) });
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
  return { settings, telemetry, assistant, history, models, tools };
}

/** The MCP servers of MCP_CONFIG's file (or mcp.json in the data folder), started now. */
async function openTools(options: { dataDir: string; logger: Logger }, mcpConfig: string, tracer: Tracer): Promise<McpServers> {
  const switches = await ToolSwitches.open(join(options.dataDir, 'tool-switches.json'), (message) => options.logger.warn(message));
  // The built-in tools as the settings list them (each session has its own, whose timers speak in it).
  const sample = new BuiltinTools({ announce: () => {} });
  const builtins = sample.tools().map(({ name, description }) => ({ name, description }));
  sample.dispose();
  return McpServers.open({
    configFile: mcpConfig ? resolve(mcpConfig) : join(options.dataDir, 'mcp.json'),
    switches,
    builtins,
    clientInfo: { name: 'voice-agent-stack', version: typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : '0.0.0' },
    logger: options.logger,
    tracer,
  });
}
