/**
 * No saved secret ever reaches an address it was not given for: random
 * sequences of changes (servers moved, keys and headers typed with or
 * without a move, resets, restarts) over a few environments; after each one,
 * every key and header the configuration would send is checked against the
 * addresses it was given for.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { urlOrigin } from '../../../shared/config-values';
import { silentLogger } from '../util/logger';
import { OPENAI_DEFAULT_BASE_URL, pipelineConfigOf } from '../pipeline/pipeline-config';
import { FileSecretStore } from './secret-store';
import { SettingsStore } from './settings-store';
import { telemetryConfigOf } from '../telemetry/sdk/telemetry-config';

const SERVERS = ['', 'http://127.0.0.1:1001/v1', 'http://127.0.0.1:1002/v1', 'http://127.0.0.2:1001/other', 'https://api.openai.com/v1'];
const COLLECTORS = ['http://127.0.0.1:4318', 'http://127.0.0.1:4319', 'https://otlp.example'];
const STAGES = ['stt', 'llm', 'tts'] as const;
type Stage = (typeof STAGES)[number];
const KEY_OF = { stt: 'sttApiKey', llm: 'llmApiKey', tts: 'ttsApiKey' } as const;

const ENVIRONMENTS: Record<string, string>[] = [
  {},
  { OPENAI_API_KEY: 'env-openai' },
  { OPENAI_API_KEY: 'env-openai', OPENAI_BASE_URL: SERVERS[1]!, LLM_BASE_URL: SERVERS[2]!, LLM_API_KEY: 'env-llm' },
  { STT_BASE_URL: SERVERS[3]!, STT_API_KEY: 'env-stt', OTEL_EXPORTER_OTLP_ENDPOINT: COLLECTORS[0]!, OTEL_EXPORTER_OTLP_HEADERS: 'x-auth=env-header' },
];

type Action =
  | { kind: 'move'; stage: Stage; server: number; key: boolean }
  | { kind: 'key'; stage: Stage | 'openai' }
  | { kind: 'collector'; collector: number; headers: boolean }
  | { kind: 'headers' }
  | { kind: 'reset'; field: string }
  | { kind: 'restart' };

const stage = fc.constantFrom(...STAGES);
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('move' as const), stage, server: fc.nat(SERVERS.length - 1), key: fc.boolean() }),
  fc.record({ kind: fc.constant('key' as const), stage: fc.constantFrom(...STAGES, 'openai' as const) }),
  fc.record({ kind: fc.constant('collector' as const), collector: fc.nat(COLLECTORS.length - 1), headers: fc.boolean() }),
  fc.record({ kind: fc.constant('headers' as const) }),
  fc.record({ kind: fc.constant('reset' as const), field: fc.constantFrom('stt.baseUrl', 'llm.baseUrl', 'tts.baseUrl', 'tracing.otlpEndpoint', 'secrets.llmApiKey', 'secrets.openaiApiKey', 'secrets.otlpHeaders') }),
  fc.record({ kind: fc.constant('restart' as const) }),
);

it('sends every key and header only to an origin it was given for', { timeout: 120_000 }, async () => {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(fc.nat(ENVIRONMENTS.length - 1), fc.array(action, { minLength: 1, maxLength: 12 }), async (envIndex, actions) => {
      const env = ENVIRONMENTS[envIndex]!;
      const dir = mkdtempSync(join(tmpdir(), 'secret-origins-fuzz-'));
      try {
        const open = () => SettingsStore.open({ dataDir: dir, env, secretStore: new FileSecretStore(join(dir, 'secrets.json')), logger: silentLogger });
        let store = await open();
        const openai = urlOrigin(OPENAI_DEFAULT_BASE_URL);
        const stageOrigin = (s: Stage) => urlOrigin(store.values[s].baseUrl || OPENAI_DEFAULT_BASE_URL);
        // Each value is typed once, so where it may go is known exactly.
        const givenFor = new Map<string, Set<string>>();
        const give = (value: string, ...origins: string[]) => givenFor.set(value, new Set([...(givenFor.get(value) ?? []), ...origins]));
        const openaiOrigins = [openai, ...(env.OPENAI_BASE_URL ? [urlOrigin(env.OPENAI_BASE_URL)] : [])];
        if (env.OPENAI_API_KEY) give(env.OPENAI_API_KEY, ...openaiOrigins);
        if (env.LLM_API_KEY) give(env.LLM_API_KEY, urlOrigin(env.LLM_BASE_URL ?? env.OPENAI_BASE_URL ?? OPENAI_DEFAULT_BASE_URL));
        if (env.STT_API_KEY) give(env.STT_API_KEY, urlOrigin(env.STT_BASE_URL ?? env.OPENAI_BASE_URL ?? OPENAI_DEFAULT_BASE_URL));
        if (env.OTEL_EXPORTER_OTLP_HEADERS) give('env-header', urlOrigin(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318'));
        let typed = 0;
        const fresh = (prefix: string) => `${prefix}-${++typed}`;

        for (const a of actions) {
          // Values typed with a change belong to the addresses in force after it.
          const after: (() => void)[] = [];
          let patch: Record<string, unknown>;
          if (a.kind === 'move' || a.kind === 'key') {
            const name = a.stage === 'openai' ? 'openaiApiKey' : KEY_OF[a.stage];
            const value = fresh(name);
            const withKey = a.kind === 'key' || a.key;
            patch = {
              ...(a.kind === 'move' ? { values: { [a.stage]: { baseUrl: SERVERS[a.server] } } } : {}),
              ...(withKey ? { secrets: { [name]: value } } : {}),
            };
            if (withKey) after.push(() => (a.stage === 'openai' ? give(value, ...openaiOrigins) : give(value, stageOrigin(a.stage))));
          } else if (a.kind === 'collector' || a.kind === 'headers') {
            const value = fresh('header');
            const withHeaders = a.kind === 'headers' || a.headers;
            patch = {
              ...(a.kind === 'collector' ? { values: { tracing: { otlpEndpoint: COLLECTORS[a.collector] } } } : {}),
              ...(withHeaders ? { secrets: { otlpHeaders: `x-auth=${value}` } } : {}),
            };
            if (withHeaders) after.push(() => give(value, urlOrigin(telemetryConfigOf(store.current).tracesUrl), urlOrigin(telemetryConfigOf(store.current).metrics.url), urlOrigin(telemetryConfigOf(store.current).logs.url)));
          } else if (a.kind === 'reset') {
            patch = { reset: [a.field] };
          } else {
            store = await open();
            patch = {};
          }
          expect((await store.update(patch)).ok).toBe(true);
          after.forEach((record) => record());

          const config = pipelineConfigOf(store.current);
          for (const s of STAGES) {
            const key = config[s].apiKey;
            if (key !== undefined) expect([...(givenFor.get(key) ?? [])], `${s}: ${key} sent to ${stageOrigin(s)}`).toContain(stageOrigin(s));
          }
          const telemetry = telemetryConfigOf(store.current);
          for (const [url, headers] of [[telemetry.tracesUrl, telemetry.headers], [telemetry.metrics.url, telemetry.metrics.headers], [telemetry.logs.url, telemetry.logs.headers]] as const) {
            const value = headers['x-auth'];
            if (value !== undefined) expect([...(givenFor.get(value) ?? [])], `${value} sent to ${url}`).toContain(urlOrigin(url));
          }
          checked++;
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 120 },
  );
  expect(checked).toBeGreaterThan(300);
});
