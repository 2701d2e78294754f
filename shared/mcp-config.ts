/**
 * The MCP servers file, in the format Claude Desktop, Cursor and Witsy share:
 * `{ "mcpServers": { "<name>": { command, args?, env? } | { url, headers? } } }`,
 * each entry optionally `disabled`. Main reads it with this schema and the
 * settings form checks a server with the same one. Entries are checked one
 * by one: a bad entry is reported (file, path in the JSON, problem) and the
 * others are still used. Keys other apps add (`type`, `description`...) are
 * ignored.
 */
import { z } from 'zod';
import { isHttpUrl } from './config-values';
import { JsonTextError, parseJsonText } from './json-text';

/** A server's name: what the settings show and tool names start with. */
export const MCP_SERVER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;
export const MCP_SERVER_NAME_RULE = 'a letter or digit, then up to 63 letters, digits, spaces, "_", "." or "-"';

const stringMap = z.record(z.string().min(1, 'a name must not be empty'), z.string());

export const StdioServerSchema = z.object({
  command: z.string().trim().min(1, 'the command must not be empty'),
  args: z.array(z.string()).optional(),
  env: stringMap.optional(),
  cwd: z.string().min(1).optional(),
  disabled: z.boolean().optional(),
});

export const HttpServerSchema = z.object({
  url: z.string().trim().refine(isHttpUrl, 'must be an http(s) URL'),
  headers: stringMap.optional(),
  disabled: z.boolean().optional(),
});

export type StdioServerConfig = z.infer<typeof StdioServerSchema>;
export type HttpServerConfig = z.infer<typeof HttpServerSchema>;
export type McpServerConfig = StdioServerConfig | HttpServerConfig;

export interface McpServerEntry {
  readonly name: string;
  readonly config: McpServerConfig;
}

export interface McpConfigFile {
  readonly servers: readonly McpServerEntry[];
  /** One line per problem: the file, where in it, what is wrong. */
  readonly problems: readonly string[];
}

export function isStdioServer(config: McpServerConfig): config is StdioServerConfig {
  return 'command' in config;
}

function issuesText(error: z.ZodError, base: readonly (string | number)[]): string {
  return error.issues.map((issue) => `${[...base, ...issue.path].join('.')}: ${issue.message}`).join('; ');
}

/** One server entry checked: the config, or what is wrong (paths from `mcpServers.<name>`). */
export function checkMcpServer(name: string, value: unknown): { config: McpServerConfig } | { problem: string } {
  const base = ['mcpServers', name];
  if (!MCP_SERVER_NAME_PATTERN.test(name)) return { problem: `${base.join('.')}: the name must be ${MCP_SERVER_NAME_RULE}` };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: `${base.join('.')}: must be an object with "command" or "url"` };
  const hasCommand = 'command' in value;
  const hasUrl = 'url' in value;
  if (hasCommand === hasUrl) return { problem: `${base.join('.')}: needs either "command" (a program to run) or "url" (a Streamable HTTP server), not ${hasCommand ? 'both' : 'neither'}` };
  const parsed = (hasCommand ? StdioServerSchema : HttpServerSchema).safeParse(value);
  return parsed.success ? { config: parsed.data } : { problem: issuesText(parsed.error, base) };
}

/** The file's text as servers and problems; `file` names it in every problem. */
export function parseMcpConfig(text: string, file: string): McpConfigFile {
  let json: unknown;
  try {
    json = parseJsonText(text, file);
  } catch (error) {
    // Says where the text is wrong, never what it says (an entry's env or headers hold secrets).
    return { servers: [], problems: [`${file}: not valid JSON ${error instanceof JsonTextError ? error.place : ''}`.trim()] };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { servers: [], problems: [`${file}: must be a JSON object with "mcpServers"`] };
  const servers = (json as { mcpServers?: unknown }).mcpServers;
  if (servers === undefined) return { servers: [], problems: [] };
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) return { servers: [], problems: [`${file}: mcpServers: must be an object of servers by name`] };
  const out: McpServerEntry[] = [];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(servers)) {
    const checked = checkMcpServer(name, value);
    if ('config' in checked) out.push({ name, config: checked.config });
    else problems.push(`${file}: ${checked.problem}`);
  }
  return { servers: out, problems };
}
