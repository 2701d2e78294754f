/**
 * `npm run bench` (add `--quick` for the short run CI does): measures what the
 * pipeline and tracing cost, writes bench/results.json and prints a table.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ROOT, startFakeProviders } from './harness';
import { historyBench } from './history-bench';
import { memoryBench } from './memory-bench';
import { pipelineBench } from './pipeline-bench';
import { interruptionBench } from './interruption-bench';
import { localPreemptiveBench } from './local-preemptive-bench';
import { preemptiveBench } from './preemptive-bench';
import { spanStoreBench } from './span-store-bench';
import { startupBench } from './startup-bench';
import { figure, table, type Figure } from './stats';
import { tracingBench } from './tracing-bench';
import { transportBench } from './transport-bench';
import { turnAudioBench } from './turn-audio-bench';

const quick = process.argv.includes('--quick');
const plan = quick
  ? { pipelineReps: 6, tracingReps: 3, tracingTurns: 128, frames: 100, blast: 2_000, memoryTurns: 150, startupReps: 2, historyReps: 20, audioReps: 2, audioTurns: 6 }
  : { pipelineReps: 30, tracingReps: 7, tracingTurns: 1_000, frames: 500, blast: 20_000, memoryTurns: 1_000, startupReps: 7, historyReps: 100, audioReps: 5, audioTurns: 12 };

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'out/main/server.js'))) throw new Error('Build first: npm run build (npm run bench does).');
  const figures: Figure[] = [];
  const section = async (name: string, run: () => Promise<Figure[]>) => {
    process.stdout.write(`${name}...`);
    const started = performance.now();
    figures.push(...(await run()));
    process.stdout.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  };

  const providers = await startFakeProviders();
  try {
    await section('pipeline latency', () => pipelineBench(providers, plan.pipelineReps));
    await section('voice to voice, preemptive replies off and on', () => preemptiveBench(providers, plan.pipelineReps));
    await section('interruptions (Silero VAD)', () => interruptionBench(providers, Math.max(3, Math.round(plan.pipelineReps / 3))));
    await section('voice to voice on this computer (random-weight models)', () => localPreemptiveBench(providers, Math.max(3, Math.round(plan.pipelineReps / 3))));
    await section('tracing overhead', () => tracingBench(providers, plan.tracingReps, plan.tracingTurns));
    await section('memory', () => memoryBench(providers, plan.memoryTurns));
    await section('trace viewer store', () => spanStoreBench(providers, plan.memoryTurns));
    await section('turn audio kept, off and on', () => turnAudioBench(providers, plan.audioReps, plan.audioTurns));
  } finally {
    await providers.stop();
  }
  await section('transport', () => transportBench(plan.frames, plan.blast));
  figures.push({
    ...figure('transport_ipc_frame_latency_ms', 'ms', [], 5),
    note: 'not measured: needs the Electron binary (MessagePort IPC); run the bench where Electron is installed',
  });
  await section('start-up', () => startupBench(plan.startupReps));
  await section('history with 1,000 conversations', () => historyBench(plan.historyReps));

  const results = {
    date: new Date().toISOString(),
    quick,
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform, arch: process.arch },
    figures,
  };
  writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${table(figures)}\n`);
  const missed = figures.filter((f) => f.met === false);
  console.log(missed.length ? `Budgets missed: ${missed.map((f) => f.name).join(', ')}` : 'All budgets met.');
  console.log(`Wrote bench/results.json (${results.machine.cores} cores, Node ${results.machine.node}${quick ? ', quick run' : ''}).`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
