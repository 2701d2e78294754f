/**
 * The events of one voice turn as the app emits them, with times that move
 * forward as a real turn's would: voice detection, speech-to-text, context,
 * one chat request, two sentences of text-to-speech, the first audio sent and
 * playing; with `turnTaking` (the default), the turn-taking decisions too: the
 * end of speech, the confirmation, and a false interruption (a cough) over the
 * reply. Fed to the conversation's observers, they make the spans and metric
 * points of a turn without any audio, network or model: what tracing costs is
 * then all that is measured.
 */
import type { ConversationEvent } from '../electron/agent/pipeline/turn-events';

const MESSAGES = [
  { role: 'system' as const, content: 'You are a helpful voice assistant. Be brief.' },
  { role: 'user' as const, content: 'What time is it?' },
  { role: 'assistant' as const, content: 'It is ten past three.' },
  { role: 'user' as const, content: 'And what is the weather like?' },
];

/** The events of turn `turn`, starting at `start` (epoch ms); the turn lasts about two and a half seconds. */
export function syntheticTurn(turn: number, start: number, { turnTaking = true }: { turnTaking?: boolean } = {}): ConversationEvent[] {
  const at = (ms: number) => start + ms;
  const events: ConversationEvent[] = [
    { type: 'listening.started', at: at(0), turn, detector: 'silero' },
    { type: 'listening.stopped', at: at(1_400), turn, speechMs: 1_400 },
    { type: 'turn.started', at: at(1_400), turn, input: 'voice', preemptive: false },
    { type: 'stage.started', at: at(1_401), turn, stage: 'stt', provider: 'openai', model: 'whisper-1', server: { address: '127.0.0.1', port: 8080 }, audioSeconds: 1.4 },
    { type: 'stage.first_output', at: at(1_560), turn, stage: 'stt' },
    { type: 'stage.ended', at: at(1_560), turn, stage: 'stt', output: 'And what is the weather like?', language: 'en' },
    { type: 'context.aggregated', at: at(1_561), turn, messages: MESSAGES.length, dropped: 0, estimatedTokens: 42 },
    {
      type: 'stage.started',
      at: at(1_562),
      turn,
      stage: 'llm',
      provider: 'openai',
      model: 'gpt-4o-mini',
      server: { address: '127.0.0.1', port: 8080 },
      request: { maxTokens: 512, temperature: 0.7 },
      messages: MESSAGES,
    },
    { type: 'stage.first_output', at: at(1_760), turn, stage: 'llm' },
    { type: 'stage.started', at: at(1_800), turn, stage: 'tts', provider: 'openai', model: 'tts-1', server: { address: '127.0.0.1', port: 8080 }, voice: 'alloy', text: 'Sunny and mild.' },
    { type: 'stage.response', at: at(1_900), turn, stage: 'llm', id: 'chatcmpl-1', model: 'gpt-4o-mini', finishReason: 'stop' },
    { type: 'stage.usage', at: at(1_900), turn, stage: 'llm', inputTokens: 42, outputTokens: 12 },
    { type: 'stage.ended', at: at(1_901), turn, stage: 'llm', output: 'Sunny and mild. About twenty degrees.' },
    { type: 'stage.first_output', at: at(1_950), turn, stage: 'tts' },
    { type: 'turn.audio_sent', at: at(1_951), turn },
    { type: 'turn.playback_started', at: at(1_990), turn, voiceToVoiceMs: 590 },
    { type: 'stage.ended', at: at(2_000), turn, stage: 'tts', audioSeconds: 1.1 },
    { type: 'stage.started', at: at(2_001), turn, stage: 'tts', provider: 'openai', model: 'tts-1', server: { address: '127.0.0.1', port: 8080 }, voice: 'alloy', text: 'About twenty degrees.' },
    { type: 'stage.first_output', at: at(2_140), turn, stage: 'tts' },
    { type: 'stage.ended', at: at(2_200), turn, stage: 'tts', audioSeconds: 1.3 },
    { type: 'turn.ended', at: at(4_500), turn, outcome: 'completed', audio: { chunks: 24, sentMs: 2_400, playedMs: 2_400 } },
  ];
  if (!turnTaking) return events;
  const decisions: ConversationEvent[] = [
    { type: 'turn.end_of_speech', at: at(1_400), turn, silenceMs: 500 },
    { type: 'turn.confirmed', at: at(1_400), turn, reason: 'silence', endOfSpeechAt: at(900) },
  ];
  const cough: ConversationEvent[] = [
    { type: 'interruption.detected', at: at(2_300), turn, overlapMs: 120 },
    { type: 'interruption.resumed', at: at(2_540), turn, overlapMs: 240 },
  ];
  const started = events.findIndex((e) => e.type === 'turn.started') + 1;
  const ended = events.findIndex((e) => e.type === 'turn.ended');
  return [...events.slice(0, started), ...decisions, ...events.slice(started, ended), ...cough, ...events.slice(ended)];
}
