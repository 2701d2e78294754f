/**
 * The fault matrix, at the level a user meets it: a whole spoken turn through a
 * real Session, the real OpenAI client and a real loopback server. For every
 * fault at every stage the turn must end within its deadline with a message
 * naming the stage, its span must carry status ERROR, no request may be left
 * running, and the next turn must succeed once the fault is gone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EnvelopeWriter, type ClientMessage, type ServerMessage } from '../../shared/protocol';
import { ATTR, SPAN } from '../../shared/telemetry';
import { silentLogger } from './util/logger';
import { readPipelineConfig } from './pipeline/pipeline-config';
import { STAGE_LABEL, type StageError } from './pipeline/stage-error';
import { Session } from './session/session';
import { operationOf } from './telemetry/conversation/stage-attributes';
import { startFakeOpenAIServer, type Endpoint, type Fault, type FakeOpenAIServer } from './testing/fake-openai-server';
import { inMemoryTelemetry } from './testing/in-memory-telemetry';
import { closedPort } from './testing/ports';
import { RecordingCarrier } from './testing/recording-carrier';
import { SCRIPTED_VAD_ENV, ScriptedMicrophone } from './testing/scripted-microphone';
import { openAIStagesAt, scriptedVad } from './testing/test-stages';
import { until } from './testing/until';

let refusedPort: number;
beforeAll(async () => {
  refusedPort = await closedPort();
});

/**
 * The deadline of the cases that test a deadline (a response that never
 * starts, a stream that stalls). The other cases use a deadline far longer
 * than their retry (backoff included) needs on a loaded machine, so that the
 * fault they test, not the clock, ends the turn.
 */
const DEADLINE_MS = 1_500;
const RETRY_DEADLINE_MS = 60_000;
/** How long a test waits for a turn to end: far beyond what a loaded machine needs, well under the client's 120 s backstop. */
const WAIT_MS = 30_000;
type Stage = 'stt' | 'llm' | 'tts';
const ENDPOINT: Record<Stage, Endpoint> = { stt: 'transcriptions', llm: 'chat', tts: 'speech' };

function conversation(server: FakeOpenAIServer, deadlineMs: number, baseURLs: Partial<Record<Stage, string>>) {
  const { telemetry, finishedSpans } = inMemoryTelemetry();
  const carrier = new RecordingCarrier();
  const session = new Session(carrier, {
    telemetry,
    logger: silentLogger,
    assistant: {
      config: readPipelineConfig({ OPENAI_BASE_URL: server.url, ...SCRIPTED_VAD_ENV }, () => {}),
      stages: () => openAIStagesAt(server.url, { apiKey: 'sk-test', timeoutMs: deadlineMs, stageURLs: baseURLs }),
      createVad: async () => scriptedVad,
    },
  });
  const writer = new EnvelopeWriter<ClientMessage>();
  const send = (message: ClientMessage) => session.receiveMessage(writer.wrap(message));
  const microphone = new ScriptedMicrophone();
  const speak = () => microphone.speakTo(session);
  const messages = (): ServerMessage[] => carrier.all();
  const turnsEnded = () => carrier.messages('turn').filter((m) => m.phase === 'end').length;
  /** Resolves when what the session has sent makes `predicate` true. */
  const waitFor = (what: string, predicate: () => boolean) => until(predicate, { what, timeoutMs: WAIT_MS, detail: () => carrier.summary() });
  const replied = (text: string) => () => carrier.messages('transcript').some((m) => m.role === 'assistant' && m.text === text);
  session.open();
  send({ type: 'conversation.start' });
  return { session, telemetry, finishedSpans, send, speak, messages, turnsEnded, until: waitFor, replied };
}

/** The server has answered or dropped every request made to it. */
function untilNoOpenRequests(server: FakeOpenAIServer): Promise<void> {
  return until(() => server.openRequests === 0, { what: 'no request left open', timeoutMs: WAIT_MS, intervalMs: 20 });
}

interface Case {
  name: string;
  stage: Stage;
  faults?: Fault[];
  baseURL?: () => string;
  kind: StageError['kind'];
  says: RegExp;
}

const testsDeadline = (c: Case) => c.kind === 'timeout';

