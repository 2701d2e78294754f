/**
 * The names the model calls MCP tools by: `<server>__<tool>`, made to fit the
 * OpenAI function-name rule (`^[a-zA-Z0-9_-]{1,64}$`) and unique across every
 * server, whatever characters or lengths the servers use.
 */
import { createHash } from 'node:crypto';

export const FUNCTION_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_LENGTH = 64;
const SEPARATOR = '__';

export interface ToolKey {
  readonly server: string;
  readonly tool: string;
}

const keyOf = ({ server, tool }: ToolKey) => `${server}\u0000${tool}`;

function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function clean(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/** The readable name, cut (with a hash of the whole) when it is too long. */
export function baseToolName(key: ToolKey): string {
  const name = `${clean(key.server) || 'server'}${SEPARATOR}${clean(key.tool) || 'tool'}`;
  if (name.length <= MAX_LENGTH) return name;
  const hash = shortHash(keyOf(key));
  return `${name.slice(0, MAX_LENGTH - hash.length - 1)}_${hash}`;
}

/**
 * A unique name for every (server, tool): its base name, or, where two share
 * one (after cleaning or cutting), the base name with a hash of its own key.
 * The result depends only on the set of keys, not on their order.
 */
export function exposedToolNames(keys: readonly ToolKey[]): Map<string, string> {
  const byBase = new Map<string, ToolKey[]>();
  for (const key of keys) {
    const base = baseToolName(key);
    byBase.set(base, [...(byBase.get(base) ?? []), key]);
  }
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const [base, group] of byBase) if (group.length === 1) taken.add(base);
  for (const [base, group] of byBase) {
    if (group.length === 1) {
      out.set(keyOf(group[0]!), base);
      continue;
    }
    for (const key of [...group].sort((a, b) => keyOf(a).localeCompare(keyOf(b)))) {
      let name = '';
      for (let salt = 0; !name || taken.has(name); salt++) {
        const hash = shortHash(`${keyOf(key)}\u0000${salt}`);
        name = `${base.slice(0, MAX_LENGTH - hash.length - 1)}_${hash}`;
      }
      taken.add(name);
      out.set(keyOf(key), name);
    }
  }
  return out;
}

export function exposedNameOf(names: ReadonlyMap<string, string>, key: ToolKey): string | undefined {
  return names.get(keyOf(key));
}
