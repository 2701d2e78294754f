/**
 * `npm run test:soak`: 500 typed turns in one session, traced and exported,
 * against the local OpenAI-compatible test server. The session runs in a
 * headless host in this process, reached as a page reaches it: the access
 * link, its cookie, the WebSocket. After a warm-up, the heap, the process's
 * open handles and its listeners must not grow beyond a small bound. The
 * figures are printed for the record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EnvelopeWriter, type ClientMessage, type ServerMessage } from '../shared/protocol';
import { silentLogger } from '../electron/agent/util/logger';
import { readPipelineConfig } from '../electron/agent/pipeline/pipeline-config';
import { Telemetry } from '../electron/agent/telemetry/sdk/telemetry';
import { readTelemetryConfig } from '../electron/agent/telemetry/sdk/telemetry-config';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../electron/agent/testing/fake-openai-server';
import { startOtlpReceiver, type OtlpReceiver } from '../electron/agent/testing/otlp-receiver';
import { signIn } from '../electron/agent/testing/sign-in';
import { openAIStagesAt } from '../electron/agent/testing/test-stages';
import { until } from '../electron/agent/testing/until';
import { startHeadlessHost } from '../electron/server/headless-host';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const TURNS = Number(process.env.SOAK_TURNS ?? 500);
const WARM_UP = 50;

let server: FakeOpenAIServer;
let receiver: OtlpReceiver;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await sleep(50);
    gc();
  }
}

function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

it(`holds ${TURNS} turns in one session without growing`, { timeout: 600_000 }, async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  server.configure({ reply: 'A short reply. And a second sentence.', ttsMsPerChar: 1 });
  const telemetry = new Telemetry(readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, () => {}), silentLogger, {
    batch: { scheduledDelayMillis: 200 },
    // Full before the warm-up ends (5 spans a turn), so that what is measured is
    // the viewer's store staying at its bound, not the store filling up.
    storeLimits: { conversations: 20, spans: 200 },
  });
  let ended = 0;
  let envelopes = 0;
  let stream = 0;
  const writer = new EnvelopeWriter<ClientMessage>();
  const staticDir = mkdtempSync(join(tmpdir(), 'soak-static-'));
  // The soak sends as fast as the pipeline answers (three messages a turn, tens of turns a second),
  // far past a page's pace: the message rate a connection is allowed is lifted for it.
  const host = await startHeadlessHost({
    host: '127.0.0.1',
    port: 0,
    staticDir,
    logger: silentLogger,
    limits: { messageRate: { perSecond: Infinity, burst: Infinity } },
    services: {
      telemetry,
      assistant: {
        config: readPipelineConfig({ OPENAI_BASE_URL: server.url }, () => {}),
        stages: () => openAIStagesAt(server.url, { apiKey: 'sk-soak', timeoutMs: 5_000 }),
        createVad: async () => ({ name: 'none', isSpeech: async () => false, reset() {}, dispose: async () => {} }),
      },
    },
  });
  const access = await signIn(host.url);
  const socket = new WebSocket(access.ws, { headers: { Origin: access.origin, cookie: access.cookie } });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const send = (m: ClientMessage) => socket.send(JSON.stringify(writer.wrap(m)));
  // Plays the part of the page: reports the reply's audio as played once it is all sent.
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    envelopes++;
    const m = (JSON.parse(String(data)) as { message: ServerMessage }).message;
    if (m.type === 'turn' && m.phase === 'start') stream = m.stream;
    if (m.type === 'turn' && m.phase === 'end') ended++;
    if (m.type === 'transcript' && m.role === 'assistant' && m.final) {
      send({ type: 'playback', event: 'started', stream, playedMs: 0 });
      send({ type: 'playback', event: 'drained', stream, playedMs: 1_000 });
    }
  });
  send({ type: 'conversation.start' });

  // The test servers record what they receive; empty them so that only the app's memory is measured.
  let spansExported = 0;
  const forgetRecords = () => {
    spansExported += receiver.state.spans.length;
    receiver.state.spans.length = 0;
    receiver.state.requests.length = 0;
    server.requests.length = 0;
  };
  const turn = async (i: number) => {
    if (i % 50 === 0) forgetRecords();
    const before = ended;
    send({ type: 'user.text', text: `Turn number ${i}, please answer.` });
    await until(() => ended !== before, { what: `turn ${i} to finish`, intervalMs: 1 });
  };

  for (let i = 0; i < WARM_UP; i++) await turn(i);
  await telemetry.flush();
  forgetRecords();
  spansExported = 0;
  await settle();
  const start = { heap: process.memoryUsage().heapUsed, handles: handles(), exits: process.listenerCount('exit') };
  const started = performance.now();
  for (let i = 0; i < TURNS; i++) await turn(WARM_UP + i);
  const elapsed = performance.now() - started;
  expect(telemetry.traceStore.size).toBeLessThanOrEqual(200);
  await telemetry.flush();
  forgetRecords();
  await settle();
  const end = { heap: process.memoryUsage().heapUsed, handles: handles(), exits: process.listenerCount('exit') };

  send({ type: 'conversation.end' });
  socket.close();
  await host.close();
  await telemetry.shutdown(2_000);
  rmSync(staticDir, { recursive: true, force: true });
  process.off('warning', onWarning);

  const heapGrowthMb = (end.heap - start.heap) / 2 ** 20;
  const figures = {
    turns: TURNS,
    msPerTurn: +(elapsed / TURNS).toFixed(1),
    heapStartMb: +(start.heap / 2 ** 20).toFixed(1),
    heapGrowthMb: +heapGrowthMb.toFixed(2),
    handlesStart: start.handles,
    handlesEnd: end.handles,
    exitListeners: [start.exits, end.exits],
    envelopesSent: envelopes,
    spansExported,
    openProviderRequests: server.openRequests,
  };
  console.log(`soak figures ${JSON.stringify(figures)}`);

  expect(ended).toBe(WARM_UP + TURNS);
  expect(server.openRequests).toBe(0);
  expect(spansExported).toBeGreaterThan(TURNS * 4);
  // A few kilobytes a turn would show as megabytes here.
  expect(heapGrowthMb).toBeLessThan(5);
  // Keep-alive sockets and timers may come and go by one or two; a leak adds one per turn.
  expect(total(end.handles)).toBeLessThanOrEqual(total(start.handles) + 3);
  expect(end.exits).toBe(start.exits);
  expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
});
