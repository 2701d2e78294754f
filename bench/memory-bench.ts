/**
 * Heap and RSS after many turns versus after a few (after GC), with the
 * collector up and with it down.
 */
import { silentLogger } from '../electron/agent/util/logger';
import { Telemetry } from '../electron/agent/telemetry/sdk/telemetry';
import { readTelemetryConfig } from '../electron/agent/telemetry/sdk/telemetry-config';
import { freePort } from '../electron/agent/testing/ports';
import { BenchClient, benchConfig, completeTurn, stagesFor, type FakeProviders } from './harness';
import { figure, type Figure } from './stats';

const MB = 1024 * 1024;

async function settle(): Promise<{ heap: number; rss: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the bench with node --expose-gc (npm run bench does)');
  // Collect, let finalizers run (fetch cleans up after its requests in them), collect again.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed / MB, rss: usage.rss / MB };
}

async function growth(client: BenchClient, telemetry: Telemetry, turns: number): Promise<{ heap: number; rss: number }> {
  client.send({ type: 'conversation.start' });
  const turn = async (i: number) => completeTurn(client, () => client.send({ type: 'user.text', text: `message number ${i}` }));
  for (let i = 0; i < 10; i++) await turn(i);
  await telemetry.flush();
  const before = await settle();
  for (let i = 10; i < turns; i++) await turn(i);
  await telemetry.flush();
  const after = await settle();
  client.send({ type: 'conversation.end' });
  return { heap: after.heap - before.heap, rss: after.rss - before.rss };
}

export async function memoryBench(providers: FakeProviders, turns: number): Promise<Figure[]> {
  await providers.configure({ reply: 'Fine. Thanks.', ttsMsPerChar: 2 });
  const quiet = new Telemetry(readTelemetryConfig({}, () => {}), silentLogger);
  // Warm-up in a session of its own: the process's one-time growth (compiled code,
  // allocator arenas, connection pools) is not what is being measured.
  await growth(new BenchClient(stagesFor(providers.url), benchConfig(providers.url), quiet), quiet, 100);
  const up = await growth(new BenchClient(stagesFor(providers.url), benchConfig(providers.url), quiet), quiet, turns);

  const down = new Telemetry(
    readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}` }, () => {}),
    silentLogger,
    { batch: { scheduledDelayMillis: 200 }, otlpTimeoutMillis: 1_000 },
  );
  const collectorDown = await growth(new BenchClient(stagesFor(providers.url), benchConfig(providers.url), down), down, turns);
  await down.shutdown(1_000);

  const note = `after ${turns} text turns vs after 10, after GC`;
  return [
    figure('memory_heap_growth_mb', 'MB', [up.heap], 5, { note }),
    figure('memory_rss_growth_mb', 'MB', [up.rss], 5, { note }),
    figure('memory_heap_growth_collector_down_mb', 'MB', [collectorDown.heap], 5, { note: `${note}; tracing on, collector unreachable (bounded span queue)` }),
    figure('memory_rss_growth_collector_down_mb', 'MB', [collectorDown.rss], 5, { note }),
  ];
}
