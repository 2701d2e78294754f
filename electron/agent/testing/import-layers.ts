/**
 * The rule that imports run one way, down the layers, as data and two plain
 * functions: which layer a file belongs to, and what of a set of imports
 * breaks the rule (an import of a higher layer, or a circle of files).
 * layers.test.ts holds the code to it; imports are read with the TypeScript
 * compiler's own pre-processor (type-only imports count: they bind too).
 *
 *   hosts -> app services -> session/telemetry -> conversation -> pipeline
 *     -> providers/tools -> settings/util -> shared
 *
 * The stage contracts (stages.ts, stage-error.ts, pipeline-config.ts) are the
 * pipeline's face to the providers, which implement them: they sit below the
 * providers (and the on-device models they load) and above the tools, whose
 * specs a model request names. Tests and testing/ assemble whatever they need
 * and are not checked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

/** Layers from the top; a file may import its own layer or any below it. */
export const LAYERS: readonly { name: string; holds: readonly string[] }[] = [
  { name: 'hosts', holds: ['electron/main/', 'electron/server/', 'electron/preload/'] },
  { name: 'app services', holds: ['electron/agent/app-services.ts'] },
  { name: 'session/telemetry', holds: ['electron/agent/session/', 'electron/agent/telemetry/'] },
  { name: 'conversation', holds: ['electron/agent/conversation/'] },
  { name: 'pipeline', holds: ['electron/agent/pipeline/'] },
  { name: 'providers', holds: ['electron/agent/providers/', 'electron/agent/on-device-models/'] },
  {
    name: 'stage contracts',
    holds: ['electron/agent/pipeline/stages.ts', 'electron/agent/pipeline/stage-error.ts', 'electron/agent/pipeline/pipeline-config.ts'],
  },
  { name: 'tools', holds: ['electron/agent/tools/'] },
  {
    name: 'settings/util',
    holds: ['electron/agent/settings/', 'electron/agent/util/', 'electron/agent/history/', 'electron/agent/renderer-files/', 'electron/agent/turn-audio/'],
  },
  { name: 'shared', holds: ['shared/'] },
];

/** The layer of a file (the most specific entry wins), or null for one outside the rule. */
export function layerOf(file: string): number | null {
  let best: { layer: number; length: number } | null = null;
  LAYERS.forEach(({ holds }, layer) => {
    for (const prefix of holds) if ((file === prefix || (prefix.endsWith('/') && file.startsWith(prefix))) && (!best || prefix.length > best.length)) best = { layer, length: prefix.length };
  });
  return (best as { layer: number } | null)?.layer ?? null;
}

export type Import = readonly [from: string, to: string];

/** What breaks the rule: each import of a higher layer, each circle of files. */
export function layerProblems(imports: readonly Import[]): string[] {
  const problems: string[] = [];
  for (const [from, to] of imports) {
    const a = layerOf(from);
    const b = layerOf(to);
    if (a !== null && b !== null && b < a) problems.push(`${from} (${LAYERS[a]!.name}) imports ${to} (${LAYERS[b]!.name}): imports run down the layers`);
  }
  for (const circle of circles(imports)) problems.push(`a circle: ${circle.join(' -> ')}`);
  return problems;
}

/** The production files under `dirs` (relative to `root`) and the relative imports between them. */
export function readImports(root: string, dirs: readonly string[]): Import[] {
  const files = dirs.flatMap((dir) => sourceFiles(root, dir));
  const known = new Set(files);
  const imports: Import[] = [];
  for (const file of files) {
    for (const { fileName } of ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const base = normalize(join(dirname(file), fileName));
      const target = [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find((candidate) => known.has(candidate));
      if (target) imports.push([file, target]);
    }
  }
  return imports;
}

function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .map((name) => relative(root, join(root, dir, name)).split('\\').join('/'))
    .filter((file) => /\.(ts|tsx)$/.test(file) && !file.endsWith('.d.ts') && !file.endsWith('.test.ts') && !file.includes('/testing/'));
}

/** Strongly connected groups of more than one file (Tarjan), each as a path that closes on itself. */
function circles(imports: readonly Import[]): string[][] {
  const next = new Map<string, string[]>();
  for (const [from, to] of imports) {
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const to of next.get(file)!) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(file, Math.min(low.get(file)!, index.get(to)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    if (group.length > 1) found.push([...group.reverse(), group[0]!]);
  };
  for (const file of [...next.keys()].sort()) if (!index.has(file)) visit(file);
  return found;
}
