import { useState, type FormEvent } from 'react';
import { commandLine } from '../../../shared/command-line';
import { checkMcpServer } from '../../../shared/mcp-config';
import type { McpServerView } from '../../../shared/tools-view';

/**
 * Adds an MCP server or edits one: a program to run (stdio) or a Streamable
 * HTTP URL, checked with the same schema main uses before it is sent.
 * Secret values (env, headers) are never shown: an edited server lists its
 * keys with empty values, and an empty value keeps the one main has (for
 * the same program or URL only). A program's exact command line is shown
 * before it is saved.
 */
export interface McpServerFormProps {
  /** The server edited, or null to add one. */
  server: McpServerView | null;
  onSave(name: string, entry: Record<string, unknown>, previous: string | null): void;
  onCancel(): void;
}

type Kind = 'stdio' | 'http';

/** "KEY=value" (env) or "Name: value" (headers) lines as a map; null with the bad line's number. */
function parseLines(text: string, separator: '=' | ':'): { map: Record<string, string> } | { line: number } {
  const map: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const at = line.indexOf(separator);
    if (at <= 0) return { line: i + 1 };
    map[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return { map };
}

export function McpServerForm({ server, onSave, onCancel }: McpServerFormProps) {
  const stdio = server?.transport.kind === 'stdio' ? server.transport : null;
  const http = server?.transport.kind === 'http' ? server.transport : null;
  const [name, setName] = useState(server?.name ?? '');
  const [kind, setKind] = useState<Kind>(http ? 'http' : 'stdio');
  const [command, setCommand] = useState(stdio?.command ?? '');
  const [args, setArgs] = useState((stdio?.args ?? []).join('\n'));
  const [env, setEnv] = useState((stdio?.envNames ?? []).map((key) => `${key}=`).join('\n'));
  const [url, setUrl] = useState(http?.url ?? '');
  const [headers, setHeaders] = useState((http?.headerNames ?? []).map((key) => `${key}: `).join('\n'));
  const [problem, setProblem] = useState<string | null>(null);
  const id = server ? `mcp-edit-${server.name.replace(/[^\w-]/g, '-')}` : 'mcp-add';
  const argList = args.split('\n').map((a) => a.trim()).filter(Boolean);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const pairs = kind === 'stdio' ? parseLines(env, '=') : parseLines(headers, ':');
    if ('line' in pairs) {
      setProblem(kind === 'stdio' ? `Environment line ${pairs.line} is not KEY=value.` : `Header line ${pairs.line} is not Name: value.`);
      return;
    }
    const entry: Record<string, unknown> =
      kind === 'stdio'
        ? { command, args: argList, ...(Object.keys(pairs.map).length ? { env: pairs.map } : {}) }
        : { url, ...(Object.keys(pairs.map).length ? { headers: pairs.map } : {}) };
    const checked = checkMcpServer(name.trim(), entry);
    if ('problem' in checked) {
      // "mcpServers.<name>.url: must be…" reads "url: must be…" here.
      const prefix = `mcpServers.${name.trim()}`;
      const text = checked.problem.startsWith(prefix) ? checked.problem.slice(prefix.length).replace(/^(\.|: )/, '') : checked.problem;
      setProblem(text);
      return;
    }
    setProblem(null);
    onSave(name.trim(), entry, server?.name ?? null);
  };

  return (
    <form className="mcp-form" aria-labelledby={`${id}-title`} onSubmit={submit} noValidate>
      <h4 id={`${id}-title`}>{server ? `Edit ${server.name}` : 'Add an MCP server'}</h4>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} type="text" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
      </div>
      <fieldset className="field">
        <legend>Connection</legend>
        <label className="check">
          <input type="radio" name={`${id}-kind`} checked={kind === 'stdio'} onChange={() => setKind('stdio')} />
          Program (stdio)
        </label>
        <label className="check">
          <input type="radio" name={`${id}-kind`} checked={kind === 'http'} onChange={() => setKind('http')} />
          URL (Streamable HTTP)
        </label>
      </fieldset>
      {kind === 'stdio' ? (
        <>
          <div className="field">
            <label htmlFor={`${id}-command`}>Command</label>
            <input id={`${id}-command`} type="text" value={command} onChange={(e) => setCommand(e.target.value)} autoComplete="off" placeholder="npx" />
          </div>
          <div className="field">
            <label htmlFor={`${id}-args`}>Arguments (one per line)</label>
            <textarea id={`${id}-args`} value={args} onChange={(e) => setArgs(e.target.value)} rows={3} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-env`}>Environment (KEY=value, one per line)</label>
            <textarea id={`${id}-env`} value={env} onChange={(e) => setEnv(e.target.value)} rows={2} aria-describedby={`${id}-secret-hint`} />
          </div>
          {command.trim() && (
            <p className="hint" data-testid={`${id}-command-line`}>
              Saving runs this program with your permissions: <code>{commandLine(command.trim(), argList)}</code>
            </p>
          )}
        </>
      ) : (
        <>
          <div className="field">
            <label htmlFor={`${id}-url`}>URL</label>
            <input id={`${id}-url`} type="url" value={url} onChange={(e) => setUrl(e.target.value)} autoComplete="off" placeholder="http://127.0.0.1:3000/mcp" />
          </div>
          <div className="field">
            <label htmlFor={`${id}-headers`}>Headers (Name: value, one per line)</label>
            <textarea id={`${id}-headers`} value={headers} onChange={(e) => setHeaders(e.target.value)} rows={2} aria-describedby={`${id}-secret-hint`} />
          </div>
        </>
      )}
      <p className="hint" id={`${id}-secret-hint`}>
        Values are kept in the app and never shown again{server ? '; leave a value empty to keep the saved one' : ''}.
      </p>
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button">
          {server ? 'Save server' : 'Add server'}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
