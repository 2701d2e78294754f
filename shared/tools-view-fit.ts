/**
 * A tools view trimmed to what the renderer accepts: the schema's limits
 * (TOOLS_VIEW_LIMITS) and the size of one message (MAX_MESSAGE_BYTES). The
 * renderer refuses a whole message that breaks either, and the Tools pane
 * would show nothing; main trims its view with this instead, and the first
 * problem then says what was left out. What goes first, until it fits:
 * lists and texts past the schema's limits; tool descriptions, shortened,
 * then left out; the last tools of each server; long commands, arguments
 * and names, shortened; the last servers.
 */
import { MAX_MESSAGE_BYTES } from './envelope';
import { TOOLS_VIEW_LIMITS as L, type McpServerView, type ToolEntry, type ToolsView } from './tools-view';

/** What a view may take: a message's bound, less room for the envelope and the note. */
export const TOOLS_VIEW_MAX_BYTES = MAX_MESSAGE_BYTES - 4 * 1024;
const NOTE_BYTES = 1_100;
/** How far texts are shortened when the view is still too large without descriptions. */
const SHORT_TEXT_CHARS = 200;
const SHORT_LIST = 10;

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;
const TOOL_OVERHEAD = 40;
const SERVER_OVERHEAD = 120;

/** A lower bound of the view's JSON size, without building it: far past the budget, no need to measure. */
function leastBytes(view: ToolsView): number {
  const sum = (texts: readonly string[]) => texts.reduce((total, text) => total + text.length + 3, 0);
  const tools = (entries: readonly ToolEntry[]) => entries.reduce((total, tool) => total + tool.name.length + tool.description.length + TOOL_OVERHEAD, 0);
  let total = view.configFile.length + sum(view.problems) + tools(view.builtins);
  for (const server of view.servers) {
    const t = server.transport;
    total += SERVER_OVERHEAD + server.name.length + tools(server.tools) + ('reason' in server.status ? (server.status.reason?.length ?? 0) : 0);
    total += t.kind === 'stdio' ? t.command.length + sum(t.args) + sum(t.envNames) : t.url.length + sum(t.headerNames);
  }
  return total;
}
const fits = (view: ToolsView, budget: number) => leastBytes(view) <= budget && bytes(view) <= budget;
const cut = (text: string, chars: number) => (text.length > chars ? `${text.slice(0, Math.max(0, chars - 1))}…` : text);

interface LeftOut {
  servers: number;
  tools: number;
  problems: number;
  descriptions: 'shortened' | 'left out' | null;
  texts: boolean;
}

function toolsOf(entries: readonly ToolEntry[], max: number, left: LeftOut): ToolEntry[] {
  const named = entries.filter((tool) => tool.name.length <= L.toolNameChars);
  left.tools += entries.length - named.length;
  if (named.length > max) left.tools += named.length - max;
  return named.slice(0, max).map((tool) => {
    if (tool.description.length > L.descriptionChars) left.descriptions ??= 'shortened';
    return { ...tool, description: cut(tool.description, L.descriptionChars) };
  });
}

function textsOf(server: McpServerView, chars: number, list: number, left: LeftOut): McpServerView {
  const t = (text: string, max = chars) => {
    if (text.length > max) left.texts = true;
    return cut(text, max);
  };
  const names = (all: readonly string[]) => {
    if (all.length > list) left.texts = true;
    return all.slice(0, list).map((name) => t(name, Math.min(chars, L.toolNameChars)));
  };
  const { transport, status } = server;
  return {
    ...server,
    status: status.state === 'failed' || (status.state === 'stopped' && status.reason !== undefined) ? { ...status, reason: t(status.reason!, L.reasonChars) } : status,
    transport:
      transport.kind === 'stdio'
        ? { kind: 'stdio', command: t(transport.command), args: (transport.args.length > list ? ((left.texts = true), transport.args.slice(0, list)) : transport.args).map((a) => t(a)), envNames: names(transport.envNames) }
        : { kind: 'http', url: t(transport.url), headerNames: names(transport.headerNames) },
  };
}

function withDescriptions(view: ToolsView, chars: number, left: LeftOut): ToolsView {
  const shorten = (tool: ToolEntry) => {
    if (tool.description.length > chars) left.descriptions = chars ? 'shortened' : 'left out';
    return { ...tool, description: cut(tool.description, chars) };
  };
  return { ...view, servers: view.servers.map((server) => ({ ...server, tools: server.tools.map(shorten) })), builtins: view.builtins.map(shorten) };
}

function note(left: LeftOut): string | null {
  const parts: string[] = [];
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (left.servers) parts.push(`${count(left.servers, 'server')} not shown (still used)`);
  if (left.tools) parts.push(`${count(left.tools, 'tool')} not shown`);
  if (left.problems) parts.push(`${count(left.problems, 'more problem')} not shown`);
  if (left.descriptions) parts.push(`tool descriptions ${left.descriptions === 'shortened' ? 'shortened' : 'not shown'}`);
  if (left.texts) parts.push('long commands, arguments, names or reasons shortened');
  if (!parts.length) return null;
  return `Not everything fits in this list (a message to the app has a size limit): ${parts.join('; ')}.`;
}

export function fitToolsView(view: ToolsView, maxBytes = TOOLS_VIEW_MAX_BYTES): ToolsView {
  const left: LeftOut = { servers: 0, tools: 0, problems: 0, descriptions: null, texts: false };
  const budget = maxBytes - NOTE_BYTES;
  // The schema's limits.
  if (view.servers.length > L.servers) left.servers += view.servers.length - L.servers;
  if (view.problems.length > L.problems - 1) left.problems += view.problems.length - (L.problems - 1);
  let fitted: ToolsView = {
    configFile: cut(view.configFile, L.textChars),
    problems: view.problems.slice(0, L.problems - 1).map((problem) => cut(problem, L.reasonChars)),
    servers: view.servers.slice(0, L.servers).map((server) => ({
      ...textsOf({ ...server, name: cut(server.name, L.serverNameChars) }, L.textChars, L.args, left),
      tools: toolsOf(server.tools, L.toolsPerServer, left),
    })),
    builtins: toolsOf(view.builtins, L.builtins, left),
  };
  // The message's size: descriptions shorter, then none.
  if (!fits(fitted, budget)) {
    for (const chars of [500, 200, 80, 0]) {
      fitted = withDescriptions(fitted, chars, left);
      if (fits(fitted, budget)) break;
    }
  }
  // Fewer tools per server.
  for (const max of [200, 100, 50, 20, 10, 0]) {
    if (fits(fitted, budget)) break;
    fitted = { ...fitted, servers: fitted.servers.map((server) => ({ ...server, tools: toolsOf(server.tools, max, left) })) };
  }
  // Shorter texts, fewer problems.
  if (!fits(fitted, budget)) {
    if (fitted.problems.length > SHORT_LIST) left.problems += fitted.problems.length - SHORT_LIST;
    fitted = {
      ...fitted,
      problems: fitted.problems.slice(0, SHORT_LIST).map((problem) => cut(problem, SHORT_TEXT_CHARS)),
      servers: fitted.servers.map((server) => textsOf(server, SHORT_TEXT_CHARS, SHORT_LIST, left)),
    };
  }
  // The last servers.
  let size = bytes(fitted);
  const servers = [...fitted.servers];
  while (size > budget && servers.length) {
    size -= bytes(servers.pop()) + 1;
    left.servers++;
  }
  if (servers.length !== fitted.servers.length) fitted = { ...fitted, servers };
  const sentence = note(left);
  return sentence ? { ...fitted, problems: [sentence, ...fitted.problems] } : fitted;
}
