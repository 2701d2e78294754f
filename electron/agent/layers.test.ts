/** Imports run one way, down the layers, and no files import each other in a circle (testing/import-layers.ts). */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerOf, layerProblems, readImports } from './testing/import-layers';

const ROOT = join(import.meta.dirname, '../..');

describe('import layers', () => {
  it('the code: no import runs back up the layers, no circle', () => {
    const imports = readImports(ROOT, ['electron', 'shared']);
    expect(imports.length).toBeGreaterThan(300);
    expect(layerProblems(imports)).toEqual([]);
  });

  it('places every production file of electron/ and shared/ in a layer', () => {
    const files = new Set(readImports(ROOT, ['electron', 'shared']).flat());
    expect([...files].filter((file) => layerOf(file) === null)).toEqual([]);
  });

  it('refuses an import back up: the pipeline reaching for the conversation, a provider for the pipeline runner', () => {
    expect(layerProblems([['electron/agent/pipeline/turn-run.ts', 'electron/agent/conversation/conversation-context.ts']])).toEqual([
      'electron/agent/pipeline/turn-run.ts (pipeline) imports electron/agent/conversation/conversation-context.ts (conversation): imports run down the layers',
    ]);
    expect(layerProblems([['electron/agent/providers/openai.ts', 'electron/agent/pipeline/turn-run.ts']])).toHaveLength(1);
    expect(layerProblems([['electron/agent/settings/settings-store.ts', 'electron/agent/telemetry/sdk/telemetry-config.ts']])).toHaveLength(1);
    expect(layerProblems([['shared/protocol.ts', 'electron/agent/util/logger.ts']])).toHaveLength(1);
  });

  it('lets a provider implement the stage contracts, and a layer import itself and below', () => {
    expect(
      layerProblems([
        ['electron/agent/providers/openai.ts', 'electron/agent/pipeline/stages.ts'],
        ['electron/agent/pipeline/turn-run.ts', 'electron/agent/pipeline/stages.ts'],
        ['electron/agent/session/session.ts', 'electron/agent/telemetry/conversation/transport-trace.ts'],
        ['electron/main/index.ts', 'shared/protocol.ts'],
      ]),
    ).toEqual([]);
  });

  it('refuses a circle, even within one layer', () => {
    expect(
      layerProblems([
        ['electron/agent/pipeline/tool-calls.ts', 'electron/agent/pipeline/turn-events.ts'],
        ['electron/agent/pipeline/turn-events.ts', 'electron/agent/pipeline/tool-calls.ts'],
      ]),
    ).toEqual(['a circle: electron/agent/pipeline/tool-calls.ts -> electron/agent/pipeline/turn-events.ts -> electron/agent/pipeline/tool-calls.ts']);
  });
});
