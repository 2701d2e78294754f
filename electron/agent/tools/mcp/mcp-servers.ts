/**
 * The MCP servers of the app: read from the MCP servers file (`mcp.json` in
 * the data folder, or the file MCP_CONFIG names), each kept connected by an
 * `McpConnection` from start-up (or from when it is added) until `stop()`.
 * Offers their tools, under names that cannot collide, together with the
 * built-in ones as the turn's `ToolProvider`, without the tools and servers
 * the user switched off; and a live view of it all for the settings.
 *
 * Adding, editing, removing and switching a server rewrite only that
 * server's entry in the file, so what else is in it (entries this app cannot
 * use, other apps' keys) stays as it was. Changes apply from the next turn.
 */
import type { Tracer } from '@opentelemetry/api';
import { checkMcpServer, isStdioServer, parseMcpConfig, type McpServerConfig, type McpServerEntry } from '../../../../shared/mcp-config';
import type { McpServerView, ToolsView } from '../../../../shared/tools-view';
import type { Logger } from '../../logger';
import { readOptional, writeFileAtomic } from '../../settings/atomic-file';
import type { Tool, ToolProvider, ToolSpec } from '../tool';
import type { ToolSwitches } from '../tool-switches';
import { McpConnection } from './mcp-connection';
import { exposedNameOf, exposedToolNames } from './tool-names';

export interface McpServersOptions {
  readonly configFile: string;
  readonly switches: ToolSwitches;
  /** The built-in tools, for the view and their switches. */
  readonly builtins: readonly Pick<ToolSpec, 'name' | 'description'>[];
  readonly clientInfo: { name: string; version: string };
  readonly logger: Logger;
  readonly requestTimeoutMs?: number;
  /** Where the MCP client spans go (the app's tracer). */
  readonly tracer?: Tracer;
}

export class McpServers {
  private readonly connections = new Map<string, McpConnection>();
  private problems: readonly string[] = [];
  private readonly listeners = new Set<(view: ToolsView) => void>();
  private offered: readonly Tool[] | null = null;
  /** File writes, one after another. */
  private writing: Promise<unknown> = Promise.resolve();
  private stopped = false;

  private constructor(private readonly options: McpServersOptions) {}

  /** Reads the file and starts every enabled server (without waiting for them to be ready). */
  static async open(options: McpServersOptions): Promise<McpServers> {
    const servers = new McpServers(options);
    await servers.load();
    return servers;
  }

  get configFile(): string {
    return this.options.configFile;
  }

  /** The built-in tools (those switched on) and every ready server's enabled tools. */
  provider(builtins: ToolProvider): ToolProvider {
    return { tools: () => [...builtins.tools().filter((tool) => this.options.switches.isBuiltinEnabled(tool.name)), ...this.mcpTools()] };
  }

  view(): ToolsView {
    const { switches } = this.options;
    return {
      configFile: this.options.configFile,
      problems: [...this.problems],
      servers: [...this.connections.values()].map((connection) => serverView(connection, switches)),
      builtins: this.options.builtins.map((tool) => ({ name: tool.name, description: tool.description, enabled: switches.isBuiltinEnabled(tool.name) })),
    };
  }

