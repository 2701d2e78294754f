/** Which engine runs each stage, what a local stage says when its model is missing, and what happens on a change. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistantDeps } from './assistant-deps';
import { ModelManager } from '../on-device-models/model-manager';
import { ModelsService } from '../on-device-models/models-service';
import { readPipelineConfig, type PipelineConfig } from '../pipeline/pipeline-config';
import { StageError } from '../pipeline/stage-error';
import { writeTinyModel } from '../testing/tiny-gguf';

let dir: string;
let gguf: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deps-'));
  gguf = join(dir, 'tiny.gguf');
  await writeTinyModel(gguf);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (env: Record<string, string>): PipelineConfig => readPipelineConfig(env, () => {});

describe('choosing engines', () => {
  it('uses the API for every stage that has a key or a server, and this computer for the others', async () => {
    const manager = await ModelManager.open({ dataDir: mkdtempSync(join(dir, 'a-')) });
    const service = new ModelsService({ manager, config: () => config({ LLM_BASE_URL: 'http://127.0.0.1:11434/v1' }) });
    const { engines } = service.view();
    expect(engines.llm).toMatchObject({ provider: 'openai', ready: true });
    expect(engines.llm.label).toContain('http://127.0.0.1:11434/v1');
    expect(engines.stt).toMatchObject({ provider: 'local', ready: false, needs: 'whisper-base.en' });
    expect(engines.stt.label).toMatch(/Whisper base \(English\) \(148 MB\) is not downloaded yet/);
    expect(engines.tts).toMatchObject({ provider: 'local', ready: true });
    expect(engines.tts.label).toContain('Flite');
  });

  it('says which model a local stage waits for, and how to get it, when that stage is used', async () => {
    const manager = await ModelManager.open({ dataDir: mkdtempSync(join(dir, 'b-')) });
    await manager.usePickedFile('llm', gguf);
    const deps = assistantDeps(config({}), { models: manager });
    const stages = deps.stages();
    if (stages instanceof StageError) throw stages;
    // Typed turns need no speech-to-text: the other stages are real.
    expect(stages.llm.model).toBe('tiny.gguf');
    const error = await stages.stt.transcribe(new Int16Array(320), 16_000, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageError);
    expect((error as StageError).stage).toBe('stt');
    expect((error as StageError).message).toMatch(/^Speech-to-text runs on this computer, but Whisper base \(English\) \(148 MB\) is not downloaded yet\. Download it/);
  });

  it('refuses an API stage with neither key nor server when it is chosen explicitly', () => {
    const deps = assistantDeps(config({ LLM_PROVIDER: 'openai', STT_BASE_URL: 'http://127.0.0.1:1/v1', TTS_BASE_URL: 'http://127.0.0.1:1/v1' }));
    const result = deps.stages() as StageError;
    expect(result.stage).toBe('llm');
    expect(result.kind).toBe('not_configured');
  });

  it('builds local providers from the picked model file, keeps them while nothing changes, and disposes them on a change', async () => {
    const manager = await ModelManager.open({ dataDir: mkdtempSync(join(dir, 'c-')) });
    await manager.usePickedFile('llm', gguf);
    let env: Record<string, string> = { STT_BASE_URL: 'http://127.0.0.1:1/v1' };
    const deps = assistantDeps(() => config(env), { models: manager });
    const first = deps.stages();
    if (first instanceof StageError) throw first;
    expect(first.llm).toMatchObject({ provider: 'local', model: 'tiny.gguf' });
    expect(first.tts).toMatchObject({ provider: 'local', voice: 'slt' });
    expect(first.stt.provider).not.toBe('local');
    expect(deps.stages()).toBe(first);

    let disposed = false;
    const original = first.llm.dispose!.bind(first.llm);
    first.llm.dispose = async () => {
      disposed = true;
      await original();
    };
    env = { ...env, TTS_LOCAL_VOICE: 'rms' };
    const second = deps.stages();
    if (second instanceof StageError) throw second;
    expect(second).not.toBe(first);
    expect(second.tts).toMatchObject({ voice: 'rms' });
    expect(disposed).toBe(true);
  });

  it('refuses an unknown local voice with the valid ones', () => {
    const deps = assistantDeps(config({ STT_BASE_URL: 'http://127.0.0.1:1/v1', LLM_BASE_URL: 'http://127.0.0.1:1/v1', TTS_LOCAL_VOICE: 'nobody' }));
    const result = deps.stages() as StageError;
    expect(result.stage).toBe('tts');
    expect(result.message).toMatch(/slt, rms/);
  });
});
