import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { ToolsView } from '../../../shared/tools-view';
import type { ToolActions } from '../session/tool-requests';
import { describeServerState, ToolsSettings } from './ToolsSettings';

const actions: ToolActions = { setServer() {}, setTool() {}, setBuiltin() {}, saveServer() {}, removeServer() {} };
const view: ToolsView = {
  configFile: '/data/mcp.json',
  problems: ['/data/mcp.json: mcpServers.bad.url: must be an http(s) URL'],
  servers: [
    {
      name: 'everything',
      enabled: true,
      status: { state: 'ready', tools: 2 },
      transport: { kind: 'stdio', command: 'npx', args: ['-y', 'server-everything'], envNames: ['API_TOKEN'] },
      tools: [
        { name: 'echo', description: 'Echoes.', enabled: true },
        { name: 'get-sum', description: 'Adds.', enabled: false },
      ],
    },
    { name: 'web', enabled: false, status: { state: 'disabled' }, transport: { kind: 'http', url: 'http://127.0.0.1:3000/mcp', headerNames: [] }, tools: [] },
  ],
  builtins: [{ name: 'get_current_time', description: 'The time.', enabled: true }],
};
const render = (result: { ok: boolean; message: string } | null = null) => renderToStaticMarkup(createElement(ToolsSettings, { tools: view, result, actions }));

describe('Settings -> Tools', () => {
  it('says each state as a person reads it', () => {
    expect(describeServerState({ state: 'starting' })).toBe('Starting…');
    expect(describeServerState({ state: 'ready', tools: 1 })).toBe('Ready with 1 tool');
    expect(describeServerState({ state: 'ready', tools: 3 })).toBe('Ready with 3 tools');
    expect(describeServerState({ state: 'failed', reason: 'the server exited: boom', retryInMs: 2_000 })).toBe('Failed: the server exited: boom (trying again in 2 s)');
    expect(describeServerState({ state: 'stopped' })).toBe('Stopped');
    expect(describeServerState({ state: 'disabled' })).toBe('Off');
  });

  it('shows each server with its state, switches and the names (only) of its secrets, the problems and the built-in tools', () => {
    const html = render();
    expect(html).toContain('/data/mcp.json');
    expect(html).toContain('role="alert"');
    expect(html).toContain('mcpServers.bad.url: must be an http(s) URL');
    expect(html).toContain('Ready with 2 tools');
    expect(html).toContain('environment: API_TOKEN (values kept in the app)');
    expect(html).toContain('aria-label="Use everything"');
    const input = (id: string) => new RegExp(`<input[^>]*id="${id}"[^>]*>`).exec(html)?.[0] ?? '';
    expect(input('mcp-server-everything-tool-echo')).toContain('checked');
    expect(input('mcp-server-everything-tool-get-sum')).toContain('type="checkbox"');
    expect(input('mcp-server-everything-tool-get-sum')).not.toContain('checked');
    expect(html).toContain('>Off<');
    expect(html).toContain('aria-label="Remove web"');
    expect(html).toContain('aria-label="Built-in tools"');
    expect(html).toContain('get_current_time');
  });

  it('shows a refused change', () => {
    expect(render({ ok: false, message: 'there is already a server named "web"' })).toContain('there is already a server named &quot;web&quot;');
  });
});
