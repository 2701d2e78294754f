/**
 * What keeping turn audio costs: the same spoken conversation (synthesised
 * speech, tracing on) with the switch off and on, in alternation. The extra
 * CPU (this process and the encoder's worker threads) per minute of
 * conversation audio kept, the bytes on disk per minute, and the figures the
 * audio path answers for, off and on: end of speech -> first reply audio
 * out, speech over a reply -> flush, and the event loop's worst delays while
 * it all runs (the recording must stay off the audio path's hot loop).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../shared/audio-format';
import { inMemoryTelemetry } from '../electron/agent/testing/in-memory-telemetry';
import { synthesizeSpeech } from '../electron/agent/testing/synthetic-speech';
import { until } from '../electron/agent/testing/until';
import { TurnAudioStore } from '../electron/agent/turn-audio/turn-audio-store';
import { BenchClient, benchConfig, completeTurn, stagesFor, type FakeProviders } from './harness';
import { REPLY } from './pipeline-bench';
import { figure, type Figure } from './stats';

/** One utterance (about 3 s of Flite speech) as microphone frames the bench's detector calls speech, then the silence window. */
function utteranceFrames(silenceMs: number): Int16Array[] {
  const speech = synthesizeSpeech('Could you tell me what the weather will be like in the mountains tomorrow?', { sampleRate: INPUT_SAMPLE_RATE }).samples;
  const frames: Int16Array[] = [];
  for (let at = 0; at + FRAME_SAMPLES <= speech.length; at += FRAME_SAMPLES) {
    const frame = speech.slice(at, at + FRAME_SAMPLES);
    frame[0] = Math.max(1, Math.abs(frame[0]!)); // the bench's detector: a frame is speech when its first sample is positive
    frames.push(frame);
  }
  for (let i = 0; i < silenceMs / 20; i++) frames.push(new Int16Array(FRAME_SAMPLES));
  return frames;
}

