/**
 * Which saved secrets a changed MCP server entry keeps. The form never
 * receives the values of `env` (stdio) or `headers` (HTTP), so it sends an
 * empty value for "keep the saved one". A saved value belongs to the
 * address it was given for: the program (command, arguments, working
 * folder) or the URL. When the change moves the entry to another address,
 * an empty value is not filled from the old entry: the key is left out and
 * named, so the user can enter it again for the new address.
 */
import { isStdioServer, type McpServerConfig } from '../../../../shared/mcp-config';

/** Where an entry's secrets go: its program, or its URL (normalised); null when the value has neither. */
export function secretAddress(entry: unknown): string | null {
  if (typeof entry !== 'object' || entry === null) return null;
  const value = entry as Record<string, unknown>;
  if ('command' in value) {
    const args = Array.isArray(value.args) ? value.args : [];
    return JSON.stringify(['stdio', typeof value.command === 'string' ? value.command.trim() : value.command, args, value.cwd ?? null]);
  }
  if (typeof value.url === 'string') {
    try {
      return JSON.stringify(['http', new URL(value.url.trim()).href]);
    } catch {
      return JSON.stringify(['http', value.url.trim()]);
    }
  }
  return null;
}

export interface KeptSecrets {
  /** The entry to check and save. */
  readonly value: unknown;
  /** The keys left empty that were not filled, because the address changed. */
  readonly dropped: readonly string[];
  readonly kind: 'env' | 'headers';
}

/** The new entry with each empty `env` / `headers` value taken from the old entry, when it had that key for the same address. */
export function keepSecrets(value: unknown, old: McpServerConfig | undefined): KeptSecrets {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { value, dropped: [], kind: 'env' };
  const entry = { ...(value as Record<string, unknown>) };
  const kind = 'command' in entry ? 'env' : 'headers';
  const map = entry[kind];
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return { value: entry, dropped: [], kind };
  const sameKind = old !== undefined && (kind === 'env') === isStdioServer(old);
  const sameAddress = sameKind && secretAddress(entry) === secretAddress(old);
  const oldMap: Record<string, string> = (sameAddress ? (isStdioServer(old) ? old.env : old.headers) : undefined) ?? {};
  const dropped: string[] = [];
  const kept: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(map as Record<string, unknown>)) {
    if (v !== '') kept[name] = v;
    else if (Object.hasOwn(oldMap, name)) kept[name] = oldMap[name];
    else if (old !== undefined && secretWasSaved(old, name)) dropped.push(name);
    else kept[name] = v;
  }
  entry[kind] = kept;
  return { value: entry, dropped, kind };
}

function secretWasSaved(old: McpServerConfig, name: string): boolean {
  const map = (isStdioServer(old) ? old.env : old.headers) ?? {};
  return Object.hasOwn(map, name);
}

/** What the user is told when secrets were not carried to a new address. */
export function droppedSecretsNote(dropped: KeptSecrets): string {
  if (!dropped.dropped.length) return '';
  const names = dropped.dropped.join(', ');
  return dropped.kind === 'env'
    ? `Saved without ${names}: a value saved for the old program is not given to a changed one. Enter ${dropped.dropped.length === 1 ? 'it' : 'them'} again under Environment to set ${dropped.dropped.length === 1 ? 'it' : 'them'}.`
    : `Saved without ${names}: a value saved for the old URL is not sent to a new one. Enter ${dropped.dropped.length === 1 ? 'it' : 'them'} again under Headers to set ${dropped.dropped.length === 1 ? 'it' : 'them'}.`;
}
