import { startMcpHttpServer, type McpHttpTestServer } from '../electron/agent/testing/mcp-http-server';
import { collected, configureProviders, expect, providerRequests, resetCollector, sendText, setTracing, test } from './fixtures';

// A Streamable HTTP MCP server on loopback (the SDK's McpServer), added through Settings -> Tools.
let mcp: McpHttpTestServer;
test.beforeAll(async () => {
  mcp = await startMcpHttpServer();
});
test.afterAll(async () => {
  await mcp.close();
});
test.afterEach(async ({ app }) => {
  await setTracing(app, false);
  await resetCollector();
});

test('an MCP server added in Settings answers a typed request through its tool, and the call is traced', async ({ app }) => {
  await resetCollector();
  await setTracing(app, true);

  await app.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('button', { name: 'Add MCP server' }).click();
  const form = dialog.getByRole('form', { name: 'Add an MCP server' });
  // The form checks the entry with the file's schema before sending it.
  await form.getByLabel('Name', { exact: true }).fill('calc');
  // A program's exact command line is shown before anything is saved.
  await form.getByLabel('Command', { exact: true }).fill('sh');
  await form.getByLabel(/^Arguments/).fill('-c\necho hi; rm -rf ~/x');
  await expect(form.getByTestId('mcp-add-command-line')).toHaveText("Saving runs this program with your permissions: sh -c 'echo hi; rm -rf ~/x'");
  await form.getByLabel('URL (Streamable HTTP)').check();
  await form.getByLabel('URL', { exact: true }).fill('ftp://nowhere');
  await form.getByRole('button', { name: 'Add server' }).click();
  await expect(form.getByRole('alert')).toHaveText('url: must be an http(s) URL');
  await form.getByLabel('URL', { exact: true }).fill(mcp.url);
  await form.getByLabel(/^Headers/).fill('Authorization: Bearer e2e-secret');
  await form.getByRole('button', { name: 'Add server' }).click();

  const server = dialog.getByRole('group', { name: 'calc' });
  await expect(server.getByText('Ready with 5 tools')).toBeVisible();
  await expect(server).toContainText('headers: Authorization');
  await expect(dialog).not.toContainText('e2e-secret');
  expect(mcp.sessionHeaders.at(-1)?.authorization).toBe('Bearer e2e-secret');
  await server.scrollIntoViewIfNeeded();
  await app.screenshot({ path: test.info().outputPath('mcp-settings.png') });
  // The switches are reachable from the keyboard.
  const hang = server.getByRole('checkbox', { name: 'hang' });
  await hang.focus();
  await app.keyboard.press('Space');
  await expect(hang).not.toBeChecked();
  await app.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  try {
    await configureProviders({ toolSteps: [[{ name: 'calc__add', arguments: '{"a":2,"b":40}' }]], ttsMsPerChar: 5 });
    await sendText(app, 'What is 2 plus 40?');
    const reply = app.getByRole('log', { name: 'Conversation' }).locator('.entry-assistant').last();
    await expect(reply).toContainText('The tools said: 42');
    await expect(reply.getByText('Used add (calc)')).toBeVisible();

    const { requests } = await providerRequests();
    const chats = requests.filter((r) => r.endpoint === 'chat');
    const offered = (chats[0]!.body.tools as { function: { name: string } }[]).map((t) => t.function.name);
    expect(offered).toContain('calc__add');
    expect(offered).not.toContain('calc__hang');
    // Spoken: the answer goes to text-to-speech (after it is shown).
    const spoken = async () => (await providerRequests()).requests.filter((r) => r.endpoint === 'speech').map((r) => String(r.body.input)).join(' ');
    await expect.poll(spoken, { timeout: 15_000 }).toContain('42');

    await expect.poll(async () => (await collected()).spans.filter((s) => s.attributes['mcp.method.name'] === 'tools/call').length, { timeout: 15_000 }).toBe(1);
    const { spans } = await collected();
    const tool = spans.find((s) => s.name === 'execute_tool calc__add')!;
    const call = spans.find((s) => s.name === 'tools/call add')!;
    expect(tool.attributes['voice_agent.tool.source']).toBe('calc');
    expect(tool.attributes['gen_ai.tool.type']).toBe('extension');
    expect(call.parentSpanId).toBe(tool.spanId);
    expect(call.traceId).toBe(tool.traceId);
    expect(call.attributes['gen_ai.tool.name']).toBe('add');
    expect(call.attributes['mcp.session.id']).toEqual(expect.any(String));
    expect(call.attributes['jsonrpc.request.id']).toEqual(expect.any(String));
    expect(spans.find((s) => s.spanId === tool.parentSpanId)?.name).toBe('turn');
    // The server got the client span's trace context in _meta; no secret went into the trace.
    expect(mcp.calls.find((c) => c.tool === 'add')?.meta?.traceparent).toBe(`00-${call.traceId}-${call.spanId}-01`);
    expect(JSON.stringify(spans)).not.toContain('e2e-secret');
  } finally {
    // The data folder is shared by the run's specs: leave no server behind.
    await app.getByRole('button', { name: 'Settings', exact: true }).click();
    await dialog.getByRole('button', { name: 'Remove calc' }).click();
    await expect(dialog.getByText('No MCP servers yet.')).toBeVisible();
    await app.keyboard.press('Escape');
  }
});
