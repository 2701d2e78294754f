import { describe, expect, it } from 'vitest';
import { RequestError } from './pending-requests';
import type { RequestLink } from './request-link';
import { toolRequests } from './tool-requests';

function link(connected: boolean) {
  const asked: unknown[] = [];
  const results: unknown[] = [];
  let fail: ((error: RequestError) => void) | null = null;
  const fake: Pick<RequestLink, 'connected' | 'ask' | 'dispatch'> = {
    connected: () => connected,
    ask: (message, onFailure) => {
      asked.push(message);
      fail = onFailure ?? null;
    },
    dispatch: (event) => {
      if (event.type === 'local.toolsResult') results.push(event.result);
    },
  };
  return { link: fake, asked, results, fail: (error: RequestError) => fail?.(error) };
}

describe('toolRequests', () => {
  it('sends each change as its tools.* request, clearing the last result first', () => {
    const { link: l, asked, results } = link(true);
    const tools = toolRequests(l);
    tools.setServer('calc', false);
    tools.setTool('calc', 'add', true);
    tools.setBuiltin('set_timer', false);
    tools.saveServer('calc', { url: 'http://127.0.0.1:1/mcp' }, null);
    tools.removeServer('calc');
    expect(asked).toEqual([
      { type: 'tools.server.enable', name: 'calc', enabled: false },
      { type: 'tools.tool.enable', server: 'calc', tool: 'add', enabled: true },
      { type: 'tools.builtin.enable', name: 'set_timer', enabled: false },
      { type: 'tools.server.save', name: 'calc', server: { url: 'http://127.0.0.1:1/mcp' }, previous: null },
      { type: 'tools.server.remove', name: 'calc' },
    ]);
    expect(results).toEqual([null, null, null, null, null]);
  });

  it('says nothing was changed when not connected, and names a failed request', () => {
    const offline = link(false);
    toolRequests(offline.link).removeServer('calc');
    expect(offline.asked).toEqual([]);
    expect(offline.results.at(-1)).toEqual({ ok: false, message: 'Not connected to the app; nothing was changed.' });

    const online = link(true);
    toolRequests(online.link).setServer('calc', true);
    online.fail(new RequestError('gone', 'disconnected'));
    expect(online.results.at(-1)).toEqual({ ok: false, message: 'Not connected to the app.' });
  });
});
