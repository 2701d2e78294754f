/**
 * 20 ms audio frames over the WebSocket from a Node client to the headless
 * host in this process: one-way latency (same clock) and the highest
 * sustained frame rate.
 */
import { WebSocket } from 'ws';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../shared/audio-format';
import { FrameKind, encodeAudioFrame } from '../shared/audio-frame';
import { silentLogger } from '../electron/agent/util/logger';
import { Session } from '../electron/agent/session/session';
import { signIn } from '../electron/agent/testing/sign-in';
import { startHeadlessHost } from '../electron/server/headless-host';
import { ROOT } from './harness';
import { figure, quantile, type Figure } from './stats';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export async function transportBench(frames: number, blastFrames: number): Promise<Figure[]> {
  const received = new Map<number, number>();
  const original = Session.prototype.receiveAudio;
  Session.prototype.receiveAudio = function (this: Session, data: ArrayBuffer | ArrayBufferView) {
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    received.set(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true), performance.now());
    return original.call(this, data);
  };
  // The blast measures what the carrier can take, past the frame rate a connection is allowed: that limit is lifted.
  const host = await startHeadlessHost({
    host: '127.0.0.1',
    port: 0,
    staticDir: join(ROOT, 'out/renderer'),
    logger: silentLogger,
    limits: { audioFrameRate: { perSecond: Infinity, burst: Infinity } },
  });
  const access = await signIn(host.url);
  const socket = new WebSocket(access.ws, { headers: { Origin: access.origin, cookie: access.cookie } });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ v: 1, seq: 0, message: { type: 'conversation.start' } }));
  await sleep(50);
  const samples = new Int16Array(FRAME_SAMPLES).map((_, i) => Math.round(3000 * Math.sin(i / 5)));
  const encode = (seq: number) => new Uint8Array(encodeAudioFrame({ kind: FrameKind.Microphone, seq, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples }));

  // Real-time pacing: one frame every 20 ms.
  const sent = new Map<number, number>();
  for (let seq = 0; seq < frames; seq++) {
    sent.set(seq, performance.now());
    socket.send(encode(seq));
    await sleep(20);
  }
  await sleep(100);
  const latencies = [...sent].filter(([seq]) => received.has(seq)).map(([seq, at]) => received.get(seq)! - at);

  // As fast as the socket takes them.
  received.clear();
  const first = frames;
  const start = performance.now();
  for (let seq = first; seq < first + blastFrames; seq++) {
    socket.send(encode(seq));
    if (socket.bufferedAmount > 1_000_000) while (socket.bufferedAmount > 100_000) await sleep(1);
  }
  while (received.size < blastFrames && performance.now() - start < 30_000) await sleep(5);
  const seconds = (performance.now() - start) / 1000;
  const rate = received.size / seconds;

  socket.close();
  await host.close();
  Session.prototype.receiveAudio = original;
  return [
    figure('transport_ws_frame_latency_ms', 'ms', latencies, 5, { note: `${latencies.length} frames at 50/s; p95 column shows p95 (p99 ${quantile(latencies, 0.99).toFixed(3)} ms, checked against the budget)` }),
    { ...figure('transport_ws_frame_latency_p99_ms', 'ms', [quantile(latencies, 0.99)], 5), samples: latencies.length },
    figure('transport_ws_max_frame_rate', 'frames/s', [rate], 50 * 10, { direction: 'min', note: 'sustained; real time needs 50/s' }),
  ];
}

