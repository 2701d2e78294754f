/**
 * Runs one typed turn with every stage on this computer (the language model
 * and speech-to-text from the files given as argv[2] and argv[3], the Flite
 * voice) through the app's own services and a session, recording every
 * outbound connection and DNS lookup the process attempts. Prints one JSON line with what happened.
 * Used by offline-network.test.ts, inside a network namespace with no
 * network at all.
 */
import { subscribe } from 'node:diagnostics_channel';
import dns from 'node:dns';
import { mkdtempSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvelopeWriter, type ClientMessage, type ServerEnvelope } from '../../../shared/protocol';
import { startAppServices } from '../app-services';
import { silentLogger } from '../util/logger';
import { Session } from '../session/session';
import { FileSecretStore } from '../settings/secret-store';

const attempts: string[] = [];
subscribe('net.client.socket', (message) => {
  const socket = (message as { socket: Socket }).socket;
  socket.once('connect', () => attempts.push(`connect ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`));
  socket.once('error', (error) => attempts.push(`error ${error.message}`));
});
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6'] as const) {
  const original = dns[name] as (...args: unknown[]) => unknown;
  (dns as unknown as Record<string, unknown>)[name] = (host: unknown, ...rest: unknown[]) => {
    attempts.push(`dns ${String(host)}`);
    return original.call(dns, host, ...rest);
  };
}

async function main(): Promise<void> {
  const [modelPath, whisperPath] = process.argv.slice(2);
  if (!modelPath || !whisperPath) throw new Error('usage: offline-conversation.ts <model.gguf> <whisper.bin>');
  const dataDir = mkdtempSync(join(tmpdir(), 'offline-'));
  const services = await startAppServices({
    dataDir,
    env: { STT_PROVIDER: 'local', LLM_PROVIDER: 'local', TTS_PROVIDER: 'local', ENABLE_TRACING: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
    secretStore: new FileSecretStore(join(dataDir, 'secrets.json')),
    logger: silentLogger,
  });
  for (const [stage, path] of [['llm', modelPath], ['stt', whisperPath]] as const) {
    const picked = await services.models.pick(stage, path);
    if (!picked.ok) throw new Error(picked.message);
  }
  let audioChunks = 0;
  let reply = '';
  const notices: string[] = [];
  const session = new Session(
    {
      kind: 'websocket',
      send: (e: ServerEnvelope) => {
        if (e.message.type === 'transcript' && e.message.role === 'assistant' && e.message.final) reply = e.message.text;
        if (e.message.type === 'notice') notices.push(e.message.text);
      },
      sendAudio: () => void audioChunks++,
    },
    { logger: silentLogger, ...services },
  );
  const writer = new EnvelopeWriter<ClientMessage>();
  session.open();
  session.receiveMessage(JSON.stringify(writer.wrap({ type: 'user.text', text: 'Hello, are you there?' })));
  const end = Date.now() + 60_000;
  while ((!reply || audioChunks === 0) && notices.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  session.close();
  await services.telemetry.shutdown(1_000);
  console.log(JSON.stringify({ reply, audioChunks, notices, attempts }));
  process.exit(0);
}

main().catch((error: unknown) => {
  console.log(JSON.stringify({ fatal: String(error), attempts }));
  process.exit(1);
});
