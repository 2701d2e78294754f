import { useState } from 'react';
import type { McpServerState, McpServerView, ToolEntry, ToolsView } from '../../../shared/tools-view';
import type { ToolActions } from '../session/tool-requests';
import { McpServerForm } from './McpServerForm';


interface Props {
  tools: ToolsView;
  result: { ok: boolean; message: string } | null;
  actions: ToolActions;
}

export function describeServerState(status: McpServerState): string {
  switch (status.state) {
    case 'starting':
      return 'Starting…';
    case 'ready':
      return `Ready with ${status.tools} tool${status.tools === 1 ? '' : 's'}`;
    case 'failed':
      return `Failed: ${status.reason}${status.retryInMs !== null ? ` (trying again in ${Math.max(1, Math.round(status.retryInMs / 1000))} s)` : ''}`;
    case 'stopped':
      return status.reason ?? 'Stopped';
    case 'disabled':
      return 'Off';
  }
}

const idOf = (text: string) => text.replace(/[^\w-]/g, '-');

function ToolSwitch({ id, tool, onChange }: { id: string; tool: ToolEntry; onChange(enabled: boolean): void }) {
  return (
    <li>
      <label className="check" htmlFor={id}>
        <input id={id} type="checkbox" checked={tool.enabled} onChange={(e) => onChange(e.target.checked)} aria-describedby={tool.description ? `${id}-hint` : undefined} />
        {tool.name}
      </label>
      {tool.description && (
        <span className="hint" id={`${id}-hint`}>
          {' '}
          {tool.description}
        </span>
      )}
    </li>
  );
}

function ServerLine({ server, actions, onEdit }: { server: McpServerView; actions: ToolActions; onEdit(): void }) {
  const id = `mcp-server-${idOf(server.name)}`;
  const transport = server.transport;
  const secrets = transport.kind === 'stdio' ? transport.envNames : transport.headerNames;
  return (
    <div className="mcp-server" role="group" aria-labelledby={`${id}-name`}>
      <div className="mcp-server-head">
        <label className="check">
          <input type="checkbox" checked={server.enabled} onChange={(e) => actions.setServer(server.name, e.target.checked)} aria-label={`Use ${server.name}`} />
          <strong id={`${id}-name`}>{server.name}</strong>
        </label>
        <span className="hint" data-testid={`${id}-status`} aria-live="polite">
          {describeServerState(server.status)}
        </span>
      </div>
      <p className="hint">
        {transport.kind === 'stdio' ? `${transport.command} ${transport.args.join(' ')}` : transport.url}
        {secrets.length > 0 && ` · ${transport.kind === 'stdio' ? 'environment' : 'headers'}: ${secrets.join(', ')} (values kept in the app)`}
      </p>
      {server.tools.length > 0 && (
        <ul className="tool-switches" aria-label={`Tools of ${server.name}`}>
          {server.tools.map((tool) => (
            <ToolSwitch key={tool.name} id={`${id}-tool-${idOf(tool.name)}`} tool={tool} onChange={(enabled) => actions.setTool(server.name, tool.name, enabled)} />
          ))}
        </ul>
      )}
      <div className="button-row">
        {server.enabled && server.status.state === 'stopped' && server.status.reason !== undefined && (
          <button type="button" className="button" onClick={() => actions.setServer(server.name, true)} aria-label={`Start ${server.name}`}>
            Start
          </button>
        )}
        <button type="button" className="button secondary" onClick={onEdit} aria-label={`Edit ${server.name}`}>
          Edit
        </button>
        <button type="button" className="button secondary" onClick={() => actions.removeServer(server.name)} aria-label={`Remove ${server.name}`}>
          Remove
        </button>
      </div>
    </div>
  );
}

/** Settings -> Tools: the MCP servers with their states and switches, the add/edit form, and the built-in tools. */
export function ToolsSettings({ tools, result, actions }: Props) {
  // null: no form; '': adding; a name: editing that server.
  const [editing, setEditing] = useState<string | null>(null);
  const edited = editing ? (tools.servers.find((s) => s.name === editing) ?? null) : null;
  const save = (name: string, entry: Record<string, unknown>, previous: string | null) => {
    actions.saveServer(name, entry, previous);
    setEditing(null);
  };
  return (
    <section aria-labelledby="settings-tools">
      <h3 id="settings-tools">Tools</h3>
      <p className="hint">
        MCP servers from <code>{tools.configFile}</code>. Changes apply from the next turn.
      </p>
      {tools.problems.map((problem) => (
        <p key={problem} className="field-error" role="alert">
          {problem}
        </p>
      ))}
      {result && !result.ok && (
        <p className="field-error" role="alert">
          {result.message}
        </p>
      )}
      {result?.ok && result.message && (
        <p className="hint" role="status">
          {result.message}
        </p>
      )}
      {tools.servers.length === 0 && <p className="hint">No MCP servers yet.</p>}
      {tools.servers.map((server) =>
        editing === server.name && edited ? (
          <McpServerForm key={server.name} server={edited} onSave={save} onCancel={() => setEditing(null)} />
        ) : (
          <ServerLine key={server.name} server={server} actions={actions} onEdit={() => setEditing(server.name)} />
        ),
      )}
      {editing === '' ? (
        <McpServerForm server={null} onSave={save} onCancel={() => setEditing(null)} />
      ) : (
        <button type="button" className="button secondary" onClick={() => setEditing('')}>
          Add MCP server
        </button>
      )}
      <h4>Built-in tools</h4>
      <ul className="tool-switches" aria-label="Built-in tools">
        {tools.builtins.map((tool) => (
          <ToolSwitch key={tool.name} id={`builtin-tool-${idOf(tool.name)}`} tool={tool} onChange={(enabled) => actions.setBuiltin(tool.name, enabled)} />
        ))}
      </ul>
    </section>
  );
}
