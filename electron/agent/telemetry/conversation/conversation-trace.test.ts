import { SpanKind, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, EVENT, SPAN } from '../../../../shared/telemetry';
import { parseTraceparent } from '../../../../shared/trace-context';
import { StageError } from '../../pipeline/stage-error';
import type { ConversationEvent } from '../../pipeline/turn-events';
import { ConversationTrace } from './conversation-trace';

function setup() {
  const ended: ReadableSpan[] = [];
  // Spans as they end, synchronously (exporters hand them on asynchronously).
  const recorder: SpanProcessor = { onStart() {}, onEnd: (span) => void ended.push(span), forceFlush: async () => {}, shutdown: async () => {} };
  const provider = new TracerProvider({ spanProcessors: [recorder] });
  let captureContent = false;
  let traceEachTurn = false;
  const tracer = provider.getTracer('test');
  const observer = new ConversationTrace(tracer, { captureContent: () => captureContent, traceEachTurn: () => traceEachTurn });
  const spans = () => ended;
  const named = (name: string) => spans().filter((s) => s.name === name);
  const operation = (name: string) => spans().filter((s) => s.attributes[ATTR.operationName] === name);
  const parentName = (span: ReadableSpan) => spans().find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId)?.name;
  let clock = 1_700_000_000_000;
  /** Feeds events `step` ms apart. */
  const play = (...events: ((at: number) => ConversationEvent)[]) => {
    for (const event of events) observer.observe(event((clock += 10)));
  };
  return {
    observer,
    tracer,
    spans,
    named,
    operation,
    parentName,
    play,
    setCapture: (on: boolean) => (captureContent = on),
    setTraceEachTurn: (on: boolean) => (traceEachTurn = on),
  };
}

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => void context.setGlobalContextManager(contextManager.enable()));
afterAll(() => {
  contextManager.disable();
  context.disable();
});

const ms = (span: ReadableSpan) => [hrTimeToMilliseconds(span.startTime), hrTimeToMilliseconds(span.endTime)];

