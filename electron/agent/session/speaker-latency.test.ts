/**
 * Voice-to-voice at the speaker through a real session: a spoken turn against
 * the loopback OpenAI server, traced by the app's tracing observer; the
 * client's report that playback started carries its devices' latencies, and
 * the turn span adds them to its voice-to-voice.
 */
import { TracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FrameKind, decodeAudioFrame } from '../../../shared/audio-frame';
import { EnvelopeWriter, type ClientMessage } from '../../../shared/protocol';
import { ATTR, SPAN, type TracingState } from '../../../shared/telemetry';
import { readPipelineConfig } from '../pipeline/pipeline-config';
import { tracingObserver } from '../telemetry/conversation/tracing-observer';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../testing/fake-openai-server';
import { RecordingCarrier } from '../testing/recording-carrier';
import { SCRIPTED_VAD_ENV, ScriptedMicrophone } from '../testing/scripted-microphone';
import { openAIStagesAt, scriptedVad } from '../testing/test-stages';
import { silentLogger } from '../util/logger';
import { Session } from './session';

/** Far from what a loaded two-core machine needs for a turn against a loopback server. */
const WAIT = { timeout: 15_000, interval: 5 };

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
});
afterAll(() => server.close());

/** A spoken turn played by the client with `latency` in its report of playback's start; the turn span once ended. */
async function spokenTurn(latency: Partial<Record<'outputLatencyMs' | 'inputLatencyMs', number>>): Promise<ReadableSpan> {
  server.configure({ transcripts: ['what time is it'], reply: 'It is noon.' });
  const ended: ReadableSpan[] = [];
  const recorder: SpanProcessor = { onStart() {}, onEnd: (span) => void ended.push(span), forceFlush: async () => {}, shutdown: async () => {} };
  const tracer = new TracerProvider({ spanProcessors: [recorder] }).getTracer('test');
  const carrier = new RecordingCarrier();
  const session = new Session(carrier, {
    logger: silentLogger,
    assistant: {
      config: readPipelineConfig({ OPENAI_BASE_URL: server.url, ...SCRIPTED_VAD_ENV }, () => {}),
      stages: () => openAIStagesAt(server.url, { timeoutMs: 10_000 }),
      createVad: async () => scriptedVad,
    },
    telemetry: {
      tracer,
      conversationObserver: () => tracingObserver(tracer, { captureContent: () => false, traceEachTurn: () => false }),
      tracingState: { enabled: true, consoleExport: false, captureContent: false } satisfies TracingState,
      onChange: () => () => {},
      importSpans: () => {},
    },
  });
  session.open();
  const writer = new EnvelopeWriter<ClientMessage>();
  const send = (message: ClientMessage) => session.receiveMessage(writer.wrap(message));
  try {
    send({ type: 'conversation.start' });
    new ScriptedMicrophone().speakTo(session);
    await vi.waitFor(() => expect(carrier.messages('transcript').some((m) => m.role === 'assistant' && m.final)).toBe(true), WAIT);
    const stream = carrier.messages('turn').find((m) => m.phase === 'start')!.stream;
    const audioMs = carrier.audio.reduce((ms, data) => {
      const decoded = decodeAudioFrame(data, FrameKind.AssistantAudio);
      return decoded.ok && decoded.frame.stream === stream ? ms + (decoded.frame.samples.length / decoded.frame.sampleRate) * 1000 : ms;
    }, 0);
    send({ type: 'playback', event: 'started', stream, playedMs: 0, ...latency });
    send({ type: 'playback', event: 'drained', stream, playedMs: audioMs });
    await vi.waitFor(() => expect(ended.filter((s) => s.name === SPAN.turn)).toHaveLength(1), WAIT);
    return ended.find((s) => s.name === SPAN.turn)!;
  } finally {
    await session.close();
  }
}

describe('voice-to-voice at the speaker', () => {
  it("adds the output's and the input's latency the client reported to the turn's voice-to-voice", async () => {
    const turn = await spokenTurn({ outputLatencyMs: 42.5, inputLatencyMs: 12.5 });
    const voiceToVoice = turn.attributes[ATTR.voiceToVoiceMs] as number;
    expect(voiceToVoice).toBeGreaterThanOrEqual(0);
    expect(turn.attributes[ATTR.voiceToVoiceAtSpeakerMs]).toBe(Math.round((voiceToVoice + 55) * 10) / 10);
  });

  it('records no figure at the speaker when the client could not say what its output adds', async () => {
    const turn = await spokenTurn({ inputLatencyMs: 12.5 });
    expect(turn.attributes[ATTR.voiceToVoiceMs]).toEqual(expect.any(Number));
    expect(turn.attributes[ATTR.voiceToVoiceAtSpeakerMs]).toBeUndefined();
  });
});
