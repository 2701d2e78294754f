/**
 * The tools as the renderer sees them: each MCP server with its state and
 * its tools, the built-in tools, each with its switch, and the problems of
 * the MCP servers file. Secrets stay in main: of a server's `env` and
 * `headers` the view carries only the names.
 */
import { z } from 'zod';

const Reason = z.string().max(1_000);

export const McpServerStateSchema = z.discriminatedUnion('state', [
  z.strictObject({ state: z.literal('starting') }),
  z.strictObject({ state: z.literal('ready'), tools: z.number().int().nonnegative() }),
  /** `retryInMs`: when it is started again (the back-off). */
  z.strictObject({ state: z.literal('failed'), reason: Reason, retryInMs: z.number().nonnegative().nullable() }),
  z.strictObject({ state: z.literal('stopped') }),
  z.strictObject({ state: z.literal('disabled') }),
]);
export type McpServerState = z.infer<typeof McpServerStateSchema>;

const ToolEntry = z.strictObject({
  /** The tool's own name (the server's, or the built-in one). */
  name: z.string().max(200),
  description: z.string().max(2_000),
  enabled: z.boolean(),
});
export type ToolEntry = z.infer<typeof ToolEntry>;

const Names = z.array(z.string().max(200)).max(100);

const McpServerView = z.strictObject({
  name: z.string().max(64),
  enabled: z.boolean(),
  status: McpServerStateSchema,
  transport: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('stdio'), command: z.string().max(4_096), args: z.array(z.string().max(4_096)).max(100), envNames: Names }),
    z.strictObject({ kind: z.literal('http'), url: z.string().max(4_096), headerNames: Names }),
  ]),
  tools: z.array(ToolEntry).max(500),
});
export type McpServerView = z.infer<typeof McpServerView>;

export const ToolsViewSchema = z.strictObject({
  /** The MCP servers file in use. */
  configFile: z.string().max(4_096),
  problems: z.array(Reason).max(100),
  servers: z.array(McpServerView).max(100),
  builtins: z.array(ToolEntry).max(50),
});
export type ToolsView = z.infer<typeof ToolsViewSchema>;
