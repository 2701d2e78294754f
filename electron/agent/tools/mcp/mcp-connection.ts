/**
 * One configured MCP server, kept connected: the SDK's client over stdio (a
 * program it starts) or Streamable HTTP, its tools listed and listed again on
 * `notifications/tools/list_changed`. When the server exits, cannot be
 * started, or (over HTTP) stops answering, the connection fails with the
 * reason and starts again after the back-off; `stop()` ends it for good.
 *
 * Secrets in the server's `env` and `headers` go only to the transport: they
 * are cut out of every reason this connection reports.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { isStdioServer, type McpServerConfig } from '../../../../shared/mcp-config';
import type { Logger } from '../../util/logger';
import type { McpServerState } from '../../../../shared/tools-view';
import type { ToolOutcome } from '../tool';
import { failuresAfter, restartDelayMs } from './restart-backoff';
import { TracedTransport, type McpPeer, type McpRequestTracer } from './traced-transport';
import { toolResultText } from './tool-result-text';

/** A tool as the server lists it. */
export interface McpToolInfo {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
}

export interface McpConnectionOptions {
  readonly name: string;
  readonly config: McpServerConfig;
  /** Told whenever the state or the tools change. */
  readonly onChange: () => void;
  readonly clientInfo: { name: string; version: string };
  /** How long the handshake and a listing may take. */
  readonly requestTimeoutMs?: number;
  /** What makes the client spans (the app's tracing); none by default. */
  readonly tracer?: McpRequestTracer;
  /** Says when the server is ready and why it failed (secrets cut out). */
  readonly logger?: Logger;
}

export const MCP_REQUEST_TIMEOUT_MS = 20_000;
/**
 * How long a host waits for the MCP servers to stop on quit. The SDK closes a
 * program's stdin, waits 2 s, sends SIGTERM, waits 2 s more, then SIGKILL: a
 * program that ignores both is killed at 4 s, so a host that gave up sooner
 * would exit and leave it running.
 */
export const MCP_STOP_GRACE_MS = 5_000;
/**
 * Bounds on what one server's `tools/list` can make main hold: pages (a
 * server that repeats its `nextCursor` would otherwise be asked forever),
 * tools (as many as the settings can show for one server), a name's length
 * (the longest a tool switch can name) and a description's (it goes into
 * every turn's prompt).
 */
export const MAX_TOOL_PAGES = 100;
export const MAX_TOOLS_PER_SERVER = 500;
export const MAX_TOOL_NAME_CHARS = 200;
export const MAX_TOOL_DESCRIPTION_CHARS = 8_000;
const STDERR_TAIL_CHARS = 2_000;

export class McpConnection {
  readonly name: string;
  readonly config: McpServerConfig;
  private current: McpServerState = { state: 'stopped' };
  private listed: readonly McpToolInfo[] = [];
  private client: Client | null = null;
  /** The client of the attempt under way (handshake, first listing), closed by `stop()` too. */
  private attempt: Client | null = null;
  /** Clients being closed (their processes ending); `stop()` waits for them. */
  private readonly closing = new Set<Promise<void>>();
  /** Bumped on every start and stop: work of an older attempt is ignored. */
  private generation = 0;
  private failures = 0;
  private readySince: number | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private stderrTail = '';
  private listingNote: string | null = null;

  constructor(private readonly options: McpConnectionOptions) {
    this.name = options.name;
    this.config = options.config;
  }

  get state(): McpServerState {
    return this.current;
  }

  /** What the last listing left out (the bounds above), as a sentence's end; null when nothing was. */
  get note(): string | null {
    return this.current.state === 'ready' ? this.listingNote : null;
  }

  get tools(): readonly McpToolInfo[] {
    return this.current.state === 'ready' ? this.listed : [];
  }

  start(): void {
    if (this.current.state === 'starting' || this.current.state === 'ready') return;
    if (this.retry) clearTimeout(this.retry);
    void this.connect();
  }

