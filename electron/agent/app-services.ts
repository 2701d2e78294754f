/**
 * What both hosts run: the settings store, tracing that follows it, and the
 * assistant's providers read from it for every turn. The result is what every
 * session gets (`SessionServices`), handed on as it is.
 */
import type { AssistantDeps } from './conversation/assistant';
import { assistantDeps } from './conversation/assistant-deps';
import { ConversationHistory } from './history/conversation-history';
import type { Logger, LogSinks } from './util/logger';
import { readModelCatalog } from './on-device-models/model-catalog';
import { ModelManager } from './on-device-models/model-manager';
import { ModelsService } from './on-device-models/models-service';
import type { SecretStore } from './settings/secret-store';
import { BuiltinTools } from './tools/builtin/builtin-tools';
import { McpServers } from './tools/mcp/mcp-servers';
import type { ProgramConfirmation } from './tools/mcp/program-approval';
import type { McpRequestTracer } from './tools/mcp/traced-transport';
import { ToolSwitches } from './tools/tool-switches';
import { join, resolve } from 'node:path';
import type { SessionServices } from './session/session-services';
import type { SessionTurnAudioStore } from './session/turn-audio-feed';
import { TurnAudioStore } from './turn-audio/turn-audio-store';
import { SettingsStore } from './settings/settings-store';
import { mcpRequestTracer } from './telemetry/conversation/mcp-request-spans';
import { createAppTelemetry } from './telemetry/sdk/app-telemetry';
import { telemetryConfigOf } from './telemetry/sdk/telemetry-config';
import { pipelineConfigOf } from './pipeline/pipeline-config';
import type { Telemetry } from './telemetry/sdk/telemetry';
import { modelLoadSpans } from './telemetry/conversation/model-load-spans';
import type { ToolProvider } from './tools/tool';
import { lockDataFolder, type DataFolderLock } from './util/data-folder-lock';

export interface AppServices extends SessionServices {
  settings: SettingsStore;
  telemetry: Telemetry;
  assistant: AssistantDeps;
  history: ConversationHistory;
  models: ModelsService;
  /** The MCP servers and the tool switches; `stop()` them on quit. */
  tools: McpServers;
  turnAudio: SessionTurnAudioStore;
  /** Turn audio on disk; `settled()` before exiting so that the turns being saved are whole. */
  audioStore: TurnAudioStore;
  /** Held until this process exits; `release()` it after stopping the rest to open the folder again in this process. */
  dataFolder: DataFolderLock;
}

export interface AppServicesOptions {
  dataDir: string;
  env: Record<string, string | undefined>;
  secretStore: SecretStore;
  logger: Logger;
  /** The logger's sinks: the telemetry's joins them (log records while tracing is on). */
  logSinks?: LogSinks;
  runtime?: { name: string; version: string };
  /** Asks the user before a program saved through the app runs (the desktop's dialog); the headless host has none. */
  confirmProgram?: ProgramConfirmation;
}

/**
 * Takes the data folder first: a second app on the same folder stops here
 * with `DataFolderInUse`, before any settings, telemetry or MCP server starts.
 * The folder is held until this process exits.
 */
export async function startAppServices(options: AppServicesOptions): Promise<AppServices> {
  const lock = lockDataFolder(options.dataDir);
  try {
    return { ...(await startServices(options)), dataFolder: lock };
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function startServices(options: AppServicesOptions): Promise<Omit<AppServices, 'dataFolder'>> {
  const settings = await SettingsStore.open(options);
  // Each part derives its own configuration from the settings in force.
  const telemetry = createAppTelemetry(telemetryConfigOf(settings.current), options.logger, options.runtime);
  options.logSinks?.attach(telemetry.logSink);
  settings.onChange(() => telemetry.applyConfig(telemetryConfigOf(settings.current)));
  const catalog = readModelCatalog(options.env, (message) => options.logger.warn(message));
  const manager = await ModelManager.open({ dataDir: options.dataDir, catalog });
  const config = () => pipelineConfigOf(settings.current);
  const tools = await openTools(options, settings.mcpConfigFile, mcpRequestTracer(telemetry.tracer));
  const assistant = assistantDeps(config, { models: manager, tools: (builtins: ToolProvider) => tools.provider(builtins), onModelLoad: modelLoadSpans(telemetry.tracer) });
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
  // Turn audio: its size limit applies at start, after each turn is kept and when it is changed.
  const audioLimit = () => settings.values.tracing.audioLimitMb * 1_000_000;
  const audioStore = await TurnAudioStore.open(options.dataDir, { logger: options.logger, limitBytes: audioLimit() });
  settings.onChange(() => void audioStore.setLimit(audioLimit()));
  // The retention limit applies at start, after each conversation is saved and when it is changed.
  const history = await ConversationHistory.open(options.dataDir, {
    logger: options.logger,
    retention: settings.values.history,
    // A conversation's audio goes with it.
    deleted: (id) => audioStore.delete(id),
  });
  settings.onChange(() => void history.setRetention(settings.values.history));
  const turnAudio: SessionTurnAudioStore = {
    // Kept beside the conversation's trace: while tracing is on and the user asks for it.
    get keeping() {
      return settings.values.tracing.enabled && settings.values.tracing.captureAudio;
    },
    save: (recording) => audioStore.save(recording),
    turns: (id) => audioStore.turns(id),
    render: (id, turn) => audioStore.render(id, turn),
  };
  options.logger.info(`Settings: ${settings.view.location}; secrets: ${options.secretStore.description}; models: ${manager.modelsDir}.`);
  return { settings, telemetry, assistant, history, models, tools, turnAudio, audioStore };
}

/** The MCP servers of MCP_CONFIG's file (or mcp.json in the data folder), started now. */
async function openTools(options: { dataDir: string; logger: Logger; confirmProgram?: ProgramConfirmation }, mcpConfig: string, tracer: McpRequestTracer): Promise<McpServers> {
  const switches = await ToolSwitches.open(join(options.dataDir, 'tool-switches.json'), (message) => options.logger.warn(message));
  // The built-in tools as the settings list them (each session has its own, whose timers speak in it).
  const sample = new BuiltinTools({ announce: () => {} });
  const builtins = sample.listed().map(({ name, description }) => ({ name, description }));
  sample.dispose();
  return McpServers.open({
    configFile: mcpConfig ? resolve(mcpConfig) : join(options.dataDir, 'mcp.json'),
    switches,
    builtins,
    clientInfo: { name: 'voice-agent-stack', version: typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : '0.0.0' },
    logger: options.logger,
    tracer,
    approvalsFile: join(options.dataDir, 'program-approvals.json'),
    ...(options.confirmProgram ? { confirmation: options.confirmProgram } : {}),
  });
}