describe('ConversationTrace', () => {
  it('makes the span tree of a voice turn from its events, timed by them', () => {
    const t = setup();
    t.play(
      (at) => ({ type: 'conversation.started', at, conversationId: 'c-1' }),
      (at) => ({ type: 'listening.started', at, turn: 1, detector: 'silero' }),
      (at) => ({ type: 'listening.stopped', at, turn: 1, speechMs: 640 }),
      (at) => ({ type: 'turn.started', at, turn: 1, input: 'voice' }),
      (at) => ({ type: 'stage.started', at, turn: 1, stage: 'stt', provider: 'p', model: 'whisper', audioSeconds: 0.64 }),
      (at) => ({ type: 'stage.first_output', at, turn: 1, stage: 'stt' }),
      (at) => ({ type: 'stage.ended', at, turn: 1, stage: 'stt', output: 'what time is it', language: 'en' }),
      (at) => ({ type: 'context.aggregated', at, turn: 1, messages: 2, dropped: 0, estimatedTokens: 30 }),
      (at) => ({
        type: 'stage.started',
        at,
        turn: 1,
        stage: 'llm',
        provider: 'p',
        model: 'gpt',
        server: { address: 'api.example.com', port: 443 },
        request: { maxTokens: 256 },
        messages: [{ role: 'user', content: 'what time is it' }],
      }),
      (at) => ({ type: 'stage.first_output', at, turn: 1, stage: 'llm' }),
      (at) => ({ type: 'stage.response', at, turn: 1, stage: 'llm', id: 'chatcmpl-1', model: 'gpt-0613' }),
      (at) => ({ type: 'stage.response', at, turn: 1, stage: 'llm', finishReason: 'stop' }),
      (at) => ({ type: 'stage.started', at, turn: 1, stage: 'tts', provider: 'p', model: 'voice', voice: 'alloy', text: 'It is noon.' }),
      (at) => ({ type: 'stage.usage', at, turn: 1, stage: 'llm', inputTokens: 12, outputTokens: 4, cacheReadTokens: 8 }),
      (at) => ({ type: 'stage.ended', at, turn: 1, stage: 'llm', output: 'It is noon.' }),
      (at) => ({ type: 'turn.audio_sent', at, turn: 1 }),
      (at) => ({ type: 'stage.first_output', at, turn: 1, stage: 'tts' }),
      (at) => ({ type: 'stage.ended', at, turn: 1, stage: 'tts', audioSeconds: 1.2 }),
      (at) => ({ type: 'turn.playback_started', at, turn: 1, voiceToVoiceMs: 830 }),
      (at) => ({ type: 'turn.ended', at, turn: 1, outcome: 'completed', audio: { chunks: 12, sentMs: 1_200.4, playedMs: 1_180.6 } }),
      (at) => ({ type: 'conversation.ended', at, turns: 1, interruptions: 0, framesDropped: 3, vadQueueMax: 7 }),
    );
    const [conversation] = t.named(SPAN.conversation);
    expect(conversation!.parentSpanContext).toBeUndefined();
    expect(conversation!.attributes).toEqual({
      [ATTR.conversationId]: 'c-1',
      [ATTR.conversationTurns]: 1,
      [ATTR.conversationInterruptions]: 0,
      [ATTR.framesDropped]: 3,
      [ATTR.vadQueueMax]: 7,
    });
    const [turn] = t.named(SPAN.turn);
    expect(t.parentName(turn!)).toBe(SPAN.conversation);
    expect(turn!.attributes).toEqual({
      [ATTR.turnNumber]: 1,
      [ATTR.turnInput]: 'voice',
      [ATTR.voiceToVoiceMs]: 830,
      [ATTR.turnInterrupted]: false,
      [ATTR.turnAudioChunks]: 12,
      [ATTR.turnAudioMs]: 1_200,
      [ATTR.turnPlayedMs]: 1_181,
      // Each phase from the end of speech (the events are 10 ms apart).
      [ATTR.phaseTranscriptMs]: 40,
      [ATTR.phaseFirstTokenMs]: 70,
      [ATTR.phaseFirstPhraseMs]: 100,
      [ATTR.phaseFirstAudioSentMs]: 130,
      [ATTR.phaseFirstAudioPlayingMs]: 160,
      // No reply was prepared for it.
      [ATTR.preemptiveOutcome]: 'none',
      [ATTR.preemptiveWastedRequests]: 0,
    });
    expect(turn!.events.map((e) => e.name)).toEqual([EVENT.firstAudio]);
    for (const name of [SPAN.vad, 'speech_to_text whisper', SPAN.contextAggregate, 'chat gpt', 'text_to_speech voice']) expect(t.parentName(t.named(name)[0]!)).toBe(SPAN.turn);
    const [vad] = t.named(SPAN.vad);
    expect(vad!.attributes).toEqual({ [ATTR.vadModel]: 'silero', [ATTR.vadSpeechMs]: 640 });
    expect(vad!.events.map((e) => e.name)).toEqual([EVENT.speechStart, EVENT.speechStop]);
    // The turn began when the user began speaking; each span lasts from its first event to its last.
    expect(ms(turn!)[0]).toBe(ms(vad!)[0]);
    expect(ms(vad!)[1]! - ms(vad!)[0]!).toBe(10);
    const [llm] = t.named('chat gpt');
    expect(ms(llm!)[1]! - ms(llm!)[0]!).toBe(60);
    expect(llm!.kind).toBe(SpanKind.CLIENT);
    expect(llm!.attributes).toEqual({
      [ATTR.operationName]: 'chat',
      [ATTR.providerName]: 'p',
      [ATTR.requestModel]: 'gpt',
      [ATTR.serverAddress]: 'api.example.com',
      [ATTR.serverPort]: 443,
      [ATTR.conversationId]: 'c-1',
      [ATTR.outputType]: 'text',
      [ATTR.requestStream]: true,
      [ATTR.requestMaxTokens]: 256,
      [ATTR.chatMessageCount]: 1,
      [ATTR.timeToFirstChunk]: 0.01,
      [ATTR.inputTokens]: 12,
      [ATTR.outputTokens]: 4,
      [ATTR.cacheReadTokens]: 8,
      [ATTR.responseId]: 'chatcmpl-1',
      [ATTR.responseModel]: 'gpt-0613',
      [ATTR.finishReasons]: ['stop'],
    });
    expect(t.named('speech_to_text whisper')[0]!.attributes).toEqual({
      [ATTR.operationName]: 'speech_to_text',
      [ATTR.providerName]: 'p',
      [ATTR.requestModel]: 'whisper',
      [ATTR.conversationId]: 'c-1',
      [ATTR.outputType]: 'text',
      [ATTR.sttAudioSeconds]: 0.64,
      [ATTR.ttfbMs]: 10,
      [ATTR.speechInputLanguage]: 'en',
    });
    expect(t.named('text_to_speech voice')[0]!.attributes).toEqual({
      [ATTR.operationName]: 'text_to_speech',
      [ATTR.providerName]: 'p',
      [ATTR.requestModel]: 'voice',
      [ATTR.conversationId]: 'c-1',
      [ATTR.outputType]: 'speech',
      [ATTR.speechVoice]: 'alloy',
      [ATTR.ttsCharacters]: 11,
      [ATTR.ttfbMs]: 40,
      [ATTR.ttsAudioSeconds]: 1.2,
    });
    expect(t.named(SPAN.contextAggregate)[0]!.attributes).toEqual({ [ATTR.contextMessages]: 2, [ATTR.contextDropped]: 0, [ATTR.contextTokens]: 30 });
    expect(t.spans()).toHaveLength(7);
  });

  it("adds the devices' latencies the client reported with playback's start to the turn's voice-to-voice, once", () => {
    const t = setup();
    const turn = (n: number, latency: Parameters<ConversationTrace['deviceLatency']>[0] | null) => {
      t.play((at) => ({ type: 'turn.started', at, turn: n, input: 'voice' }));
      if (latency) t.observer.deviceLatency(latency);
      t.play(
        (at) => ({ type: 'turn.playback_started', at, turn: n, voiceToVoiceMs: 830 }),
        (at) => ({ type: 'turn.ended', at, turn: n, outcome: 'completed', audio: { chunks: 1, sentMs: 100, playedMs: 100 } }),
      );
    };
    turn(1, { outputMs: 42.5, inputMs: 12.7 });
    turn(2, { outputMs: 42.5 });
    turn(3, null); // no report with this turn's start: the earlier one is not reused
    turn(4, { inputMs: 12.7 }); // without the output's latency there is no figure at the speaker
    const atSpeaker = t.named(SPAN.turn).map((span) => [span.attributes[ATTR.voiceToVoiceMs], span.attributes[ATTR.voiceToVoiceAtSpeakerMs]]);
    expect(atSpeaker).toEqual([
      [830, 885.2],
      [830, 872.5],
      [830, undefined],
      [830, undefined],
    ]);
  });

  it('records content only when capture is on as the turn starts', () => {
    const t = setup();
    const turn = (number: number) =>
      t.play(
        (at) => ({ type: 'turn.started', at, turn: number, input: 'text' }),
        (at) => ({
          type: 'stage.started',
          at,
          turn: number,
          stage: 'llm',
          provider: 'p',
          model: 'm',
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'secret' },
          ],
        }),
        (at) => ({ type: 'stage.started', at, turn: number, stage: 'tts', provider: 'p', model: 'm', voice: 'v', text: 'Reply.' }),
        (at) => ({ type: 'stage.ended', at, turn: number, stage: 'tts', audioSeconds: 0.5 }),
        (at) => ({ type: 'stage.ended', at, turn: number, stage: 'llm', output: 'Reply.' }),
        (at) => ({ type: 'turn.ended', at, turn: number, outcome: 'completed', audio: { chunks: 1, sentMs: 500, playedMs: 0 } }),
      );
    turn(1);
    t.setCapture(true);
    turn(2);
    const [first, second] = t.operation('chat');
    expect(JSON.stringify(first!.attributes)).not.toContain('secret');
    expect(JSON.stringify(first!.attributes)).not.toContain('Be brief');
    expect(JSON.stringify(t.operation('text_to_speech')[0]!.attributes)).not.toContain('Reply.');
    // The conventions' message schemas: the system prompt apart, parts of type text, a finish reason on output.
    expect(JSON.parse(String(second!.attributes[ATTR.systemInstructions]))).toEqual([{ type: 'text', content: 'Be brief.' }]);
    expect(JSON.parse(String(second!.attributes[ATTR.inputMessages]))).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'secret' }] }]);
    expect(JSON.parse(String(second!.attributes[ATTR.outputMessages]))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Reply.' }], finish_reason: 'stop' },
    ]);
    expect(JSON.parse(String(t.operation('text_to_speech')[1]!.attributes[ATTR.inputMessages]))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Reply.' }] },
    ]);
    expect(t.operation('text_to_speech')[1]!.attributes[ATTR.outputMessages]).toBeUndefined();
    // Outside a conversation each turn is a trace of its own.
    expect(t.named(SPAN.turn).map((s) => s.parentSpanContext)).toEqual([undefined, undefined]);
  });

  it('marks an interrupted turn, and ends its stages as cancelled (not failed) after it', () => {
    const t = setup();
    t.play(
      (at) => ({ type: 'conversation.started', at, conversationId: 'c' }),
      (at) => ({ type: 'turn.started', at, turn: 4, input: 'text' }),
      (at) => ({ type: 'stage.started', at, turn: 4, stage: 'llm', provider: 'p', model: 'm', messages: [] }),
      (at) => ({ type: 'turn.interrupted', at, turn: 4, reason: 'barge-in' }),
      (at) => ({ type: 'turn.ended', at, turn: 4, outcome: 'interrupted', audio: { chunks: 3, sentMs: 900, playedMs: 450 } }),
      (at) => ({ type: 'stage.cancelled', at, turn: 4, stage: 'llm' }),
      (at) => ({ type: 'stage.ended', at, turn: 4, stage: 'llm' }),
    );
    const [turn] = t.named(SPAN.turn);
    expect(turn!.attributes).toMatchObject({ [ATTR.turnInterrupted]: true, [ATTR.turnPlayedMs]: 450 });
    expect(turn!.events.map((e) => [e.name, e.attributes])).toEqual([[EVENT.bargeIn, { reason: 'barge-in' }]]);
    const [llm] = t.operation('chat');
    expect(llm!.attributes[ATTR.stageCancelled]).toBe(true);
    expect(llm!.attributes[ATTR.outputMessages]).toBeUndefined();
    expect(llm!.status.code).toBe(0);
    expect(t.parentName(llm!)).toBe(SPAN.turn);
  });

  it('records failures with status ERROR and the exception: a stage, the turn, a turn that could not start', () => {
    const t = setup();
    const error = new StageError('llm', 'auth', 'The language model refused the API key.');
    t.play(
      (at) => ({ type: 'turn.started', at, turn: 1, input: 'text' }),
      (at) => ({ type: 'stage.started', at, turn: 1, stage: 'llm', provider: 'p', model: 'm', messages: [] }),
      (at) => ({ type: 'stage.failed', at, turn: 1, stage: 'llm', error, errorType: 'auth' }),
      (at) => ({ type: 'stage.ended', at, turn: 1, stage: 'llm' }),
      (at) => ({ type: 'turn.ended', at, turn: 1, outcome: 'failed', audio: { chunks: 0, sentMs: 0, playedMs: 0 }, error, errorType: 'auth' }),
      (at) => ({ type: 'turn.unavailable', at, turn: 2, input: 'text', error: new StageError('llm', 'not_configured', 'Set OPENAI_API_KEY.') }),
    );
    const [llm] = t.operation('chat');
    expect(llm!.status).toEqual({ code: 2, message: error.message });
    expect(llm!.attributes[ATTR.errorType]).toBe('auth');
    expect(llm!.events.map((e) => e.name)).toEqual(['exception']);
    const [failed, unavailable] = t.named(SPAN.turn);
    expect(failed!.status.code).toBe(2);
    expect(failed!.attributes).toMatchObject({ [ATTR.errorType]: 'auth', [ATTR.turnInterrupted]: false });
    expect(unavailable!.status).toEqual({ code: 2, message: 'Set OPENAI_API_KEY.' });
    expect(unavailable!.events.map((e) => e.name)).toEqual(['exception']);
    expect(unavailable!.attributes).toEqual({ [ATTR.turnNumber]: 2, [ATTR.turnInput]: 'text' });
  });

  it('closes an abandoned utterance, and the conversation when a new one starts', () => {
    const t = setup();
    t.play(
      (at) => ({ type: 'conversation.started', at, conversationId: 'one' }),
      (at) => ({ type: 'listening.started', at, turn: 1, detector: 'push-to-talk' }),
      (at) => ({ type: 'listening.abandoned', at, turn: 1 }),
      (at) => ({ type: 'conversation.started', at, conversationId: 'two' }),
    );
    const [turn] = t.named(SPAN.turn);
    expect(turn!.attributes).toEqual({ [ATTR.turnNumber]: 1, [ATTR.turnInput]: 'voice', [ATTR.turnAbandoned]: true });
    expect(t.named(SPAN.vad)[0]!.events.map((e) => e.name)).toEqual([EVENT.speechStart]);
    expect(t.named(SPAN.conversation).map((s) => s.attributes[ATTR.conversationId])).toEqual(['one']);
  });

  it('knows the traces it started, and gives the traceparents of the conversation and of a running turn', () => {
    const t = setup();
    expect(t.observer.conversationTraceparent).toBeUndefined();
    t.play((at) => ({ type: 'conversation.started', at, conversationId: 'c' }));
    const conversation = parseTraceparent(t.observer.conversationTraceparent)!;
    expect(t.observer.isKnownTrace(conversation.traceId)).toBe(true);
    expect(t.observer.isKnownTrace('f'.repeat(32))).toBe(false);
    t.play(
      (at) => ({ type: 'conversation.ended', at, turns: 0, interruptions: 0, framesDropped: 0, vadQueueMax: 0 }),
      (at) => ({ type: 'turn.started', at, turn: 1, input: 'text' }),
    );
    const turn = parseTraceparent(t.observer.turnTraceparent(1))!;
    expect(turn.traceId).not.toBe(conversation.traceId); // a text turn outside a conversation is its own trace
    expect(t.observer.isKnownTrace(turn.traceId)).toBe(true);
    t.play((at) => ({ type: 'turn.ended', at, turn: 1, outcome: 'completed', audio: { chunks: 0, sentMs: 0, playedMs: 0 } }));
    expect(t.observer.turnTraceparent(1)).toBeUndefined();
    expect(t.observer.isKnownTrace(turn.traceId)).toBe(true);
  });

  it('makes the stage span the active context while the stage runs, also across awaits', async () => {
    const t = setup();
    t.play(
      (at) => ({ type: 'conversation.started', at, conversationId: 'c' }),
      (at) => ({ type: 'turn.started', at, turn: 1, input: 'text' }),
      (at) => ({ type: 'stage.started', at, turn: 1, stage: 'llm', provider: 'openai', model: 'm', messages: [] }),
    );
    const inner = await t.observer.within(1, 'llm', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const span = t.tracer.startSpan('http.request');
      span.end();
      return span;
    });
    t.play((at) => ({ type: 'stage.ended', at, turn: 1, stage: 'llm' }));
    const [chat] = t.named('chat m');
    expect((inner as unknown as ReadableSpan).parentSpanContext?.spanId).toBe(chat!.spanContext().spanId);
    // Outside the stage, nothing of it is active; an unknown stage just runs.
    expect(trace.getActiveSpan()).toBeUndefined();
    await expect(t.observer.within(9, 'tts', async () => trace.getActiveSpan())).resolves.toBeUndefined();
  });

  it('with a trace per turn, roots each turn, linked to the conversation and carrying its id', () => {
    const t = setup();
    t.setTraceEachTurn(true);
    t.play(
      (at) => ({ type: 'conversation.started', at, conversationId: 'c-9' }),
      (at) => ({ type: 'listening.started', at, turn: 1, detector: 'silero' }),
      (at) => ({ type: 'listening.stopped', at, turn: 1, speechMs: 100 }),
      (at) => ({ type: 'turn.started', at, turn: 1, input: 'voice' }),
      (at) => ({ type: 'stage.started', at, turn: 1, stage: 'stt', provider: 'local', model: 'tiny', audioSeconds: 0.1 }),
      (at) => ({ type: 'stage.ended', at, turn: 1, stage: 'stt', output: 'hi' }),
      (at) => ({ type: 'turn.ended', at, turn: 1, outcome: 'completed', audio: { chunks: 0, sentMs: 0, playedMs: 0 } }),
      (at) => ({ type: 'turn.started', at, turn: 2, input: 'text' }),
    );
    const conversationTrace = parseTraceparent(t.observer.conversationTraceparent)!;
    const second = parseTraceparent(t.observer.turnTraceparent(2))!;
    t.play(
      (at) => ({ type: 'turn.ended', at, turn: 2, outcome: 'completed', audio: { chunks: 0, sentMs: 0, playedMs: 0 } }),
      (at) => ({ type: 'conversation.ended', at, turns: 2, interruptions: 0, framesDropped: 0, vadQueueMax: 0 }),
    );
    const [conversation] = t.named(SPAN.conversation);
    const turns = t.named(SPAN.turn);
    expect(turns).toHaveLength(2);
    for (const turn of turns) {
      expect(turn.parentSpanContext).toBeUndefined();
      expect(turn.spanContext().traceId).not.toBe(conversationTrace.traceId);
      expect(turn.links.map((l) => l.context.spanId)).toEqual([conversation!.spanContext().spanId]);
      expect(turn.attributes[ATTR.conversationId]).toBe('c-9');
    }
    expect(turns[0]!.spanContext().traceId).not.toBe(turns[1]!.spanContext().traceId);
    // The turn's own spans stay in its trace, and the client may add its spans to it.
    for (const name of [SPAN.vad, 'speech_to_text tiny']) expect(t.named(name)[0]!.spanContext().traceId).toBe(turns[0]!.spanContext().traceId);
    expect(t.named('speech_to_text tiny')[0]!.kind).toBe(SpanKind.INTERNAL); // on-device
    expect(t.observer.isKnownTrace(second.traceId)).toBe(true);
  });

  it('puts turn-taking on the turn span: end of speech, confirmation and why, preparation outcome, interruptions', () => {
    const t = setup();
    t.play(
      (at) => ({ type: 'listening.started', at, turn: 1, detector: 'silero' }),
      (at) => ({ type: 'preemption.started', at, turn: 1, stoppedAt: at }),
      (at) => ({ type: 'preemption.cancelled', at, turn: 1, reason: 'the user went on speaking', requests: 2 }),
      (at) => ({ type: 'preemption.started', at, turn: 1, stoppedAt: at }),
      (at) => ({ type: 'listening.stopped', at, turn: 1, speechMs: 900 }),
      (at) => ({ type: 'turn.end_of_speech', at, turn: 1, silenceMs: 500 }),
      (at) => ({ type: 'turn.confirmed', at, turn: 1, reason: 'silence', endOfSpeechAt: at - 500 }),
      (at) => ({ type: 'preemption.used', at, turn: 1, savedMs: 340 }),
      (at) => ({ type: 'turn.started', at, turn: 1, input: 'voice', preemptive: true }),
      (at) => ({ type: 'interruption.detected', at, turn: 1, overlapMs: 60 }),
      (at) => ({ type: 'interruption.resumed', at, turn: 1, overlapMs: 180 }),
      (at) => ({ type: 'interruption.detected', at, turn: 1, overlapMs: 60 }),
      (at) => ({ type: 'interruption.confirmed', at, turn: 1, overlapMs: 600 }),
      (at) => ({ type: 'turn.interrupted', at, turn: 1, reason: 'barge-in', by: 'user_speech' }),
      (at) => ({ type: 'turn.ended', at, turn: 1, outcome: 'interrupted', audio: { chunks: 1, sentMs: 100, playedMs: 50 } }),
      // A typed message: its turn opens as it is confirmed.
      (at) => ({ type: 'turn.confirmed', at, turn: 2, reason: 'text' }),
      (at) => ({ type: 'turn.started', at, turn: 2, input: 'text' }),
      (at) => ({ type: 'turn.ended', at, turn: 2, outcome: 'completed', audio: { chunks: 0, sentMs: 0, playedMs: 0 } }),
    );
    const [voice, typed] = t.named(SPAN.turn);
    expect(voice!.attributes).toMatchObject({
      [ATTR.turnEndReason]: 'silence',
      [ATTR.preemptiveOutcome]: 'used',
      [ATTR.preemptiveSavedMs]: 340,
      [ATTR.preemptiveWastedRequests]: 2,
      [ATTR.turnInterruptedBy]: 'user_speech',
    });
    expect(voice!.events.map((e) => [e.name, e.attributes?.[ATTR.vadSilenceMs] ?? e.attributes?.[ATTR.interruptionOverlapMs]]).filter(([n]) => !String(n).startsWith('preemptive') && n !== EVENT.bargeIn)).toEqual([
      [EVENT.endOfSpeech, 500],
      [EVENT.turnConfirmed, undefined],
      [EVENT.interruptionDetected, 60],
      [EVENT.interruptionResumed, 180],
      [EVENT.interruptionDetected, 60],
      [EVENT.interruptionConfirmed, 600],
    ]);
    expect(typed!.attributes).toMatchObject({ [ATTR.turnInput]: 'text', [ATTR.turnEndReason]: 'text' });
    expect(typed!.attributes[ATTR.preemptiveOutcome]).toBeUndefined();
    expect(typed!.events.map((e) => e.name)).toEqual([EVENT.turnConfirmed]);
  });

  it('says a voice turn discarded what was prepared for it when none of it was used, and none when nothing was', () => {
    const t = setup();
    t.play(
      (at) => ({ type: 'listening.started', at, turn: 1, detector: 'silero' }),
      (at) => ({ type: 'preemption.started', at, turn: 1, stoppedAt: at }),
      (at) => ({ type: 'preemption.cancelled', at, turn: 1, reason: 'test sound', requests: 1 }),
      (at) => ({ type: 'turn.started', at, turn: 1, input: 'voice', preemptive: false }),
      (at) => ({ type: 'turn.ended', at, turn: 1, outcome: 'completed', audio: { chunks: 0, sentMs: 0, playedMs: 0 } }),
      (at) => ({ type: 'listening.started', at, turn: 2, detector: 'push-to-talk' }),
      (at) => ({ type: 'turn.started', at, turn: 2, input: 'voice', preemptive: false }),
      (at) => ({ type: 'turn.ended', at, turn: 2, outcome: 'completed', audio: { chunks: 0, sentMs: 0, playedMs: 0 } }),
    );
    expect(t.named(SPAN.turn).map((s) => [s.attributes[ATTR.preemptiveOutcome], s.attributes[ATTR.preemptiveWastedRequests]])).toEqual([
      ['discarded', 1],
      ['none', 0],
    ]);
  });

  it('forgets the oldest of more than 64 traces', () => {
    const t = setup();
    const ids: string[] = [];
    for (let n = 1; n <= 65; n++) {
      t.play((at) => ({ type: 'turn.started', at, turn: n, input: 'text' }));
      ids.push(parseTraceparent(t.observer.turnTraceparent(n))!.traceId);
    }
    expect(t.observer.isKnownTrace(ids[0]!)).toBe(false);
    expect(t.observer.isKnownTrace(ids[1]!)).toBe(true);
    expect(t.observer.isKnownTrace(ids[64]!)).toBe(true);
  });
});