const cases: Case[] = [];
for (const stage of ['stt', 'llm', 'tts'] as const) {
  cases.push(
    { name: 'connection refused', stage, baseURL: () => `http://127.0.0.1:${refusedPort}/v1`, kind: 'network', says: /connection refused/ },
    { name: 'DNS failure', stage, baseURL: () => 'http://no-such-host.invalid/v1', kind: 'network', says: /could not be resolved/ },
    { name: '401', stage, faults: [{ kind: 'status', status: 401 }], kind: 'auth', says: /API key/ },
    { name: '403', stage, faults: [{ kind: 'status', status: 403 }], kind: 'forbidden', says: /may not use model/ },
    { name: '404 model', stage, faults: [{ kind: 'status', status: 404 }], kind: 'not_found', says: /not found/ },
    { name: '429 with retry-after', stage, faults: [{ kind: 'status', status: 429, retryAfter: '0' }, { kind: 'status', status: 429, retryAfter: '0' }], kind: 'rate_limit', says: /rate-limited/ },
    { name: '429 without retry-after', stage, faults: [{ kind: 'status', status: 429 }, { kind: 'status', status: 429 }], kind: 'rate_limit', says: /rate-limited/ },
    { name: '500', stage, faults: [{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }], kind: 'server', says: /failed on the server \(500/ },
    { name: '503', stage, faults: [{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }], kind: 'server', says: /failed on the server \(503/ },
    { name: 'a response that never starts', stage, faults: [{ kind: 'hang' }], kind: 'timeout', says: /did not answer/ },
  );
}
cases.push(
  { name: 'an SSE stream cut mid-reply', stage: 'llm', faults: [{ kind: 'cut' }], kind: 'network', says: /dropped|could not reach/ },
  { name: 'an SSE stream that stalls', stage: 'llm', faults: [{ kind: 'stall' }], kind: 'timeout', says: /did not answer/ },
  { name: 'malformed SSE', stage: 'llm', faults: [{ kind: 'malformed' }], kind: 'bad_response', says: /could not be read|failed/ },
  { name: 'malformed JSON', stage: 'stt', faults: [{ kind: 'malformed' }], kind: 'bad_response', says: /could not be read|failed/ },
  { name: 'an audio body cut mid-stream', stage: 'tts', faults: [{ kind: 'cut' }], kind: 'network', says: /dropped|could not reach/ },
  { name: 'an audio body that stalls', stage: 'tts', faults: [{ kind: 'stall' }], kind: 'timeout', says: /did not answer/ },
  { name: 'an empty audio body', stage: 'tts', faults: [{ kind: 'empty' }], kind: 'bad_response', says: /empty audio/ },
);

describe('fault matrix: one spoken turn per fault', () => {
  it.each(cases.map((c) => [`${c.stage}: ${c.name}`, c] as const))(
    '%s',
    async (_label, c) => {
      // A server of its own: a request left over from another case cannot take this case's faults.
      const server = await startFakeOpenAIServer();
      try {
        await faultyTurnThenHealed(server, c);
      } finally {
        await server.close();
      }
    },
    4 * WAIT_MS,
  );
});

async function faultyTurnThenHealed(server: FakeOpenAIServer, c: Case): Promise<void> {
  server.configure({ reply: 'A reply long enough to be cut in the middle of its stream. And a second sentence.' });
  const base = c.baseURL?.();
  const deadlineMs = testsDeadline(c) ? DEADLINE_MS : RETRY_DEADLINE_MS;
  const t = conversation(server, deadlineMs, base ? { [c.stage]: base } : {});
  if (c.faults) server.fail(ENDPOINT[c.stage], ...c.faults);

  t.speak();
  // The fault or the stage's own deadline ends the turn; the client's 120 s backstop would come far too late for this wait.
  await t.until('the failed turn to end', () => t.turnsEnded() === 1);

  const notices = t.messages().filter((m) => m.type === 'notice');
  expect(notices).toHaveLength(1);
  const notice = notices[0]!;
  const text = notice.type === 'notice' ? notice.text : '';
  expect(text.startsWith(STAGE_LABEL[c.stage])).toBe(true);
  expect(text).toMatch(c.says);
  // The stage's own deadline fired (the message rounds it to whole seconds).
  if (testsDeadline(c)) expect(text).toContain(`within ${Math.round(DEADLINE_MS / 1000)} s`);
  expect(text).not.toContain('sk-test');

  await untilNoOpenRequests(server);
  expect(server.openRequests).toBe(0);

  const spans = await t.finishedSpans();
  const turn = spans.find((s) => s.name === SPAN.turn)!;
  expect(turn.status.code).toBe(2);
  expect(turn.attributes[ATTR.errorType]).toBe(c.kind);
  const stageSpan = spans.find((s) => s.attributes[ATTR.operationName] === operationOf(c.stage) && s.parentSpanContext?.spanId === turn.spanContext().spanId)!;
  expect(stageSpan.status.code).toBe(2);

  // The fault is gone: the next turn goes through, over the good endpoint.
  server.reset();
  server.configure({ reply: 'Back again.' });
  const healed = conversation(server, deadlineMs, {});
  healed.speak();
  await healed.until('the next turn to finish', healed.replied('Back again.'));
  expect(healed.messages().filter((m) => m.type === 'notice')).toHaveLength(0);
  if (!base) {
    // Same session, same providers: the fault was transient.
    t.speak();
    await t.until('the retried turn to finish', t.replied('Back again.'));
  }
  t.session.close();
  healed.session.close();
  await Promise.all([t.telemetry.shutdown(), healed.telemetry.shutdown()]);
}