  /** Keeps a server that is not running stopped, saying why (a program waiting to be allowed, or refused). */
  hold(reason: string): void {
    if (this.current.state !== 'stopped') return;
    this.set({ state: 'stopped', reason });
  }

  async stop(): Promise<void> {
    this.generation++;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const clients = [this.client, this.attempt];
    this.client = null;
    this.attempt = null;
    this.listed = [];
    this.failures = 0;
    this.readySince = null;
    this.set({ state: 'stopped' });
    for (const client of clients) this.close(client);
    // Whatever state it was in (starting, ready, backing off), no process of it outlives this.
    await Promise.all([...this.closing]);
  }

  /** Calls a tool by the server's own name; rejects when the server is not ready or the call fails. */
  async callTool(tool: string, args: Record<string, unknown>, call: { signal: AbortSignal; timeoutMs?: number }): Promise<ToolOutcome> {
    const client = this.client;
    if (!client || this.current.state !== 'ready') throw new Error(`the MCP server "${this.name}" is ${describeState(this.current)}`);
    const generation = this.generation;
    try {
      const result = await client.callTool({ name: tool, arguments: args }, undefined, {
        signal: call.signal,
        ...(call.timeoutMs ? { timeout: call.timeoutMs } : {}),
      });
      return { text: toolResultText(result), isError: result.isError === true };
    } catch (error) {
      // A failure below the protocol (the HTTP server went away, its session is gone) means the connection is.
      if (!call.signal.aborted && !(error instanceof McpError) && generation === this.generation) this.failed(generation, this.redact(errorText(error)));
      throw new Error(this.redact(errorText(error)));
    }
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.retry = null;
    this.stderrTail = '';
    this.set({ state: 'starting' });
    const client = new Client(this.options.clientInfo, { capabilities: {} });
    this.attempt = client;
    client.onclose = () => this.failed(generation, this.exitReason());
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void this.listTools(client, generation).catch(() => {}));
    try {
      const timeout = this.options.requestTimeoutMs ?? MCP_REQUEST_TIMEOUT_MS;
      await client.connect(this.transport(), { timeout });
      if (generation !== this.generation) return this.close(client);
      this.client = client;
      await this.listTools(client, generation);
    } catch (error) {
      // An outdated attempt (stopped or replaced meanwhile) is closed all the same: its process must not outlive it.
      if (generation === this.generation) this.failed(generation, this.redact(errorText(error)) + this.stderrLine());
      this.close(client);
    } finally {
      if (this.attempt === client) this.attempt = null;
    }
  }

  private async listTools(client: Client, generation: number): Promise<void> {
    const tools: McpToolInfo[] = [];
    const left = { tools: 0, longNames: 0 };
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    let endless = false;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: this.options.requestTimeoutMs ?? MCP_REQUEST_TIMEOUT_MS });
      pages++;
      for (const tool of page.tools) {
        if (tool.name.length > MAX_TOOL_NAME_CHARS) left.longNames++;
        else if (tools.length >= MAX_TOOLS_PER_SERVER) left.tools++;
        else tools.push({ name: tool.name, description: (tool.description ?? tool.title ?? '').slice(0, MAX_TOOL_DESCRIPTION_CHARS), inputSchema: tool.inputSchema as Record<string, unknown> });
      }
      cursor = page.nextCursor;
      // A cursor seen before, or past the page bound, would page forever.
      if (cursor !== undefined && (seen.has(cursor) || pages >= MAX_TOOL_PAGES)) endless = true;
      if (cursor !== undefined) seen.add(cursor);
    } while (cursor && !endless && generation === this.generation);
    if (generation !== this.generation) return;
    this.listed = tools;
    this.listingNote = listingNote(tools.length, left, endless);
    if (this.listingNote) this.options.logger?.warn(`MCP server "${this.name}" ${this.listingNote}.`);
    if (this.readySince === null) this.options.logger?.info(`MCP server "${this.name}" is ready with ${tools.length} tool${tools.length === 1 ? '' : 's'}.`);
    this.readySince ??= Date.now();
    this.set({ state: 'ready', tools: tools.length });
  }

  private failed(generation: number, reason: string): void {
    if (generation !== this.generation) return;
    this.generation++;
    const client = this.client;
    this.client = null;
    this.listed = [];
    this.failures = failuresAfter(this.failures, this.readySince === null ? 0 : Date.now() - this.readySince);
    this.readySince = null;
    const delay = restartDelayMs(this.failures);
    this.options.logger?.warn(`MCP server "${this.name}" failed (${reason}); starting it again in ${delay} ms.`);
    this.set({ state: 'failed', reason, retryInMs: delay });
    this.close(client);
    this.retry = setTimeout(() => void this.connect(), delay);
    this.retry.unref?.();
  }

  /** Closes a client (its process ended, its HTTP session deleted), tracked until done. */
  private close(client: Client | null): void {
    if (!client) return;
    const done = closeClient(client).finally(() => this.closing.delete(done));
    this.closing.add(done);
  }

  private transport(): Transport {
    const { config } = this;
    if (isStdioServer(config)) {
      const transport = new StdioClientTransport({
        command: config.command,
        args: config.args ?? [],
        ...(config.env ? { env: config.env } : {}),
        ...(config.cwd ? { cwd: config.cwd } : {}),
        stderr: 'pipe',
      });
      transport.stderr?.on('data', (chunk: Buffer) => {
        this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
      });
      return new TracedTransport(transport, this.peer(), this.options.tracer);
    }
    const headers = config.headers ?? {};
    return new TracedTransport(new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers } }), this.peer(), this.options.tracer);
  }

  private peer(): McpPeer {
    if (isStdioServer(this.config)) return { server: this.name, network: 'pipe' };
    const url = new URL(this.config.url);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { server: this.name, network: 'tcp', address: url.hostname, port };
  }

  private exitReason(): string {
    return (isStdioServer(this.config) ? 'the server exited' : 'the connection closed') + this.stderrLine();
  }

  /** The last line the server wrote to stderr, as ": <line>", secrets cut out. */
  private stderrLine(): string {
    const last = this.stderrTail.trim().split('\n').at(-1)?.trim();
    return last ? `: ${this.redact(last).slice(0, 300)}` : '';
  }

  private redact(text: string): string {
    const secrets = Object.values((isStdioServer(this.config) ? this.config.env : this.config.headers) ?? {}).filter((v) => v.length >= 4);
    return secrets.reduce((out, secret) => out.split(secret).join('***'), text);
  }

  private set(state: McpServerState): void {
    this.current = state;
    this.options.onChange();
  }
}

export function describeState(state: McpServerState): string {
  switch (state.state) {
    case 'ready':
      return `ready with ${state.tools} tool${state.tools === 1 ? '' : 's'}`;
    case 'failed':
      return `failed: ${state.reason}`;
    default:
      return state.state;
  }
}

function listingNote(used: number, left: { tools: number; longNames: number }, endless: boolean): string | null {
  const parts: string[] = [];
  if (endless) parts.push(`did not finish listing its tools after ${MAX_TOOL_PAGES} pages (or repeated a page): the ${used} tools listed so far are used`);
  if (left.tools) parts.push(`lists more than ${MAX_TOOLS_PER_SERVER} tools: ${left.tools} more were left out`);
  if (left.longNames) parts.push(`has ${left.longNames} tool${left.longNames === 1 ? '' : 's'} with a name longer than ${MAX_TOOL_NAME_CHARS} characters, left out`);
  return parts.length ? parts.join('; ') : null;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function closeClient(client: Client | null): Promise<void> {
  if (!client) return;
  client.onclose = undefined;
  const transport = client.transport;
  if (transport instanceof TracedTransport) await transport.terminateSession().catch(() => {});
  await client.close().catch(() => {});
}
