import { describe, expect, it } from 'vitest';
import { EnvelopeWriter, parseServerEnvelope, type ServerMessage } from './protocol';
import { fitToolsView } from './tools-view-fit';
import type { McpServerView, ToolsView } from './tools-view';

const wire = (view: ToolsView) => parseServerEnvelope(JSON.stringify(new EnvelopeWriter<ServerMessage>().wrap({ type: 'tools', view })));
const server = (name: string, tools: number, description: number, extra: Partial<McpServerView> = {}): McpServerView => ({
  name,
  enabled: true,
  status: { state: 'ready', tools },
  transport: { kind: 'http', url: 'http://127.0.0.1:1/mcp', headerNames: [] },
  tools: Array.from({ length: tools }, (_, i) => ({ name: `t${i}`, description: 'x'.repeat(description), enabled: true })),
  ...extra,
});
const base: ToolsView = { configFile: '/data/mcp.json', problems: [], servers: [], builtins: [{ name: 'get_current_time', description: 'The time.', enabled: true }] };

describe('a tools view fitted to the protocol', () => {
  it('shortens descriptions first when two ordinary servers (100 tools, 300 characters each) do not fit one message', () => {
    const view = { ...base, servers: [server('a', 100, 300), server('b', 100, 300)] };
    expect(wire(view).ok).toBe(false);
    const fitted = fitToolsView(view);
    expect(wire(fitted).ok).toBe(true);
    expect(fitted.servers.map((s) => s.tools.length)).toEqual([100, 100]);
    expect(fitted.problems).toEqual(['Not everything fits in this list (a message to the app has a size limit): tool descriptions shortened.']);
  });

  it('leaves out the last tools, then the last servers, and counts them', () => {
    const many = { ...base, servers: Array.from({ length: 100 }, (_, i) => server(`s${i}`, 500, 10)) };
    const fitted = fitToolsView(many);
    expect(wire(fitted).ok).toBe(true);
    expect(fitted.problems[0]).toMatch(/^Not everything fits in this list \(a message to the app has a size limit\): .*\d+ tools not shown; tool descriptions not shown\.$/);

    const wide = { ...base, servers: Array.from({ length: 100 }, (_, i) => server(`s${i}`, 0, 0, { transport: { kind: 'stdio', command: 'c'.repeat(4_000), args: Array.from({ length: 100 }, () => 'a'.repeat(4_000)), envNames: [] } })) };
    const fittedWide = fitToolsView(wide);
    expect(wire(fittedWide).ok).toBe(true);
    expect(fittedWide.servers.length).toBeGreaterThan(0);
    expect(fittedWide.problems[0]).toContain(`${100 - fittedWide.servers.length} servers not shown (still used);`);
    expect(fittedWide.problems[0]).toContain('long commands, arguments, names or reasons shortened.');
  });

  it('keeps the sentence within a reason and the problems within their count', () => {
    const view = { ...base, problems: Array.from({ length: 300 }, (_, i) => `p${i}`) };
    const fitted = fitToolsView(view);
    expect(wire(fitted).ok).toBe(true);
    expect(fitted.problems).toHaveLength(100);
    expect(fitted.problems[0]).toBe('Not everything fits in this list (a message to the app has a size limit): 201 more problems not shown.');
  });
});
