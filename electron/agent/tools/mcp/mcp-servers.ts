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
 * use, other apps' keys) stays as it was. Changes apply from the next turn,
 * one after another, so each name has one owner. A program saved through
 * the app runs once the user allows it (program-approval.ts); `stop()`
 * leaves no server process behind, whatever state each server is in.
 */
import { isDeepStrictEqual } from 'node:util';
import { checkMcpServer, isStdioServer, parseMcpConfig, type McpServerEntry, type StdioServerConfig } from '../../../../shared/mcp-config';
import { TOOLS_VIEW_LIMITS, type McpServerView, type ToolsView } from '../../../../shared/tools-view';
import { fitToolsView } from '../../../../shared/tools-view-fit';
import type { Logger } from '../../util/logger';
import { readOptional, writeFileAtomic } from '../../util/atomic-file';
import type { Tool, ToolProvider, ToolSpec } from '../tool';
import type { ToolSwitches } from '../tool-switches';
import { droppedSecretsNote, keepSecrets } from './entry-secrets';
import { McpConnection } from './mcp-connection';
import { programDecision, programFingerprint, programRequest, ProgramApprovals, type ProgramConfirmation, type ProgramDecision } from './program-approval';
import { exposedNameOf, exposedToolNames } from './tool-names';
import type { McpRequestTracer } from './traced-transport';

export interface McpServersOptions {
  readonly configFile: string;
  readonly switches: ToolSwitches;
  /** The built-in tools, for the view and their switches. */
  readonly builtins: readonly Pick<ToolSpec, 'name' | 'description'>[];
  readonly clientInfo: { name: string; version: string };
  readonly logger: Logger;
  readonly requestTimeoutMs?: number;
  /** What makes the MCP client spans (the app's tracing). */
  readonly tracer?: McpRequestTracer;
  /** The record of programs saved through the app and not allowed (`program-approvals.json` in the data folder). */
  readonly approvalsFile: string;
  /** Asks the user before a new or changed program runs (the desktop's dialog); without it a save is the user's say (the headless host). */
  readonly confirmation?: ProgramConfirmation;
}

/** As many servers as the settings can show: each is a process or a connection kept open. */
export const MAX_MCP_SERVERS = TOOLS_VIEW_LIMITS.servers;

/** What a stopped program's line says. */
export const PROGRAM_WAITING = 'Waiting for you to allow this program to run: the app shows its command line in a dialog.';
export const PROGRAM_REFUSED = 'Not started: you did not allow this program to run. Start asks again.';
export const PROGRAM_NOT_ALLOWED = 'Not started: this program was saved through the app and you have not allowed it to run. Start asks again.';

export class McpServers {
  private readonly connections = new Map<string, McpConnection>();
  private problems: readonly string[] = [];
  private readonly listeners = new Set<(view: ToolsView) => void>();
  private offered: readonly Tool[] | null = null;
  /** File writes, one after another. */
  private writing: Promise<unknown> = Promise.resolve();
  /** Changes to the servers (save, switch, remove), one after another: one owner per name. */
  private changing: Promise<unknown> = Promise.resolve();
  /** The questions to the user under way, withdrawn when their entry changes or the servers stop. */
  private readonly asking = new Map<McpConnection, AbortController>();
  private stopped = false;

  private constructor(
    private readonly options: McpServersOptions,
    private readonly approvals: ProgramApprovals,
  ) {}

