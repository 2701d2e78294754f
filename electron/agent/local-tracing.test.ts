/** Turns served by the on-device engines are traced like any other: the spans name the local engine and model. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EnvelopeWriter, type ClientMessage } from '../../shared/protocol';
import { ATTR } from '../../shared/telemetry';
import { assistantDeps } from './conversation/assistant-deps';
import { silentLogger } from './util/logger';
import { ModelManager } from './on-device-models/model-manager';
import { readPipelineConfig } from './pipeline/pipeline-config';
import { Session } from './session/session';
import { byOperation } from './testing/genai-conventions';
import { inMemoryTelemetry } from './testing/in-memory-telemetry';
import { RecordingCarrier } from './testing/recording-carrier';
import { writeTinyModel } from './testing/tiny-gguf';
import { until } from './testing/until';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'local-tracing-'));
  await writeTinyModel(join(dir, 'tiny.gguf'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('records provider "local" and the model of each local stage on its span', { timeout: 60_000 }, async () => {
  const manager = await ModelManager.open({ dataDir: dir });
  await manager.usePickedFile('llm', join(dir, 'tiny.gguf'));
  const { telemetry, finishedSpans } = inMemoryTelemetry();
  const deps = assistantDeps(readPipelineConfig({ LLM_PROVIDER: 'local', TTS_PROVIDER: 'local', STT_PROVIDER: 'local' }, () => {}), { models: manager });
  const carrier = new RecordingCarrier();
  const session = new Session(carrier, { logger: silentLogger, telemetry, assistant: deps });
  session.open();
  session.receiveMessage(JSON.stringify(new EnvelopeWriter<ClientMessage>().wrap({ type: 'user.text', text: 'Hello there.' })));
  // The tiny model on the CPU: the bound leaves room for a loaded machine, within the test's own.
  await until(() => carrier.messages('transcript').some((m) => m.role === 'assistant' && m.final) && carrier.audio.length > 0, {
    what: 'a final reply and its audio',
    detail: () => carrier.summary(),
    timeoutMs: 30_000,
  });
  session.close();
  const spans = await finishedSpans();
  const llm = spans.find((s) => s.name === 'chat tiny.gguf')!;
  expect(llm.attributes).toMatchObject({ [ATTR.providerName]: 'local', [ATTR.requestModel]: 'tiny.gguf' });
  expect(llm.attributes[ATTR.requestMaxTokens]).toBeGreaterThan(0);
  // The tiny model rambles: a reply cut at the token limit is "length" in the conventions' terms.
  const cut = llm.attributes[ATTR.outputTokens] === llm.attributes[ATTR.requestMaxTokens];
  expect(llm.attributes[ATTR.finishReasons]).toEqual([cut ? 'length' : 'stop']);
  expect(llm.attributes[ATTR.serverAddress]).toBeUndefined();
  const tts = byOperation(spans, 'text_to_speech')[0]!;
  expect(tts.name).toBe(`text_to_speech ${String(tts.attributes[ATTR.requestModel])}`);
  expect(tts.attributes[ATTR.providerName]).toBe('local');
  expect(String(tts.attributes[ATTR.requestModel])).toMatch(/^flite /);
  await telemetry.shutdown(500);
});
