/**
 * A secret belongs to the address it was given for, proved against real
 * loopback listeners: a stage's server and the OTLP endpoint changed from the
 * pane (as any client of the host could) reach the new listener without the
 * old secret, while an unchanged address keeps it; OPENAI_API_KEY goes only
 * to OpenAI or OPENAI_BASE_URL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../util/logger';
import { pipelineConfigOf, readPipelineConfig } from '../pipeline/pipeline-config';
import { OpenAILanguageModel } from '../providers/openai';
import { Telemetry } from '../telemetry/sdk/telemetry';
import { readTelemetryConfig, telemetryConfigOf } from '../telemetry/sdk/telemetry-config';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../testing/fake-openai-server';
import { startOtlpReceiver, type OtlpReceiver } from '../testing/otlp-receiver';
import { until } from '../testing/until';
import { FileSecretStore } from './secret-store';
import { SettingsStore } from './settings-store';

let given: FakeOpenAIServer;
let other: FakeOpenAIServer;
let collector: OtlpReceiver;
let elsewhere: OtlpReceiver;
const dirs: string[] = [];
const telemetries: Telemetry[] = [];
beforeAll(async () => {
  [given, other, collector, elsewhere] = await Promise.all([startFakeOpenAIServer(), startFakeOpenAIServer(), startOtlpReceiver(), startOtlpReceiver()]);
});
afterAll(async () => {
  await Promise.all([given.close(), other.close(), collector.close(), elsewhere.close()]);
});
afterEach(async () => {
  await Promise.all(telemetries.splice(0).map((t) => t.shutdown(1_000)));
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  for (const server of [given, other]) server.requests.length = 0;
  collector.reset();
  elsewhere.reset();
});

async function open(env: Record<string, string>): Promise<SettingsStore> {
  const dir = mkdtempSync(join(tmpdir(), 'secret-origins-'));
  dirs.push(dir);
  return SettingsStore.open({ dataDir: dir, env, secretStore: new FileSecretStore(join(dir, 'secrets.json')), logger: silentLogger });
}

/** One chat request from the language model stage as configured now; returns the Authorization header the server saw. */
async function chat(store: SettingsStore, server: FakeOpenAIServer): Promise<string | undefined> {
  const llm = new OpenAILanguageModel(pipelineConfigOf(store.current).llm, 10_000, 10_000);
  const before = server.requests.length;
  for await (const event of llm.chat([{ role: 'user', content: 'Hello' }], new AbortController().signal)) void event;
  expect(server.requests.length).toBe(before + 1);
  return server.requests.at(-1)!.authorization;
}