  /** Reads the file and starts every enabled server (without waiting for them to be ready). */
  static async open(options: McpServersOptions): Promise<McpServers> {
    const servers = new McpServers(options, await ProgramApprovals.open(options.approvalsFile));
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

  /** What the settings show, trimmed to what one message carries (with a sentence saying what was left out). */
  view(): ToolsView {
    const { switches } = this.options;
    const connections = [...this.connections.values()];
    const notes = connections.flatMap((connection) => (connection.note ? [`MCP server "${connection.name}" ${connection.note}.`] : []));
    return fitToolsView({
      configFile: this.options.configFile,
      problems: [...(this.approvals.problem ? [this.approvals.problem] : []), ...this.problems, ...notes],
      servers: connections.map((connection) => serverView(connection, switches)),
      builtins: this.options.builtins.map((tool) => ({ name: tool.name, description: tool.description, enabled: switches.isBuiltinEnabled(tool.name) })),
    });
  }

  subscribe(listener: (view: ToolsView) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Switches a server; switching on a program that waits to be allowed asks again. */
  setServerEnabled(name: string, enabled: boolean): Promise<void> {
    return this.change(async () => {
      const connection = this.known(name);
      await this.save(name, { ...connection.config, disabled: !enabled }, name);
    });
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
   * new configuration (a new or changed program once the user allows it).
   * An `env` or `headers` value left empty keeps the value the server had
   * (the form never receives secrets, so it cannot show them), as long as
   * the entry's program or URL is the same. Answers what the user should
   * know (secrets left out), or ''.
   *
   * Changes run one after another. Adding a name that exists is refused,
   * unless it is the same entry again (a double click): then it is done.
   */
  saveServer(name: string, value: unknown, previous: string | null): Promise<string> {
    return this.change(() => this.save(name, value, previous));
  }

  removeServer(name: string): Promise<void> {
    return this.change(async () => {
      this.known(name);
      await this.editFile((servers) => void servers.delete(name));
      await this.options.switches.renameServer(name, null);
      await this.replace(name, null, 'start');
      await this.forgetUnusedPrograms();
    });
  }

  /** Stops every server, whatever state each is in (on quit, and on every way out of a host). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const controller of this.asking.values()) controller.abort();
    this.asking.clear();
    // A change under way finishes first (it starts nothing once stopped), so no server it adds is missed.
    await this.changing;
    await Promise.all([...this.connections.values()].map((connection) => connection.stop()));
  }

  private change<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.changing.then(() => {
      if (this.stopped) throw new Error('the app is stopping; nothing was changed');
      return operation();
    });
    this.changing = run.catch(() => {});
    return run;
  }

  private async save(name: string, value: unknown, previous: string | null): Promise<string> {
    const old = previous === null ? undefined : this.known(previous);
    const existing = this.connections.get(name);
    if (previous === null && existing) {
      const again = checkMcpServer(name, keepSecrets(value, existing.config).value);
      if ('config' in again && isDeepStrictEqual(again.config, existing.config)) return '';
    }
    if (previous !== name && existing) throw new Error(`there is already a server named "${name}"`);
    if (!old && this.connections.size >= MAX_MCP_SERVERS) throw new Error(`there are already ${MAX_MCP_SERVERS} MCP servers, as many as the app runs; remove one first`);
    const kept = keepSecrets(value, old?.config);
    const checked = checkMcpServer(name, kept.value);
    if ('problem' in checked) throw new Error(checked.problem);
    const { config } = checked;
    let decision: ProgramDecision = 'start';
    if (isStdioServer(config)) {
      const fingerprint = programFingerprint(config);
      decision = programDecision({
        trigger: 'save',
        fingerprint,
        previous: old && isStdioServer(old.config) ? programFingerprint(old.config) : null,
        unapproved: this.approvals.isUnapproved(fingerprint),
        canAsk: this.options.confirmation !== undefined,
      });
      // Recorded before the entry is written: a crash in between leaves it stopped, never running unasked.
      if (decision === 'ask') await this.approvals.holdAll([fingerprint]);
    }
    await this.editFile((servers) => {
      if (previous !== null && previous !== name) servers.delete(previous);
      servers.set(name, config);
    });
    if (isStdioServer(config) && decision === 'start') await this.approvals.allow(programFingerprint(config));
    if (previous !== null && previous !== name) await this.options.switches.renameServer(previous, name);
    await this.replace(previous, { name, config }, decision);
    await this.forgetUnusedPrograms();
    return droppedSecretsNote(kept);
  }

  /** Keeps the record of programs not allowed to those the servers still have, so it stays small. */
  private async forgetUnusedPrograms(): Promise<void> {
    const programs = [...this.connections.values()].flatMap((c) => (isStdioServer(c.config) ? [programFingerprint(c.config)] : []));
    await this.approvals.keepOnly(new Set(programs));
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
    if (entries.length > MAX_MCP_SERVERS) {
      this.problems = [...this.problems, `${configFile}: has ${entries.length} servers; the app runs the first ${MAX_MCP_SERVERS}`];
      entries = entries.slice(0, MAX_MCP_SERVERS);
    }
    const programs = entries.flatMap((entry) => (isStdioServer(entry.config) ? [programFingerprint(entry.config)] : []));
    // The record of programs not allowed was lost: none runs until the user allows it.
    if (this.approvals.problem) await this.approvals.holdAll(programs).catch((error: unknown) => logger.warn(`MCP servers: ${String(error)}`));
    for (const problem of this.problems) logger.warn(`MCP servers: ${problem}`);
    for (const entry of entries) {
      const fingerprint = isStdioServer(entry.config) ? programFingerprint(entry.config) : null;
      const decision = fingerprint
        ? programDecision({ trigger: 'load', fingerprint, previous: null, unapproved: this.approvals.isUnapproved(fingerprint), canAsk: false })
        : 'start';
      this.add(entry, decision);
    }
    if (entries.length) logger.info(`MCP servers: ${entries.map((e) => e.name).join(', ')} (from ${configFile}).`);
  }

  private add(entry: McpServerEntry, decision: ProgramDecision): void {
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
    if (entry.config.disabled || this.stopped) return;
    if (decision === 'start') connection.start();
    else if (decision === 'hold') connection.hold(PROGRAM_NOT_ALLOWED);
    else this.ask(connection, entry.config as StdioServerConfig);
  }

  /** Asks the user whether the program may run; it starts if they allow it, and stays stopped, saying so, if not. */
  private ask(connection: McpConnection, config: StdioServerConfig): void {
    const confirmation = this.options.confirmation;
    if (!confirmation) return;
    const controller = new AbortController();
    this.asking.set(connection, controller);
    connection.hold(PROGRAM_WAITING);
    const fingerprint = programFingerprint(config);
    const current = () => !this.stopped && this.connections.get(connection.name) === connection;
    void confirmation
      .confirm(programRequest(connection.name, config), controller.signal)
      .catch((error: unknown) => {
        this.options.logger.warn(`MCP server "${connection.name}": the question whether its program may run failed (${String(error)}).`);
        return false;
      })
      .then(async (allowed) => {
        if (this.asking.get(connection) === controller) this.asking.delete(connection);
        if (!current()) return;
        if (!allowed) return connection.hold(PROGRAM_REFUSED);
        await this.approvals.allow(fingerprint);
        if (current()) connection.start();
      })
      .catch((error: unknown) => {
        // Allowed, but the record could not be written: it runs now and is asked about again at the next save.
        this.options.logger.warn(`MCP server "${connection.name}": ${String(error)}`);
        if (current()) connection.start();
      });
  }

  private async replace(previous: string | null, entry: McpServerEntry | null, decision: ProgramDecision): Promise<void> {
    const old = previous === null ? undefined : this.connections.get(previous);
    if (old) {
      this.connections.delete(old.name);
      this.asking.get(old)?.abort();
      this.asking.delete(old);
      await old.stop();
    }
    if (entry) this.add(entry, decision);
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
