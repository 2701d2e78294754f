/**
 * Shared set-up: the fake OpenAI-compatible server (which is also the OTLP
 * collector) runs in a child process, so the CPU measured here is the app's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../shared/audio-format';
import { FrameKind, encodeAudioFrame } from '../shared/audio-frame';
import type { ServerEnvelope } from '../shared/protocol';
import { silentLogger } from '../electron/agent/util/logger';
import { readPipelineConfig, type PipelineConfig } from '../electron/agent/pipeline/pipeline-config';
import type { PipelineStages } from '../electron/agent/pipeline/turn-run';
import { Session, type SessionCarrier, type SessionTelemetry } from '../electron/agent/session/session';
import type { SessionTurnAudioStore } from '../electron/agent/session/turn-audio-feed';
import { freePort } from '../electron/agent/testing/ports';
import type { VoiceActivity } from '../electron/agent/pipeline/stages';
import { openAIStagesAt, scriptedVad } from '../electron/agent/testing/test-stages';

export const ROOT = join(import.meta.dirname, '..');

export interface FakeProviders {
  base: string; // http://127.0.0.1:PORT
  url: string; // .../v1
  configure(behaviour: Record<string, unknown>): Promise<void>;
  traces(): Promise<{ spans: unknown[] }>;
  clearTraces(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFakeProviders(): Promise<FakeProviders> {
  const port = await freePort();
  const child: ChildProcess = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'electron/agent/testing/fake-openai-cli.ts')], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake provider server exited (${code})`)));
    child.stdout!.on('data', (data: Buffer) => {
      if (data.toString().includes('Fake OpenAI-compatible server')) resolve();
    });
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    url: `${base}/v1`,
    async configure(behaviour) {
      await fetch(`${base}/__control`, { method: 'POST', body: JSON.stringify({ reset: true, ...behaviour }) });
    },
    async traces() {
      return (await (await fetch(`${base}/__traces`)).json()) as { spans: unknown[] };
    },
    async clearTraces() {
      await fetch(`${base}/__traces`, { method: 'DELETE' });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function stagesFor(url: string): PipelineStages {
  return openAIStagesAt(url, { model: 'bench', timeoutMs: 10_000 });
}

export function benchConfig(url: string, silenceMs = 500): PipelineConfig {
  return readPipelineConfig({ OPENAI_BASE_URL: url, VAD_SILENCE_MS: String(silenceMs), VAD_MIN_SPEECH_MS: '100' }, () => {});
}

/** A session on a carrier that timestamps what it sends. */
export class BenchClient {
  readonly session: Session;
  firstAudioAt: number | null = null;
  flushAt: number | null = null;
  audioChunks = 0;
  private seq = 0;
  private frameSeq = 0;
  private readonly listeners: ((envelope: ServerEnvelope) => void)[] = [];

  constructor(
    stages: PipelineStages | (() => PipelineStages),
    config: PipelineConfig,
    telemetry?: SessionTelemetry,
    /** The voice detector; by default one that calls any non-zero frame speech. */
    createVad: () => Promise<VoiceActivity> = async () => scriptedVad,
    /** Where the session keeps turn audio, if it does. */
    turnAudio?: SessionTurnAudioStore,
  ) {
    const carrier: SessionCarrier = {
      kind: 'websocket',
      send: (envelope) => {
        if (envelope.message.type === 'audio.flush' && this.flushAt === null) this.flushAt = performance.now();
        for (const listener of this.listeners) listener(envelope);
      },
      sendAudio: () => {
        this.audioChunks++;
        if (this.firstAudioAt === null) this.firstAudioAt = performance.now();
      },
    };
    this.session = new Session(carrier, {
      logger: silentLogger,
      ...(telemetry ? { telemetry } : {}),
      assistant: { config, stages: typeof stages === 'function' ? stages : () => stages, createVad },
      ...(turnAudio ? { turnAudio } : {}),
    });
    this.session.open();
  }

  send(message: Record<string, unknown>): void {
    this.session.receiveMessage({ v: 1, seq: this.seq++, message });
  }

  frame(speech: boolean): void {
    this.samples(new Int16Array(FRAME_SAMPLES).fill(speech ? 2000 : 0));
  }

  /** One microphone frame of these samples (FRAME_SAMPLES of them). */
  samples(samples: Int16Array): void {
    this.session.receiveAudio(encodeAudioFrame({ kind: FrameKind.Microphone, seq: this.frameSeq++, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples }));
  }

  /**
   * Sends frames as a microphone does: frame k when its 20 ms have passed
   * since `startAt` (performance.now() time); resolves after the last.
   */
  async paced(frames: readonly Int16Array[], startAt = performance.now()): Promise<void> {
    for (let k = 0; k < frames.length; k++) {
      const due = startAt + (k + 1) * 20;
      const wait = due - performance.now();
      if (wait > 0.5) await new Promise((resolve) => setTimeout(resolve, wait));
      this.samples(frames[k]!);
    }
  }

  /** Calls `listener` with every message from now on, until the returned function is called. */
  watch(listener: (envelope: ServerEnvelope) => void): () => void {
    this.listeners.push(listener);
    return () => void this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  /** Resolves with the first message matching `predicate` from now on. */
  next(predicate: (envelope: ServerEnvelope) => boolean, timeoutMs = 20_000): Promise<ServerEnvelope> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for the session')), timeoutMs);
      const listener = (envelope: ServerEnvelope) => {
        if (!predicate(envelope)) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(envelope);
      };
      this.listeners.push(listener);
    });
  }

  resetMarks(): void {
    this.firstAudioAt = null;
    this.flushAt = null;
  }
}

/** A turn ends (main returns to listening or idle) once the client reports its audio drained. */
export async function completeTurn(client: BenchClient, input: () => void): Promise<void> {
  const started = client.next((e) => e.message.type === 'turn' && e.message.phase === 'start');
  input();
  const start = await started;
  const stream = start.message.type === 'turn' ? start.message.stream : 0;
  await client.next((e) => e.message.type === 'transcript' && e.message.role === 'assistant' && e.message.final);
  const ended = client.next((e) => e.message.type === 'turn' && e.message.phase === 'end');
  client.send({ type: 'playback', event: 'started', stream, playedMs: 0 });
  client.send({ type: 'playback', event: 'drained', stream, playedMs: 1 });
  await ended;
}

/** A spoken turn: `speechMs` of voiced frames, then the silence window, in bursts the VAD queue takes. */
export async function voiceTurn(client: BenchClient, speechMs = 2_000, silenceMs = 500): Promise<void> {
  const frames = [...Array<boolean>(speechMs / 20).fill(true), ...Array<boolean>(silenceMs / 20).fill(false)];
  const last = frames.pop()!;
  for (let i = 0; i < frames.length; i += 25) {
    for (const voiced of frames.slice(i, i + 25)) client.frame(voiced);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await completeTurn(client, () => client.frame(last));
}