describe("a stage's API key", () => {
  it('is not sent to a server the stage is moved to, and stays with the address it was given for', async () => {
    const store = await open({ LLM_BASE_URL: given.url });
    await store.update({ secrets: { llmApiKey: 'sk-given' } });
    expect(await chat(store, given)).toBe('Bearer sk-given');

    // Another setting changes: the address does not, the key stays.
    await store.update({ values: { llm: { model: 'other-model' } } });
    expect(await chat(store, given)).toBe('Bearer sk-given');

    // The address changes without the key: nothing is sent there, and the pane says what to set.
    await store.update({ values: { llm: { baseUrl: other.url } } });
    expect(await chat(store, other)).toBeUndefined();
    expect(store.view.secrets.llmApiKey).toMatchObject({ set: false, note: expect.stringMatching(/LLM_API_KEY/) });
    expect(JSON.stringify(store.view)).not.toContain('sk-given');

    // Back at the address it was given for, it is used again.
    await store.update({ reset: ['llm.baseUrl'] });
    expect(await chat(store, given)).toBe('Bearer sk-given');
  });

  it('follows a changed address when the same change brings it again', async () => {
    const store = await open({ LLM_BASE_URL: given.url });
    await store.update({ secrets: { llmApiKey: 'sk-given' } });
    await store.update({ values: { llm: { baseUrl: other.url } }, secrets: { llmApiKey: 'sk-other' } });
    expect(await chat(store, other)).toBe('Bearer sk-other');
    expect(store.view.secrets.llmApiKey).toEqual({ set: true, source: 'saved' });
  });

  it("keeps the environment's key for the environment's server only", async () => {
    const store = await open({ LLM_BASE_URL: given.url, LLM_API_KEY: 'sk-env-stage' });
    expect(await chat(store, given)).toBe('Bearer sk-env-stage');
    await store.update({ values: { llm: { baseUrl: other.url } } });
    expect(await chat(store, other)).toBeUndefined();
    expect(store.view.secrets.llmApiKey?.note).toMatch(/^LLM_API_KEY is given for http:\/\/127\.0\.0\.1:\d+, so it is not sent to/);
  });

  it('keeps a secret saved by an earlier version to the address it was in use for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-origins-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ version: 1, values: { llm: { baseUrl: given.url } } }));
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ llmApiKey: 'sk-old-format' }));
    const reopen = () => SettingsStore.open({ dataDir: dir, env: {}, secretStore: new FileSecretStore(join(dir, 'secrets.json')), logger: silentLogger });
    const store = await reopen();
    expect(await chat(store, given)).toBe('Bearer sk-old-format');
    await store.update({ values: { llm: { baseUrl: other.url } } });
    // Even after a restart, the key stays bound to where it was in use.
    expect(await chat(await reopen(), other)).toBeUndefined();
  });
});

