/**
 * A desktop session's models.pick, through a real session and the real models
 * service: only the path main's file dialog returned is used.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EnvelopeWriter, type ClientMessage, type ServerMessage } from '../../shared/protocol';
import { ModelManager } from '../agent/on-device-models/model-manager';
import { ModelsService } from '../agent/on-device-models/models-service';
import { readPipelineConfig } from '../agent/pipeline/pipeline-config';
import { Session } from '../agent/session/session';
import { RecordingCarrier } from '../agent/testing/recording-carrier';
import { writeTinyModel } from '../agent/testing/tiny-gguf';
import { writeTinyWhisperModel } from '../agent/testing/tiny-whisper-model';
import { ModelFileGrants, UNGRANTED_MODEL_FILE, dialogGatedModels } from './model-file-grants';

let dir: string;
let chosen: string;
let other: string;
let whisper: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'model-grants-'));
  chosen = join(dir, 'chosen.gguf');
  other = join(dir, 'other.gguf');
  whisper = join(dir, 'whisper.bin');
  await writeTinyModel(chosen);
  await writeTinyModel(other, { seed: 3 });
  writeTinyWhisperModel(whisper);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let session: Session | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

async function desktopSession() {
  const manager = await ModelManager.open({ dataDir: mkdtempSync(join(dir, 'data-')) });
  const service = new ModelsService({ manager, config: () => readPipelineConfig({}, () => {}) });
  const grants = new ModelFileGrants();
  const carrier = new RecordingCarrier();
  session = new Session(carrier, { models: dialogGatedModels(service, grants) });
  session.open();
  const writer = new EnvelopeWriter<ClientMessage>();
  const current = session;
  const ask = async (message: ClientMessage): Promise<ServerMessage> => {
    const envelope = writer.wrap(message);
    current.receiveMessage(JSON.stringify(envelope));
    return vi.waitFor(() => {
      const reply = carrier.envelopes.map((e) => e.message).find((m) => 'ref' in m && m.ref === envelope.seq);
      if (!reply) throw new Error(`no reply to ${envelope.seq} yet`);
      return reply;
    });
  };
  return { manager, grants, ask };
}

describe('models.pick from the desktop page', () => {
  it('is refused for a path the file dialog did not return, and the model file stays unused', async () => {
    const { manager, ask } = await desktopSession();
    expect(await ask({ type: 'models.pick', stage: 'llm', path: other })).toMatchObject({ type: 'models.result', ok: false, message: UNGRANTED_MODEL_FILE });
    expect(manager.pickedFile('llm')).toBeNull();
  });

  it('is accepted for the path the dialog returned, once, and for its stage only', async () => {
    const { manager, grants, ask } = await desktopSession();
    grants.grant('llm', chosen);
    expect(await ask({ type: 'models.pick', stage: 'stt', path: chosen })).toMatchObject({ ok: false, message: UNGRANTED_MODEL_FILE });
    expect(await ask({ type: 'models.pick', stage: 'llm', path: other })).toMatchObject({ ok: false, message: UNGRANTED_MODEL_FILE });
    expect(await ask({ type: 'models.pick', stage: 'llm', path: chosen })).toMatchObject({ type: 'models.result', ok: true });
    expect(manager.pickedFile('llm')?.path).toBe(chosen);
    // The grant is used up: the page cannot pick again without the dialog.
    await ask({ type: 'models.unpick', stage: 'llm' });
    expect(await ask({ type: 'models.pick', stage: 'llm', path: chosen })).toMatchObject({ ok: false, message: UNGRANTED_MODEL_FILE });
    expect(manager.pickedFile('llm')).toBeNull();
  });

  it('keeps a later dialog answer, and still checks the file it names', async () => {
    const { manager, grants, ask } = await desktopSession();
    grants.grant('stt', chosen);
    grants.grant('stt', whisper);
    expect(await ask({ type: 'models.pick', stage: 'stt', path: chosen })).toMatchObject({ ok: false, message: UNGRANTED_MODEL_FILE });
    grants.grant('stt', chosen);
    expect(await ask({ type: 'models.pick', stage: 'stt', path: chosen })).toMatchObject({ ok: false, message: expect.stringMatching(/not a whisper\.cpp ggml model/) });
    grants.grant('stt', whisper);
    expect(await ask({ type: 'models.pick', stage: 'stt', path: whisper })).toMatchObject({ ok: true });
    expect(manager.pickedFile('stt')?.path).toBe(whisper);
  });
});