/** Frames in bursts the voice detector's queue takes (it holds a second). */
async function inBursts(client: BenchClient, frames: readonly Int16Array[]): Promise<void> {
  for (let at = 0; at < frames.length; at += 25) {
    for (const frame of frames.slice(at, at + 25)) client.samples(frame);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface Run {
  cpuMs: number;
  bytes: number;
  audioMs: number;
  firstAudioMs: number[];
  flushMs: number[];
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

async function conversation(providers: FakeProviders, keeping: boolean, turns: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'turn-audio-bench-'));
  const store = await TurnAudioStore.open(dir);
  const { telemetry } = inMemoryTelemetry();
  const run: Run = { cpuMs: 0, bytes: 0, audioMs: 0, firstAudioMs: [], flushMs: [], loopDelayP99Ms: 0, loopDelayMaxMs: 0 };
  const config = benchConfig(providers.url);
  config.vad.preemptiveReply = false;
  const client = new BenchClient(stagesFor(providers.url), config, telemetry, undefined, {
    keeping,
    save: (recording) => {
      for (const clip of recording.clips) run.audioMs += (clip.samples.length / clip.sampleRate) * 1000;
      return store.save(recording);
    },
    turns: (id) => store.turns(id),
    render: (id, turn) => store.render(id, turn),
  });
  const frames = utteranceFrames(config.vad.silenceMs);
  const last = frames.at(-1)!;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  try {
    client.send({ type: 'conversation.start' });
    const cpu = process.cpuUsage();
    loop.enable();
    for (let i = 0; i < turns; i++) {
      client.resetMarks();
      await inBursts(client, frames.slice(0, -1));
      let speechEnd = 0;
      await completeTurn(client, () => {
        speechEnd = performance.now();
        client.samples(last);
      });
      run.firstAudioMs.push(client.firstAudioAt! - speechEnd);
      // Speech over the next reply while it is sent: barge-in's flush.
      if (i % 2 === 1) {
        client.resetMarks();
        const turnStarted = client.next((e) => e.message.type === 'turn' && e.message.phase === 'start');
        client.send({ type: 'user.text', text: 'Tell me a long story.' });
        const start = await turnStarted;
        const stream = start.message.type === 'turn' ? start.message.stream : 0;
        await until(() => client.firstAudioAt !== null, { what: "the story's first audio", intervalMs: 2 });
        client.send({ type: 'playback', event: 'started', stream, playedMs: 0 });
        await sleep(50);
        const flushed = client.next((e) => e.message.type === 'audio.flush');
        const speechStart = performance.now();
        for (const frame of frames.slice(0, 40)) client.samples(frame);
        await flushed;
        run.flushMs.push(client.flushAt! - speechStart);
        // The barge-in's own utterance ends; its turn runs out.
        await inBursts(client, frames.slice(40, -1));
        await completeTurn(client, () => client.samples(last));
      }
    }
    client.send({ type: 'conversation.end' });
    await store.settled();
    loop.disable();
    const used = process.cpuUsage(cpu);
    run.cpuMs = (used.user + used.system) / 1000;
    run.loopDelayP99Ms = loop.percentile(99) / 1e6;
    run.loopDelayMaxMs = loop.max / 1e6;
    run.bytes = store.bytes;
    return run;
  } finally {
    await client.session.close();
    await telemetry.shutdown(1_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function turnAudioBench(providers: FakeProviders, reps: number, turns: number): Promise<Figure[]> {
  await providers.configure({ transcripts: ['What is the weather like tomorrow?'], reply: REPLY, sttDelayMs: 0, llmFirstTokenMs: 0, llmTokenIntervalMs: 0, ttsFirstByteMs: 0, ttsRealtimeFactor: 0 });
  const off: Run[] = [];
  const on: Run[] = [];
  await conversation(providers, true, 2); // warm-up: the encoder's first worker, the code paths
  for (let i = 0; i < reps; i++) {
    off.push(await conversation(providers, false, turns));
    on.push(await conversation(providers, true, turns));
  }
  const perMinute = on.map((run, i) => ({ cpu: (run.cpuMs - off[i]!.cpuMs) / (run.audioMs / 60_000), bytes: run.bytes / (run.audioMs / 60_000) }));
  const minutes = on.reduce((sum, run) => sum + run.audioMs, 0) / on.length / 60_000;
  const all = (runs: Run[], pick: (run: Run) => number[]) => runs.flatMap(pick);
  return [
    figure('turn_audio_cpu_ms_per_min', 'ms', perMinute.map((m) => m.cpu), 3_000, {
      on: 'median',
      note: `extra CPU (main thread and the FLAC encoder's worker threads) per minute of conversation audio kept, switch on minus off, ${turns} spoken turns and their barge-ins (${minutes.toFixed(1)} min of both lanes) a run; most of it is starting the encoder's worker, once per file (two a turn), so a conversation at a person's pace costs less`,
    }),
    figure('turn_audio_mb_per_min', 'MB', perMinute.map((m) => m.bytes / 1e6), 2, { on: 'median', note: "bytes on disk per minute of both lanes (Flite speech for the user, the fake server's voice for the assistant), FLAC" }),
    figure('turn_audio_first_audio_off_ms', 'ms', all(off, (r) => r.firstAudioMs), null, { note: 'end of speech -> first reply audio out, turn audio not kept (zero-latency fake providers)' }),
    figure('turn_audio_first_audio_on_ms', 'ms', all(on, (r) => r.firstAudioMs), null, { note: 'the same with turn audio kept: the figure to compare with the one above' }),
    figure('turn_audio_barge_in_flush_off_ms', 'ms', all(off, (r) => r.flushMs), null, { note: 'speech over a reply being sent -> the client told to flush, turn audio not kept' }),
    figure('turn_audio_barge_in_flush_on_ms', 'ms', all(on, (r) => r.flushMs), null, { note: 'the same with turn audio kept' }),
    figure('turn_audio_loop_delay_p99_off_ms', 'ms', off.map((r) => r.loopDelayP99Ms), null, { note: "the event loop's 99th-percentile delay over the conversation, turn audio not kept" }),
    figure('turn_audio_loop_delay_p99_on_ms', 'ms', on.map((r) => r.loopDelayP99Ms), null, { note: 'the same with turn audio kept (encoding runs in worker threads)' }),
    figure('turn_audio_loop_delay_max_on_ms', 'ms', on.map((r) => r.loopDelayMaxMs), null, { note: "the event loop's worst delay with turn audio kept (the worker's start, a turn's file written)" }),
  ];
}
