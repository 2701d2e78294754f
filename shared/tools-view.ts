/**
 * The tools as the renderer sees them: each MCP server with its state and
 * its tools, the built-in tools, each with its switch, and the problems of
 * the MCP servers file. Secrets stay in main: of a server's `env` and
 * `headers` the view carries only the names.
 */
import { z } from 'zod';

/** The most a tools view holds (each list's length, each text's); main trims its view to them (see tools-view-fit.ts). */
export const TOOLS_VIEW_LIMITS = {
  servers: 100,
  toolsPerServer: 500,
  builtins: 50,
  problems: 100,
  /** Of a list of names (env, headers) and of arguments. */
  names: 100,
  args: 100,
  reasonChars: 1_000,
  serverNameChars: 64,
  toolNameChars: 200,
  descriptionChars: 2_000,
  /** Of a command, an argument, a URL, the file's path. */
  textChars: 4_096,
} as const;
const L = TOOLS_VIEW_LIMITS;

const Reason = z.string().max(L.reasonChars);

export const McpServerStateSchema = z.discriminatedUnion('state', [
  z.strictObject({ state: z.literal('starting') }),
  z.strictObject({ state: z.literal('ready'), tools: z.number().int().nonnegative() }),
  /** `retryInMs`: when it is started again (the back-off). */
  z.strictObject({ state: z.literal('failed'), reason: Reason, retryInMs: z.number().nonnegative().nullable() }),
  /** `reason`: why it is stopped when it is not the user's switch (a program waiting to be allowed, or refused). */
  z.strictObject({ state: z.literal('stopped'), reason: Reason.optional() }),
  z.strictObject({ state: z.literal('disabled') }),
]);
export type McpServerState = z.infer<typeof McpServerStateSchema>;

const ToolEntry = z.strictObject({
  /** The tool's own name (the server's, or the built-in one). */
  name: z.string().max(L.toolNameChars),
  description: z.string().max(L.descriptionChars),
  enabled: z.boolean(),
});
export type ToolEntry = z.infer<typeof ToolEntry>;

const Names = z.array(z.string().max(L.toolNameChars)).max(L.names);

const McpServerView = z.strictObject({
  name: z.string().max(L.serverNameChars),
  enabled: z.boolean(),
  status: McpServerStateSchema,
  transport: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('stdio'), command: z.string().max(L.textChars), args: z.array(z.string().max(L.textChars)).max(L.args), envNames: Names }),
    z.strictObject({ kind: z.literal('http'), url: z.string().max(L.textChars), headerNames: Names }),
  ]),
  tools: z.array(ToolEntry).max(L.toolsPerServer),
});
export type McpServerView = z.infer<typeof McpServerView>;

export const ToolsViewSchema = z.strictObject({
  /** The MCP servers file in use. */
  configFile: z.string().max(L.textChars),
  problems: z.array(Reason).max(L.problems),
  servers: z.array(McpServerView).max(L.servers),
  builtins: z.array(ToolEntry).max(L.builtins),
});
export type ToolsView = z.infer<typeof ToolsViewSchema>;
