/**
 * A session as a client sees it, for tests: on a carrier that records what
 * it sends, its conversation on the loopback OpenAI-compatible server at
 * `url` with the scripted voice detector (scripted-microphone.ts), and the
 * client's messages wrapped in envelopes as a client wraps them.
 */
import { EnvelopeWriter, type ClientMessage, type ServerEnvelope } from '../../../shared/protocol';
import { readPipelineConfig } from '../pipeline/pipeline-config';
import { Session, type SessionOptions } from '../session/session';
import { RecordingCarrier } from './recording-carrier';
import { SCRIPTED_VAD_ENV } from './scripted-microphone';
import { openAIStagesAt, scriptedVad } from './test-stages';

export function scriptedSession(url: string, options: Omit<SessionOptions, 'assistant'> = {}) {
  const carrier = new RecordingCarrier();
  const session = new Session(carrier, {
    ...options,
    assistant: {
      config: readPipelineConfig({ OPENAI_BASE_URL: url, ...SCRIPTED_VAD_ENV }, () => {}),
      stages: () => openAIStagesAt(url),
      createVad: async () => scriptedVad,
    },
  });
  const writer = new EnvelopeWriter<ClientMessage>();
  const send = (message: ClientMessage, traceparent?: string) => session.receiveMessage(writer.wrap(message, traceparent ? { traceparent } : undefined));
  /** What was sent so far, by type, for a waiting test's message. */
  const detail = () => `types: ${carrier.summary()}`;
  const messages = (type: string): ServerEnvelope[] => carrier.envelopes.filter((e) => e.message.type === type);
  return { session, carrier, send, detail, messages };
}