describe('OPENAI_API_KEY', () => {
  it('goes to OPENAI_BASE_URL, and not to a server a stage is moved to', async () => {
    const store = await open({ OPENAI_BASE_URL: given.url, OPENAI_API_KEY: 'sk-openai-env' });
    expect(await chat(store, given)).toBe('Bearer sk-openai-env');
    await store.update({ values: { llm: { baseUrl: other.url } } });
    expect(await chat(store, other)).toBeUndefined();
    expect(store.view.secrets.llmApiKey?.note).toMatch(/goes only to OpenAI and OPENAI_BASE_URL, not to http:\/\/127\.0\.0\.1:\d+: .*LLM_API_KEY/);
  });

  it('goes only to OpenAI or OPENAI_BASE_URL, never to a per-stage server of another origin', () => {
    const perStage = readPipelineConfig({ OPENAI_API_KEY: 'sk-1', LLM_BASE_URL: 'http://127.0.0.1:11434/v1', STT_BASE_URL: 'http://10.0.0.2:8000/v1', STT_API_KEY: 'sk-stt' }, () => {});
    expect(perStage.llm.apiKey).toBeUndefined();
    expect(perStage.stt.apiKey).toBe('sk-stt');
    expect(perStage.tts).toMatchObject({ baseURL: undefined, apiKey: 'sk-1' });
    const shared = readPipelineConfig({ OPENAI_API_KEY: 'sk-1', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', LLM_BASE_URL: 'http://127.0.0.1:11434/other' }, () => {});
    expect([shared.stt.apiKey, shared.llm.apiKey, shared.tts.apiKey]).toEqual(['sk-1', 'sk-1', 'sk-1']);
  });

  it('saved in the pane goes to OpenAI, not to a per-stage server', async () => {
    const store = await open({});
    await store.update({ values: { llm: { baseUrl: other.url } }, secrets: { openaiApiKey: 'sk-pane-openai' } });
    expect(await chat(store, other)).toBeUndefined();
    expect(pipelineConfigOf(store.current).stt.apiKey).toBe('sk-pane-openai');
  });
});

describe('OTLP headers', () => {
  function tracing(store: SettingsStore): Telemetry {
    const telemetry = new Telemetry(telemetryConfigOf(store.current), silentLogger, { batch: { scheduledDelayMillis: 50 } });
    telemetries.push(telemetry);
    store.onChange(() => telemetry.applyConfig(telemetryConfigOf(store.current)));
    return telemetry;
  }
  async function exportTo(telemetry: Telemetry, receiver: OtlpReceiver): Promise<string | string[] | undefined> {
    const before = receiver.state.requests.length;
    telemetry.tracer.startSpan('turn').end();
    await telemetry.flush();
    await until(() => receiver.state.requests.length > before);
    return receiver.state.requests.at(-1)!.headers['x-auth'];
  }

  it('are not sent to a changed endpoint, and go on to an unchanged one', async () => {
    const store = await open({ ENABLE_TRACING: 'true', OTEL_METRICS_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_HEADERS: 'x-auth=env-header' });
    const telemetry = tracing(store);
    expect(await exportTo(telemetry, collector)).toBe('env-header');
    await store.update({ values: { tracing: { serviceName: 'renamed' } } });
    expect(await exportTo(telemetry, collector)).toBe('env-header');

    await store.update({ values: { tracing: { otlpEndpoint: elsewhere.url } } });
    expect(await exportTo(telemetry, elsewhere)).toBeUndefined();
    expect(store.view.secrets.otlpHeaders).toMatchObject({ set: false, note: expect.stringMatching(/^OTEL_EXPORTER_OTLP_HEADERS is given for/) });

    // Headers typed for the new endpoint go there; the environment's still go to theirs.
    await store.update({ secrets: { otlpHeaders: 'x-auth=pane-header' } });
    expect(await exportTo(telemetry, elsewhere)).toBe('pane-header');
    await store.update({ reset: ['tracing.otlpEndpoint'] });
    expect(await exportTo(telemetry, collector)).toBe('env-header');
  });

  it('saved in the pane are not sent to an endpoint changed afterwards', async () => {
    const store = await open({ ENABLE_TRACING: 'true', OTEL_METRICS_EXPORTER: 'none' });
    await store.update({ values: { tracing: { otlpEndpoint: collector.url } }, secrets: { otlpHeaders: 'x-auth=pane-header' } });
    const telemetry = tracing(store);
    expect(await exportTo(telemetry, collector)).toBe('pane-header');
    await store.update({ values: { tracing: { otlpEndpoint: elsewhere.url } } });
    expect(await exportTo(telemetry, elsewhere)).toBeUndefined();
    expect(store.view.secrets.otlpHeaders).toMatchObject({ set: false, source: 'saved', note: expect.stringMatching(/OTEL_EXPORTER_OTLP_HEADERS/) });
  });

  it('from the environment alone go where the environment says', () => {
    const config = readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_HEADERS: 'x-auth=h' }, () => {});
    expect(config.headers).toEqual({ 'x-auth': 'h' });
    expect(config.metrics.headers).toEqual({ 'x-auth': 'h' });
    expect(config.logs.headers).toEqual({ 'x-auth': 'h' });
  });

  it('from the environment go to the logs endpoint the environment names', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_HEADERS: 'x-auth=h' };
    const elsewhere = readTelemetryConfig({ ...env, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://b:4318/v1/logs' }, () => {});
    expect(elsewhere.headers).toEqual({ 'x-auth': 'h' });
    expect(elsewhere.logs.url).toBe('http://b:4318/v1/logs');
    // The environment names both addresses, so its headers are given for both.
    expect(elsewhere.logs.headers).toEqual({ 'x-auth': 'h' });
  });

  it('saved in the pane follow no moved endpoint to the logs either', async () => {
    const store = await open({});
    await store.update({ values: { tracing: { otlpEndpoint: collector.url } }, secrets: { otlpHeaders: 'x-auth=pane-header' } });
    expect(telemetryConfigOf(store.current).logs).toMatchObject({ url: `${collector.url}/v1/logs`, headers: { 'x-auth': 'pane-header' } });
    await store.update({ values: { tracing: { otlpEndpoint: elsewhere.url } } });
    expect(telemetryConfigOf(store.current).logs).toMatchObject({ url: `${elsewhere.url}/v1/logs`, headers: {} });
  });
});
