/**
 * A Streamable HTTP MCP server on loopback for tests and the e2e run, built
 * with the SDK's own `McpServer` and `StreamableHTTPServerTransport` (one
 * session per client). Its tools: `add` (a sum), `fail` (throws), `hang`
 * (never answers, whatever it is told), `slow` (answers only when the client
 * cancels it), `context` (returns the `_meta` it received). It records every
 * call with its `_meta` and every call it saw cancelled, and can add a tool
 * at run time (which tells every client `tools/list_changed`).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface McpHttpCall {
  readonly tool: string;
  readonly meta: Record<string, unknown> | undefined;
  readonly sessionId: string | undefined;
}

export interface McpHttpTestServer {
  readonly url: string;
  readonly calls: McpHttpCall[];
  /** Names of the calls whose request the client cancelled (the server's signal fired). */
  readonly cancelled: string[];
  /** Headers of the first request of each session (to check what the client sends). */
  readonly sessionHeaders: Record<string, string | string[] | undefined>[];
  /** Adds a tool that answers with its own name; connected clients are told the list changed. */
  addTool(name: string): void;
  close(): Promise<void>;
}

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

export async function startMcpHttpServer(options: { port?: number } = {}): Promise<McpHttpTestServer> {
  const calls: McpHttpCall[] = [];
  const cancelled: string[] = [];
  const sessionHeaders: McpHttpTestServer['sessionHeaders'] = [];
  const extraTools: string[] = [];
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();

  const record = (tool: string, extra: { _meta?: Record<string, unknown>; sessionId?: string }) =>
    calls.push({ tool, meta: extra._meta ? { ...extra._meta } : undefined, sessionId: extra.sessionId });

  const addExtraTool = (server: McpServer, name: string) =>
    server.registerTool(name, { description: `Answers "${name}".` }, (extra) => {
      record(name, extra);
      return text(name);
    });

  const makeServer = () => {
    const server = new McpServer({ name: 'test-http-server', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
    server.registerTool('add', { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }, extra) => {
      record('add', extra);
      return text(String(a + b));
    });
    server.registerTool('fail', { description: 'Always fails.' }, (extra) => {
      record('fail', extra);
      throw new Error('the fail tool failed on purpose');
    });
    server.registerTool('hang', { description: 'Never answers.' }, (extra) => {
      record('hang', extra);
      return new Promise<never>(() => {});
    });
    server.registerTool('slow', { description: 'Answers when cancelled.' }, (extra) => {
      record('slow', extra);
      return new Promise((resolve) => {
        extra.signal.addEventListener('abort', () => {
          cancelled.push('slow');
          resolve(text('stopped'));
        });
      });
    });
    server.registerTool('context', { description: 'Returns the _meta of its request.' }, (extra) => {
      record('context', extra);
      return text(JSON.stringify(extra._meta ?? {}));
    });
    for (const name of extraTools) addExtraTool(server, name);
    return server;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const id = req.headers['mcp-session-id'];
    const existing = typeof id === 'string' ? sessions.get(id) : undefined;
    if (existing) return existing.transport.handleRequest(req, res);
    if (id !== undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
      return;
    }
    sessionHeaders.push({ ...req.headers });
    const server = makeServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => void sessions.set(sessionId, { transport, server }),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    cancelled,
    sessionHeaders,
    addTool(name) {
      extraTools.push(name);
      for (const { server } of sessions.values()) addExtraTool(server, name);
    },
    async close() {
      await Promise.all([...sessions.values()].map(({ server }) => server.close().catch(() => {})));
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