  subscribe(listener: (view: ToolsView) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async setServerEnabled(name: string, enabled: boolean): Promise<void> {
    const connection = this.known(name);
    await this.saveServer(name, { ...connection.config, disabled: !enabled }, name);
  }

  async setToolEnabled(server: string, tool: string, enabled: boolean): Promise<void> {
    this.known(server);
    await this.options.switches.setTool(server, tool, enabled);
    this.changed();
  }

  async setBuiltinEnabled(name: string, enabled: boolean): Promise<void> {
    if (!this.options.builtins.some((tool) => tool.name === name)) throw new Error(`there is no built-in tool named "${name}"`);
    await this.options.switches.setBuiltin(name, enabled);
    this.changed();
  }

  /**
   * Adds a server (`previous` null) or replaces one (`previous` its current
   * name), checked with the file's schema; the server starts again with its
   * new configuration. An `env` or `headers` value left empty keeps the value
   * the server had (the form never receives secrets, so it cannot show them).
   */
  async saveServer(name: string, value: unknown, previous: string | null): Promise<void> {
    const old = previous === null ? undefined : this.known(previous);
    if (previous !== name && this.connections.has(name)) throw new Error(`there is already a server named "${name}"`);
    const checked = checkMcpServer(name, old ? keepSecrets(value, old.config) : value);
    if ('problem' in checked) throw new Error(checked.problem);
    await this.editFile((servers) => {
      if (previous !== null && previous !== name) servers.delete(previous);
      servers.set(name, checked.config);
    });
    if (previous !== null && previous !== name) await this.options.switches.renameServer(previous, name);
    await this.replace(previous, { name, config: checked.config });
  }

  async removeServer(name: string): Promise<void> {
    this.known(name);
    await this.editFile((servers) => void servers.delete(name));
    await this.options.switches.renameServer(name, null);
    await this.replace(name, null);
  }

  /** Stops every server (on quit). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.connections.values()].map((connection) => connection.stop()));
  }

  private async load(): Promise<void> {
    const { configFile, logger } = this.options;
    let entries: readonly McpServerEntry[] = [];
    try {
      const text = await readOptional(configFile);
      if (text !== null) ({ servers: entries, problems: this.problems } = parseMcpConfig(text, configFile));
    } catch (error) {
      this.problems = [`${configFile}: could not be read (${error instanceof Error ? error.message : String(error)})`];
    }
    for (const problem of this.problems) logger.warn(`MCP servers: ${problem}`);
    for (const entry of entries) this.add(entry);
    if (entries.length) logger.info(`MCP servers: ${entries.map((e) => e.name).join(', ')} (from ${configFile}).`);
  }

  private add(entry: McpServerEntry): void {
    const connection = new McpConnection({
      name: entry.name,
      config: entry.config,
      clientInfo: this.options.clientInfo,
      onChange: () => this.changed(),
      ...(this.options.requestTimeoutMs ? { requestTimeoutMs: this.options.requestTimeoutMs } : {}),
      ...(this.options.tracer ? { tracer: this.options.tracer } : {}),
      logger: this.options.logger,
    });
    this.connections.set(entry.name, connection);
    if (!entry.config.disabled && !this.stopped) connection.start();
  }

  private async replace(previous: string | null, entry: McpServerEntry | null): Promise<void> {
    const old = previous === null ? undefined : this.connections.get(previous);
    if (old) {
      this.connections.delete(old.name);
      await old.stop();
    }
    if (entry) this.add(entry);
    this.changed();
  }

  private mcpTools(): readonly Tool[] {
    if (this.offered) return this.offered;
    const ready = [...this.connections.values()].filter((connection) => !connection.config.disabled && connection.tools.length);
    const names = exposedToolNames(ready.flatMap((connection) => connection.tools.map((tool) => ({ server: connection.name, tool: tool.name }))));
    const tools: Tool[] = [];
    for (const connection of ready) {
      for (const tool of connection.tools) {
        if (!this.options.switches.isToolEnabled(connection.name, tool.name)) continue;
        tools.push({
          name: exposedNameOf(names, { server: connection.name, tool: tool.name })!,
          description: tool.description,
          parameters: tool.inputSchema,
          type: 'extension',
          source: connection.name,
          displayName: tool.name,
          call: (args, context) =>
            connection.callTool(tool.name, args, { signal: context.signal, ...(context.timeoutMs ? { timeoutMs: context.timeoutMs } : {}) }),
        });
      }
    }
    this.offered = tools;
    return tools;
  }

  private known(name: string): McpConnection {
    const connection = this.connections.get(name);
    if (!connection) throw new Error(`there is no MCP server named "${name}"`);
    return connection;
  }

  /** Changes the file's `mcpServers` and nothing else in it. */
  private editFile(edit: (servers: Map<string, unknown>) => void): Promise<void> {
    const file = this.options.configFile;
    const write = this.writing.then(async () => {
      const text = await readOptional(file);
      let json: Record<string, unknown> = {};
      if (text !== null) {
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          throw new Error(`${file} is not valid JSON; correct it (or remove it) before changing servers here`);
        }
        if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${file} is not a JSON object; correct it before changing servers here`);
      }
      const current = json.mcpServers;
      const servers = new Map(typeof current === 'object' && current !== null && !Array.isArray(current) ? Object.entries(current) : []);
      edit(servers);
      const written = `${JSON.stringify({ ...json, mcpServers: Object.fromEntries(servers) }, null, 2)}\n`;
      await writeFileAtomic(file, written);
      // What is still wrong in the file (an entry this form did not touch), as it now is.
      this.problems = parseMcpConfig(written, file).problems;
    });
    this.writing = write.catch(() => {});
    return write;
  }

  private changed(): void {
    this.offered = null;
    if (!this.listeners.size) return;
    const view = this.view();
    for (const listener of this.listeners) listener(view);
  }
}

function serverView(connection: McpConnection, switches: ToolSwitches): McpServerView {
  const { config } = connection;
  const enabled = !config.disabled;
  const listed = connection.tools;
  return {
    name: connection.name,
    enabled,
    status: enabled ? connection.state : { state: 'disabled' },
    transport: isStdioServer(config)
      ? { kind: 'stdio', command: config.command, args: config.args ?? [], envNames: Object.keys(config.env ?? {}) }
      : { kind: 'http', url: config.url, headerNames: Object.keys(config.headers ?? {}) },
    tools: listed.map((tool) => ({ name: tool.name, description: tool.description.slice(0, 2_000), enabled: switches.isToolEnabled(connection.name, tool.name) })),
  };
}

/** The new entry with each empty `env` / `headers` value taken from the old entry, when it had that key. */
function keepSecrets(value: unknown, old: McpServerConfig): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const entry = { ...(value as Record<string, unknown>) };
  const key = 'command' in entry ? 'env' : 'headers';
  if ((key === 'env') !== isStdioServer(old)) return entry;
  const oldMap: Record<string, string> = (isStdioServer(old) ? old.env : old.headers) ?? {};
  const map = entry[key];
  if (typeof map !== 'object' || map === null) return entry;
  entry[key] = Object.fromEntries(Object.entries(map as Record<string, unknown>).map(([name, v]) => [name, v === '' && name in oldMap ? oldMap[name] : v]));
  return entry;
}
