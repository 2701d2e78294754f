/**
 * The services both hosts start: the MCP servers of the data folder's
 * mcp.json (or MCP_CONFIG's file) join the built-in tools of every turn,
 * and the assistant still reads the settings live.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAppServices, type AppServices } from './app-services';
import { ConversationHistory } from './history/conversation-history';
import { DataFolderInUse, LOCK_FILE } from './util/data-folder-lock';
import { silentLogger } from './util/logger';
import { FileSecretStore } from './settings/secret-store';
import { startMcpHttpServer, type McpHttpTestServer } from './testing/mcp-http-server';
import { saveConversations } from './testing/saved-conversations';
import { until } from './testing/until';
import type { Tool } from './tools/tool';

let dir: string;
let http: McpHttpTestServer;
let services: AppServices | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'app-services-'));
  http = await startMcpHttpServer();
});
afterEach(async () => {
  await services?.tools.stop();
  await services?.telemetry.shutdown(1_000);
  services = null;
  await http.close();
  await rm(dir, { recursive: true, force: true });
});

const open = (env: Record<string, string> = {}) =>
  startAppServices({ dataDir: dir, env, secretStore: new FileSecretStore(join(dir, 'secrets.json')), logger: silentLogger });

const clock: Tool = { name: 'get_current_time', description: 'The time.', parameters: {}, type: 'function', source: 'built-in', call: async () => ({ text: 'now' }) };

describe('startAppServices', () => {
  it('offers the tools of the servers in mcp.json with the built-in ones, and keeps reading the settings live', async () => {
    await writeFile(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: { web: { url: http.url } } }));
    services = await open();
    const provider = services.assistant.tools!({ tools: () => [clock] });
    await until(() => provider.tools().length === 6, { what: 'the MCP tools', detail: () => provider.tools().map((t) => t.name).join(', ') });
    expect(provider.tools().map((t) => t.name)).toEqual(expect.arrayContaining(['get_current_time', 'web__add']));
    expect(services.tools.view().builtins.map((t) => t.name).sort()).toEqual(['describe_recent_turns', 'get_current_time', 'set_timer']);

    const result = await services.settings.update({ values: { llm: { systemPrompt: 'Answer in one word.' } } });
    expect(result.ok).toBe(true);
    expect(services.assistant.config.systemPrompt).toBe('Answer in one word.');
  });

  it('applies the history retention limit of the environment at start, and the one saved in Settings at once', async () => {
    const history = await ConversationHistory.open(dir);
    const ids = await saveConversations(history, 3);
    services = await open({ HISTORY_KEEP_COUNT: '2' });
    expect((await services.history.list()).map((s) => s.id)).toEqual([ids[2], ids[1]]);
    expect((await services.settings.update({ values: { history: { keepCount: 1 } } })).ok).toBe(true);
    await until(async () => (await services!.history.list()).length === 1, 'the limit saved in Settings applied');
    expect((await services.history.list()).map((s) => s.id)).toEqual([ids[2]]);
  });

  it("deletes a conversation's turn audio with the conversation, by hand or by the retention limit, and keeps turn audio only when asked", async () => {
    services = await open({ ENABLE_TRACING: 'true' });
    expect(services.turnAudio.keeping).toBe(false);
    expect((await services.settings.update({ values: { tracing: { captureAudio: true } } })).ok).toBe(true);
    expect(services.turnAudio.keeping).toBe(true);
    const ids = await saveConversations(services.history, 3);
    ids.forEach((id, i) => {
      services!.turnAudio.save({ conversationId: id, turn: 1, startAt: 1_000 + i, endAt: 2_000, clips: [{ lane: 'user', startAt: 1_000, sampleRate: 16_000, samples: new Int16Array(1_600).fill(100 + i) }] });
    });
    await services.audioStore.settled();
    expect(await services.history.delete(ids[1]!)).toBe(true);
    expect(existsSync(join(dir, 'turn-audio', ids[1]!))).toBe(false);
    expect(existsSync(join(dir, 'turn-audio', ids[0]!))).toBe(true);
    expect((await services.settings.update({ values: { history: { keepCount: 1 } } })).ok).toBe(true);
    await until(() => !existsSync(join(dir, 'turn-audio', ids[0]!)), "the oldest conversation's audio deleted with it");
    expect(existsSync(join(dir, 'turn-audio', ids[2]!))).toBe(true);
    // Tracing off: nothing is kept, whatever the switch says.
    expect((await services.settings.update({ values: { tracing: { enabled: false } } })).ok).toBe(true);
    expect(services.turnAudio.keeping).toBe(false);
  });

  it('reads the file MCP_CONFIG names instead', async () => {
    const file = join(dir, 'elsewhere.json');
    await writeFile(file, JSON.stringify({ mcpServers: { other: { url: http.url } } }));
    services = await open({ MCP_CONFIG: file });
    expect(services.tools.view().configFile).toBe(file);
    await until(() => services!.tools.view().servers[0]?.status.state === 'ready', 'the server ready');
  });

  it('stops a second app on the same data folder before it starts anything, naming the process that holds it', async () => {
    services = await open();
    // A stdio MCP server that leaves a mark when it starts: none may start for the refused app.
    const marking = (marker: string) =>
      JSON.stringify({ mcpServers: { marker: { command: process.execPath, args: ['-e', 'require("fs").writeFileSync(process.argv[1], "started")', marker] } } });
    const refusedMarker = join(dir, 'refused-started');
    await writeFile(join(dir, 'refused.json'), marking(refusedMarker));
    await expect(open({ MCP_CONFIG: join(dir, 'refused.json') })).rejects.toThrow(new DataFolderInUse(dir, process.pid, join(dir, LOCK_FILE)).message);
    // Once the first has stopped and given the folder up, it opens again.
    await services.tools.stop();
    await services.telemetry.shutdown(1_000);
    services.dataFolder.release();
    services = await open();

    // The same servers do start for an app on a folder of its own; by then the refused one's would have too.
    const elsewhere = await mkdtemp(join(tmpdir(), 'app-services-'));
    const startedMarker = join(elsewhere, 'started');
    await writeFile(join(elsewhere, 'mcp.json'), marking(startedMarker));
    const other = await startAppServices({ dataDir: elsewhere, env: {}, secretStore: new FileSecretStore(join(elsewhere, 'secrets.json')), logger: silentLogger });
    try {
      await until(() => existsSync(startedMarker), 'the MCP server of the app on its own folder to start');
      expect(existsSync(refusedMarker)).toBe(false);
    } finally {
      await other.tools.stop();
      await other.telemetry.shutdown(1_000);
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
