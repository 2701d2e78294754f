/**
 * Settings fuzzed through the validation schema and the store: any patch is
 * either saved whole and valid, or refused with field errors and nothing
 * changed (in memory or on disk). Secrets never show in the view or the
 * settings file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SECRET_NAMES, SettingsPatchSchema, SettingsSchema, fieldErrors } from '../../../shared/settings';
import { silentLogger } from '../util/logger';
import { FileSecretStore } from './secret-store';
import { SettingsStore } from './settings-store';

const SECRET_MARK = 'sk-fuzz-SECRET';

/** Values of every kind: plausible, out of range, wrongly typed, huge. */
const anyValue = fc.oneof(
  fc.boolean(),
  fc.integer({ min: -10_000, max: 10_000 }),
  fc.double({ noNaN: false }),
  fc.constantFrom('', ' ', 'gpt-4o', 'http://127.0.0.1:11434/v1', 'https://example.test', 'ftp://x', 'javascript:alert(1)', 'push-to-talk', 'hands-free', 'Space', 'a'.repeat(9_000)),
  fc.string({ maxLength: 50 }),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

const sections = Object.entries(SettingsSchema.shape).map(([section, schema]) => [section, Object.keys(schema.shape)] as const);

/** Patches shaped like the real ones (known sections and keys, any values), plus stray keys. */
const patch = fc.record(
  {
    values: fc.record(
      Object.fromEntries(
        sections.map(([section, keys]) => [
          section,
          fc.dictionary(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }), anyValue, { maxKeys: 4 }),
        ]),
      ),
      { requiredKeys: [] },
    ),
    secrets: fc.dictionary(
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...SECRET_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }),
      fc.oneof(fc.constant(`${SECRET_MARK}-1`), fc.constant(`x-token=${SECRET_MARK}`), fc.constant(null), fc.constant('line\nbreak'), anyValue),
      { maxKeys: 2 },
    ),
    reset: fc.array(fc.oneof(fc.constantFrom('tracing.otlpEndpoint', 'llm.model', 'secrets.openaiApiKey', 'audio.silenceMs'), fc.string({ maxLength: 20 })), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

describe('settings fuzzing', () => {
  it('the patch schema never throws, and its errors name fields in short messages', () => {
    fc.assert(
      fc.property(fc.oneof(patch, fc.anything({ maxDepth: 3 })), (raw) => {
        const parsed = SettingsPatchSchema.safeParse(raw);
        if (!parsed.success) {
          const errors = fieldErrors(parsed.error);
          expect(Object.keys(errors).length).toBeGreaterThan(0);
          for (const message of Object.values(errors)) expect(message.length).toBeLessThanOrEqual(500);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('the store saves a patch whole or not at all, and keeps secrets out of the view and the settings file', { timeout: 120_000 }, async () => {
    let saved = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(patch, { minLength: 1, maxLength: 6 }), async (patches) => {
        const dir = mkdtempSync(join(tmpdir(), 'settings-fuzz-'));
        try {
          const open = () => SettingsStore.open({ dataDir: dir, env: {}, secretStore: new FileSecretStore(join(dir, 'secrets.json')), logger: silentLogger });
          const store = await open();
          const file = join(dir, 'settings.json');
          const onDisk = () => {
            try {
              return readFileSync(file, 'utf8');
            } catch {
              return null;
            }
          };
          for (const p of patches) {
            const before = { values: structuredClone(store.values), file: onDisk() };
            const result = await store.update(p);
            if (result.ok) {
              saved++;
              expect(SettingsSchema.safeParse(store.values).success).toBe(true);
            } else {
              refused++;
              expect(Object.keys(result.errors).length).toBeGreaterThan(0);
              expect(store.values).toEqual(before.values);
              expect(onDisk()).toBe(before.file);
            }
            expect(JSON.stringify(store.view)).not.toContain(SECRET_MARK);
            expect(onDisk() ?? '').not.toContain(SECRET_MARK);
          }
          // What was saved reads back the same after a restart.
          expect((await open()).values).toEqual(store.values);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 150 },
    );
    expect(saved).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });
});
