import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelFileServer, type ModelFileServer } from '../testing/model-file-server';
import { CatalogFileSchema, MODEL_CATALOG, isCatalogUrlAllowed, readModelCatalog } from './model-catalog';
import { ModelManager } from './model-manager';

const content = randomBytes(300_000);
const sha256 = createHash('sha256').update(content).digest('hex');

let server: ModelFileServer;
let dir: string;
beforeAll(async () => {
  server = await startModelFileServer();
  server.serve('/own.gguf', content);
  dir = mkdtempSync(join(tmpdir(), 'model-catalog-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function entry(overrides: Record<string, unknown> = {}) {
  return {
    id: 'own',
    stage: 'llm',
    title: 'Our own model',
    fileName: 'own.gguf',
    url: `${server.url}/own.gguf`,
    sizeBytes: content.length,
    digest: { algorithm: 'sha256', hex: sha256 },
    license: 'MIT',
    description: 'From our mirror.',
    ...overrides,
  };
}

let files = 0;
/** Reads a MODELS_CATALOG file holding `entries`; the catalogue in force and the warnings. */
function readCatalog(entries: unknown[]) {
  const file = join(dir, `catalog-${files++}.json`);
  writeFileSync(file, JSON.stringify(entries));
  const warnings: string[] = [];
  const catalog = readModelCatalog({ MODELS_CATALOG: file }, (message) => warnings.push(message));
  return { catalog, warnings };
}

describe('the built-in catalogue', () => {
  it('fetches every model over https and checks it against its publisher\u2019s SHA-256', () => {
    for (const model of MODEL_CATALOG) {
      expect(model.url).toMatch(/^https:\/\/huggingface\.co\//);
      expect(model.digest.algorithm).toBe('sha256');
    }
    expect(CatalogFileSchema.safeParse(MODEL_CATALOG).success).toBe(true);
  });
});

describe('MODELS_CATALOG', () => {
  it('is used when every entry names an https (or loopback) URL and a SHA-256, and its models download', async () => {
    const { catalog, warnings } = readCatalog([entry()]);
    expect(warnings).toEqual([]);
    expect(catalog.map((m) => m.id)).toEqual(['own']);
    const manager = await ModelManager.open({ dataDir: mkdtempSync(join(dir, 'data-')), catalog });
    const ready = await manager.download('own');
    expect(ready).toMatchObject({ state: 'ready', sizeBytes: content.length });
    expect(server.requests.map((r) => r.path)).toContain('/own.gguf');
  });

  it('is refused for a plain http URL off this computer, naming the entry; the built-in catalogue is used', () => {
    const before = server.requests.length;
    const { catalog, warnings } = readCatalog([entry({ url: 'http://mirror.example/own.gguf' })]);
    expect(catalog).toBe(MODEL_CATALOG);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/0\.url: an https URL/);
    expect(warnings[0]).toMatch(/using the built-in catalogue/);
    expect(server.requests.length).toBe(before);
  });

  it('is refused for a SHA-1 digest, or a SHA-256 of the wrong length', () => {
    const sha1 = readCatalog([entry({ digest: { algorithm: 'sha1', hex: createHash('sha1').update(content).digest('hex') } })]);
    expect(sha1.catalog).toBe(MODEL_CATALOG);
    expect(sha1.warnings[0]).toMatch(/0\.digest\.algorithm: sha256/);
    const short = readCatalog([entry({ digest: { algorithm: 'sha256', hex: sha256.slice(0, 40) } })]);
    expect(short.catalog).toBe(MODEL_CATALOG);
    expect(short.warnings[0]).toMatch(/0\.digest\.hex: the SHA-256 as 64 hex digits/);
  });

  it('takes https anywhere and http to this computer only, never with credentials or another scheme', () => {
    for (const url of ['https://mirror.example/m.gguf', 'http://127.0.0.1:8080/m.gguf', 'http://localhost/m.gguf', 'http://[::1]:9/m.gguf']) expect(isCatalogUrlAllowed(url)).toBe(true);
    for (const url of [
      'http://mirror.example/m.gguf',
      'http://192.168.1.2/m.gguf',
      'http://127.0.0.1.mirror.example/m.gguf',
      'https://user:secret@mirror.example/m.gguf',
      'ftp://mirror.example/m.gguf',
      'file:///models/m.gguf',
      'not a url',
    ])
      expect(isCatalogUrlAllowed(url)).toBe(false);
  });
});
