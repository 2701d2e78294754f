/**
 * Settings -> Tools' requests to main: switch an MCP server, one of its
 * tools or a built-in tool, add, replace or remove a server. Each is
 * answered with `tools.result`, shown as the snapshot's `toolsResult`; a
 * request that cannot be sent says so there, and nothing is changed.
 */
import type { ClientMessage } from '../../../shared/protocol';
import { failureMessage, type RequestLink } from './request-link';

export interface ToolActions {
  setServer(server: string, enabled: boolean): void;
  setTool(server: string, tool: string, enabled: boolean): void;
  setBuiltin(name: string, enabled: boolean): void;
  saveServer(name: string, entry: Record<string, unknown>, previous: string | null): void;
  removeServer(name: string): void;
}

type ToolsRequest = Extract<ClientMessage, { type: `tools.${string}` }>;

export function toolRequests(link: Pick<RequestLink, 'connected' | 'ask' | 'dispatch'>): ToolActions {
  const result = (value: { ok: boolean; message: string } | null) => link.dispatch({ type: 'local.toolsResult', result: value });
  const ask = (message: ToolsRequest) => {
    result(null);
    if (!link.connected()) {
      result({ ok: false, message: 'Not connected to the app; nothing was changed.' });
      return;
    }
    link.ask(message, (error) => result({ ok: false, message: failureMessage(error) }));
  };
  return {
    setServer: (name, enabled) => ask({ type: 'tools.server.enable', name, enabled }),
    setTool: (server, tool, enabled) => ask({ type: 'tools.tool.enable', server, tool, enabled }),
    setBuiltin: (name, enabled) => ask({ type: 'tools.builtin.enable', name, enabled }),
    // Adds (`previous` null) or replaces a server.
    saveServer: (name, server, previous) => ask({ type: 'tools.server.save', name, server, previous }),
    removeServer: (name) => ask({ type: 'tools.server.remove', name }),
  };
}
