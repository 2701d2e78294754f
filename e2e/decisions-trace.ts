/**
 * A conversation's trace with turn-taking decisions on it, made by the app's
 * own code: ConversationTrace turns a script of conversation events into the
 * turn and stage spans, the turn span gets the turn-taking events the
 * conversation records (end of speech, confirmed, interruptions), the page's
 * playback span is imported as main imports it, and the whole is written as
 * the OTLP/JSON file the viewer downloads and opens.
 */
import type { Span } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { otlpTraceFile } from '../shared/otlp-json';
import { ATTR, EVENT, SPAN } from '../shared/telemetry';
import type { ConversationEvent } from '../electron/agent/pipeline/turn-events';
import { ConversationTrace } from '../electron/agent/telemetry/conversation/conversation-trace';
import { importSpan, rendererResource } from '../electron/agent/telemetry/viewer/imported-span';
import { toViewerSpan } from '../electron/agent/telemetry/viewer/viewer-span';

const T0 = Date.parse('2026-01-05T10:00:00Z');
const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1_000_000)];

/** Two voice turns: one taken after the silence window, its reply interrupted once falsely and then for real; one plain. */
export function decisionsTraceFile(): string {
  const ended: ReadableSpan[] = [];
  const turns: Span[] = [];
  const recorder: SpanProcessor = {
    onStart: (span) => {
      if ((span as unknown as ReadableSpan).name === SPAN.turn) turns.push(span);
    },
    onEnd: (span) => void ended.push(span),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new TracerProvider({ spanProcessors: [recorder] });
  const conversation = new ConversationTrace(provider.getTracer('voice-agent-stack'), { captureContent: () => false });
  const play = (events: ConversationEvent[]) => events.forEach((event) => conversation.observe(event));
  const playbackSpans: ReadableSpan[] = [];
  const resource = resourceFromAttributes({ 'service.name': 'voice-agent-stack' });

  const voiceTurn = (n: number, start: number, interrupted: boolean) => {
    play([
      { type: 'listening.started', at: start, turn: n, detector: 'silero' },
      { type: 'listening.stopped', at: start + 1_400, turn: n, speechMs: 1_400 },
    ]);
    const span = turns.at(-1)!;
    span.addEvent(EVENT.endOfSpeech, { [ATTR.vadSilenceMs]: 500 }, start + 1_400);
    span.setAttribute(ATTR.turnEndReason, 'silence');
    span.addEvent(EVENT.turnConfirmed, undefined, start + 1_920);
    play([
      { type: 'turn.started', at: start + 1_920, turn: n, input: 'voice' },
      { type: 'stage.started', at: start + 1_925, turn: n, stage: 'stt', provider: 'openai', model: 'whisper-1', audioSeconds: 1.4 },
      { type: 'stage.first_output', at: start + 2_180, turn: n, stage: 'stt' },
      { type: 'stage.ended', at: start + 2_185, turn: n, stage: 'stt', output: '' },
      { type: 'stage.started', at: start + 2_190, turn: n, stage: 'llm', provider: 'openai', model: 'gpt-4o-mini', messages: [] },
      { type: 'stage.first_output', at: start + 2_520, turn: n, stage: 'llm' },
      { type: 'stage.started', at: start + 2_560, turn: n, stage: 'tts', provider: 'openai', model: 'tts-1', voice: 'alloy', text: 'It is ten past ten.' },
      { type: 'stage.ended', at: start + 2_900, turn: n, stage: 'llm', output: '' },
      { type: 'turn.audio_sent', at: start + 2_740, turn: n },
      { type: 'stage.first_output', at: start + 2_740, turn: n, stage: 'tts' },
      { type: 'stage.ended', at: start + 3_000, turn: n, stage: 'tts', audioSeconds: 2.6 },
    ]);
    conversation.deviceLatency({ outputMs: 42.7, inputMs: 10.7 });
    play([{ type: 'turn.playback_started', at: start + 2_810, turn: n, voiceToVoiceMs: 1_410 }]);
    let end = start + 5_500;
    if (interrupted) {
      span.addEvent(EVENT.interruptionDetected, { [ATTR.interruptionOverlapMs]: 0 }, start + 3_600);
      span.addEvent(EVENT.interruptionResumed, { [ATTR.interruptionOverlapMs]: 240 }, start + 3_840);
      span.addEvent(EVENT.interruptionDetected, { [ATTR.interruptionOverlapMs]: 0 }, start + 4_300);
      span.addEvent(EVENT.interruptionConfirmed, { [ATTR.interruptionOverlapMs]: 620 }, start + 4_920);
      span.setAttribute(ATTR.turnInterruptedBy, 'user_speech');
      end = start + 4_930;
    }
    const turnContext = span.spanContext();
    play([{ type: 'turn.ended', at: end, turn: n, outcome: interrupted ? 'interrupted' : 'completed', audio: { chunks: 26, sentMs: 2_600, playedMs: end - start - 2_810 } }]);
    playbackSpans.push(
      importSpan(
        {
          traceId: turnContext.traceId,
          spanId: (0xabc000 + n).toString(16).padStart(16, '0'),
          parentSpanId: turnContext.spanId,
          traceFlags: 1,
          name: SPAN.audioPlayback,
          kind: 0,
          startTime: hr(start + 2_760),
          endTime: hr(end),
          attributes: { 'audio.playback.stream': n, [ATTR.audioOutputLatencyMs]: 42.7, [ATTR.playbackPlayedMs]: end - start - 2_810 },
          events: [{ name: EVENT.playbackStarted, time: hr(start + 2_810) }],
          status: { code: 0 },
        },
        rendererResource(resource),
      ),
    );
  };

  play([{ type: 'conversation.started', at: T0, conversationId: 'decisions-demo' }]);
  voiceTurn(1, T0 + 100, true);
  voiceTurn(2, T0 + 8_000, false);
  play([{ type: 'conversation.ended', at: T0 + 14_000, turns: 2, interruptions: 1, framesDropped: 0, vadQueueMax: 1 }]);
  const spans = [...ended, ...playbackSpans].map((span, seq) => toViewerSpan(span, seq));
  return otlpTraceFile(spans, { main: { 'service.name': 'voice-agent-stack' }, renderer: { 'service.name': 'voice-agent-stack', [ATTR.processType]: 'renderer' } });
}
