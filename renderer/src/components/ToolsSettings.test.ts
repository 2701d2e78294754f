import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { EnvelopeWriter, parseServerEnvelope, type ServerMessage } from '../../../shared/protocol';
import { fitToolsView } from '../../../shared/tools-view-fit';
import type { ToolsView } from '../../../shared/tools-view';
import { McpServerForm } from './McpServerForm';
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
    expect(describeServerState({ state: 'stopped', reason: 'Not started: you did not allow this program to run.' })).toBe('Not started: you did not allow this program to run.');
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

  it('says why a program is stopped and offers to start it, and shows what a save left out', () => {
    const refused: ToolsView = {
      ...view,
      servers: [{ ...view.servers[0]!, status: { state: 'stopped', reason: 'Not started: you did not allow this program to run. Start asks again.' }, tools: [] }],
    };
    const html = renderToStaticMarkup(createElement(ToolsSettings, { tools: refused, result: { ok: true, message: 'Saved without TOKEN: enter it again.' }, actions }));
    expect(html).toContain('Not started: you did not allow this program to run. Start asks again.');
    expect(html).toContain('aria-label="Start everything"');
    expect(html).toContain('role="status"');
    expect(html).toContain('Saved without TOKEN: enter it again.');
    expect(render()).not.toContain('aria-label="Start');
  });

  it('shows the exact command line a program form will run before it is saved', () => {
    const html = renderToStaticMarkup(createElement(McpServerForm, { server: view.servers[0]!, onSave() {}, onCancel() {} }));
    expect(html).toContain('Saving runs this program with your permissions: <code>npx -y server-everything</code>');
  });

  it('renders a view past the protocol’s limits once main has trimmed it, saying what was left out', () => {
    // Past every limit: servers, tools, a tool's name and description, problems, a reason, the command, the arguments.
    const tool = (i: number) => ({ name: `tool-${i}`, description: 'd'.repeat(2_100), enabled: true });
    const huge: ToolsView = {
      configFile: '/data/mcp.json',
      problems: Array.from({ length: 120 }, (_, i) => `problem ${i} ${'p'.repeat(1_100)}`),
      servers: Array.from({ length: 105 }, (_, s) => ({
        name: `server-${s}`,
        enabled: true,
        status: { state: 'failed' as const, reason: 'r'.repeat(s === 0 ? 1_500 : 10), retryInMs: 1_000 },
        transport: {
          kind: 'stdio' as const,
          command: s === 0 ? 'c'.repeat(4_200) : 'node',
          args: s === 0 ? Array.from({ length: 120 }, () => 'a'.repeat(4_200)) : ['server.js'],
          envNames: ['TOKEN'],
        },
        tools: s === 0 ? [...Array.from({ length: 600 }, (_, i) => tool(i)), { name: 'n'.repeat(300), description: '', enabled: true }] : [tool(0)],
      })),
      builtins: view.builtins,
    };
    const wire = (tools: ToolsView) => parseServerEnvelope(JSON.stringify(new EnvelopeWriter<ServerMessage>().wrap({ type: 'tools', view: tools })));
    // As it is, the renderer would refuse the whole message.
    expect(wire(huge).ok).toBe(false);
    const fitted = wire(fitToolsView(huge));
    expect(fitted.ok ? 'accepted' : fitted.error).toBe('accepted');
    const shown = fitted.ok && fitted.value.message.type === 'tools' ? fitted.value.message.view : null;
    const html = renderToStaticMarkup(createElement(ToolsSettings, { tools: shown!, result: null, actions }));
    expect(html).toContain('Not everything fits in this list (a message to the app has a size limit):');
    expect(html).toContain('server-0');
    expect(html).toContain('get_current_time');
  });

  it('leaves a view within the limits as it is', () => {
    expect(fitToolsView(view)).toEqual(view);
  });
});
