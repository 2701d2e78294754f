/**
 * Span names, attribute keys and the wire form of renderer spans. Both sides
 * use these constants, so a trace reads the same whichever process wrote it.
 *
 * `gen_ai.*` keys are the OpenTelemetry GenAI conventions'
 * (open-telemetry/semantic-conventions-genai, status: development) and are
 * used only where they define them; names marked PROPOSAL come from the voice
 * agents proposal in that repository (speech_to_text / text_to_speech, the
 * `gen_ai.speech.*` keys) and follow it until it is merged. Everything else
 * is ours, under our own namespaces (`turn.*`, `vad.*`, `stt.*`, `tts.*`, `llm.*`, `model.*`,
 * `stage.*`, `context.*`, `audio.*`, `transport.*`, `voice_agent.*`).
 */
import { z } from 'zod';

export const SPAN = {
  conversation: 'conversation',
  turn: 'turn',
  vad: 'vad',
  contextAggregate: 'context.aggregate',
  audioCapture: 'audio.capture',
  audioPlayback: 'audio.playback',
  transportSession: 'transport.session',
  /** An on-device engine loading its model: under the stage that waited for it, else a root span of its own. */
  modelLoad: 'model.load',
} as const;

/**
 * The conventions' operation names of the stage spans; a stage span is named
 * `{operation} {model}` (see `stageSpanName`).
 */
export const GEN_AI_OPERATION = {
  chat: 'chat',
  /** PROPOSAL (voice agents). */
  speechToText: 'speech_to_text',
  /** PROPOSAL (voice agents). */
  textToSpeech: 'text_to_speech',
  /** One tool call: `execute_tool {gen_ai.tool.name}`. */
  executeTool: 'execute_tool',
} as const;
export type GenAiOperation = (typeof GEN_AI_OPERATION)[keyof typeof GEN_AI_OPERATION];

/** The conventions' span name: `{gen_ai.operation.name} {gen_ai.request.model}`. */
export function stageSpanName(operation: GenAiOperation, model: string): string {
  return model ? `${operation} ${model}` : operation;
}

/**
 * Where an MCP request carries the trace context (the MCP conventions: W3C
 * trace context in the request's `params._meta`).
 */
export const MCP_META = { traceparent: 'traceparent', tracestate: 'tracestate' } as const;

/** `error.type` of an MCP `tools/call` whose result says `isError` (the MCP conventions' value). */
export const MCP_TOOL_ERROR = 'tool_error';

export const ATTR = {
  conversationId: 'gen_ai.conversation.id',
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  requestStream: 'gen_ai.request.stream',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  finishReasons: 'gen_ai.response.finish_reasons',
  /** Seconds from the request to the first chunk of a streamed response. */
  timeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  outputType: 'gen_ai.output.type',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadTokens: 'gen_ai.usage.cache_read.input_tokens',
  reasoningTokens: 'gen_ai.usage.reasoning.output_tokens',
  /** Opt-in content, JSON in the conventions' message schemas. */
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  systemInstructions: 'gen_ai.system_instructions',
  /** PROPOSAL (voice agents). */
  speechVoice: 'gen_ai.speech.voice',
  /** PROPOSAL (voice agents). */
  speechInputLanguage: 'gen_ai.speech.input.language',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  errorMessage: 'error.message',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  toolDescription: 'gen_ai.tool.description',
  /** Opt-in content: the arguments as the model wrote them, and the result it was given. */
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
  /** Opt-in: the tools a chat request offered, JSON. */
  toolDefinitions: 'gen_ai.tool.definitions',
  /** Who offers the tool: "built-in" or the MCP server's name. */
  toolSource: 'voice_agent.tool.source',
  /** On a stage span stopped because the turn was (not an error). */
  stageCancelled: 'stage.cancelled',

  /** The MCP conventions' client span keys (semantic-conventions-genai, model/mcp; development). */
  mcpMethodName: 'mcp.method.name',
  mcpSessionId: 'mcp.session.id',
  mcpProtocolVersion: 'mcp.protocol.version',
  jsonrpcRequestId: 'jsonrpc.request.id',
  rpcResponseStatusCode: 'rpc.response.status_code',
  networkTransport: 'network.transport',
  networkProtocolName: 'network.protocol.name',
  /** Ours: the MCP server's name in the app's configuration. */
  mcpServerName: 'voice_agent.mcp.server',

  conversationTurns: 'conversation.turns',
  conversationInterruptions: 'conversation.interruptions',

  turnNumber: 'turn.number',
  turnInput: 'turn.input',
  turnInterrupted: 'turn.was_interrupted',
  voiceToVoiceMs: 'turn.voice_to_voice_ms',
  /**
   * voice_to_voice_ms plus what the devices add: the output's latency (audio.output_latency_ms) and,
   * where the browser reports it, the input's (audio.input_latency_ms). Summed in main when the
   * client's report that playback started carries those latencies.
   */
  voiceToVoiceAtSpeakerMs: 'turn.voice_to_voice_at_speaker_ms',
  turnAudioChunks: 'turn.audio.chunks_out',
  turnAudioMs: 'turn.audio.sent_ms',
  turnPlayedMs: 'turn.audio.played_ms',
  /** Tool calls the turn made, and the time during which at least one ran (concurrent calls count once). */
  turnToolCalls: 'turn.tool_calls',
  turnToolMs: 'turn.tool_ms',
  /** Speech started but the conversation ended before the utterance was complete. */
  turnAbandoned: 'turn.abandoned',
  /** On the false_interruption event: how long playback was held. */
  pausedMs: 'turn.paused_ms',
  /**
   * On a voice turn: whether its reply was prepared during the silence window; on a stage span: the
   * request was started before the utterance was confirmed (with stage.cancelled when it was thrown away).
   */
  turnPreemptive: 'turn.preemptive',
  /** On the preemptive.cancelled event: why the prepared reply was thrown away. */
  preemptiveReason: 'turn.preemptive.reason',
  /** On a voice turn: whether a reply prepared during the silence window was used (PREEMPTIVE_OUTCOME). */
  preemptiveOutcome: 'turn.preemptive.outcome',
  /**
   * On a turn that used a prepared reply: how much earlier its first audio was ready than had the work
   * started at confirmation, from the prepared work's own timings: min(confirmation, first audio
   * prepared) - the prepared work's start, in milliseconds.
   */
  preemptiveSavedMs: 'turn.preemptive.saved_ms',
  /** On a voice turn: stage requests started by prepared replies that were thrown away. */
  preemptiveWastedRequests: 'turn.preemptive.wasted_requests',
  /** On a turn: why the user's turn was taken as finished (END_REASON). */
  turnEndReason: 'turn.end_reason',
  /** On the turn.end_of_speech event: the silence window in force (absent with push-to-talk). */
  vadSilenceMs: 'vad.silence_ms',
  /** On a turn that was interrupted: by what (INTERRUPTED_BY). */
  turnInterruptedBy: 'turn.interrupted_by',
  /**
   * On the interruption.* events: how long the user's sound over the reply was, in audio: the voice that
   * paused playback (detected), the voice that confirmed it or the whole sound whose words decided.
   */
  interruptionOverlapMs: 'interruption.overlap_ms',
  /** Where a turn's time went: milliseconds from the end of speech (or the text sent) to each phase. */
  phaseTranscriptMs: 'turn.phase.transcript_ms',
  phaseFirstTokenMs: 'turn.phase.first_token_ms',
  phaseFirstPhraseMs: 'turn.phase.first_phrase_ms',
  phaseFirstAudioSentMs: 'turn.phase.first_audio_sent_ms',
  phaseFirstAudioPlayingMs: 'turn.phase.first_audio_playing_ms',

  vadSpeechMs: 'vad.speech_duration_ms',
  vadModel: 'vad.model',
  sttAudioSeconds: 'stt.audio_seconds',
  ttfbMs: 'stage.time_to_first_byte_ms',
  /** How many messages the chat request carried (the conventions carry the messages themselves, opt-in). */
  chatMessageCount: 'voice_agent.chat.message_count',
  ttsCharacters: 'tts.characters',
  ttsAudioSeconds: 'tts.audio_seconds',
  /**
   * On-device engine speed, on the stage spans. A real-time factor is the engine's own processing time
   * divided by the audio's duration (below 1: faster than real time); tokens per second count the engine's
   * own evaluation time; prompt tokens are those it evaluated and those it reused from its context (cache).
   */
  sttRealTimeFactor: 'stt.real_time_factor',
  ttsRealTimeFactor: 'tts.real_time_factor',
  llmPromptTokensPerSecond: 'llm.prompt_tokens_per_second',
  llmOutputTokensPerSecond: 'llm.output_tokens_per_second',
  llmPromptTokensEvaluated: 'llm.prompt_tokens.evaluated',
  llmPromptTokensCached: 'llm.prompt_tokens.cached',
  /** On the model.load span: which model, for which stage and engine, its size, and where the file came from. */
  modelId: 'model.id',
  modelStage: 'model.stage',
  modelEngine: 'model.engine',
  modelFileSize: 'model.file.size_bytes',
  modelSource: 'model.source',
  contextMessages: 'context.messages',
  contextDropped: 'context.dropped_messages',
  contextTokens: 'context.estimated_tokens',

  sessionId: 'session.id',
  transportKind: 'transport.kind',
  framesIn: 'audio.frames_in',
  framesDropped: 'audio.frames_dropped',
  chunksOut: 'audio.chunks_out',
  messagesIn: 'transport.messages_in',
  messageErrors: 'transport.message_errors',
  vadQueueMax: 'vad.queue_depth_max',
  spansRefused: 'telemetry.spans_refused',

  captureFramesSent: 'audio.capture.frames_sent',
  captureSampleRate: 'audio.capture.sample_rate',
  playbackChunks: 'audio.playback.chunks',
  playbackPlayedMs: 'audio.playback.played_ms',
  playbackFlushed: 'audio.playback.flushed',
  /**
   * On audio.playback: what the audio output adds after a sample is handed to it, ms: the AudioContext's
   * outputLatency (the device and the system's mixer) plus its baseLatency (the context's own buffering).
   * Absent where the browser does not report outputLatency.
   */
  audioOutputLatencyMs: 'audio.output_latency_ms',
  /**
   * On audio.capture: what the input adds before a sample reaches the capture worklet, ms: the
   * microphone track's reported latency (MediaTrackSettings.latency) plus the capture AudioContext's
   * baseLatency. Absent where the browser does not report the track's latency.
   */
  audioInputLatencyMs: 'audio.input_latency_ms',
  processType: 'app.process',
} as const;

/**
 * Metric names and the attributes only metrics carry. The gen_ai.client.*
 * instruments are the GenAI conventions' (open-telemetry/semantic-conventions-genai,
 * status development); voice_agent.* are ours.
 */
export const METRIC = {
  operationDuration: 'gen_ai.client.operation.duration',
  tokenUsage: 'gen_ai.client.token.usage',
  timeToFirstChunk: 'gen_ai.client.operation.time_to_first_chunk',
  voiceToVoice: 'voice_agent.voice_to_voice.duration',
  turns: 'voice_agent.turns',
  /** Attributes. */
  tokenType: 'gen_ai.token.type',
  turnInput: 'turn.input',
  turnOutcome: 'turn.outcome',
  /** voice_agent.interruptions: the reply stopped, or resumed after a false interruption (INTERRUPTION_OUTCOME). */
  interruptions: 'voice_agent.interruptions',
  interruptionOutcome: 'interruption.outcome',
  /** voice_agent.preemptive.outcomes: one per voice turn, by `turn.preemptive.outcome`. */
  preemptiveOutcomes: 'voice_agent.preemptive.outcomes',
  preemptiveOutcome: 'turn.preemptive.outcome',
  /** From the end of the user's speech to the turn being taken as finished (voice turns, seconds). */
  endOfTurnDelay: 'voice_agent.end_of_turn.delay',
} as const;

/** `turn.end_reason`: the silence window elapsed, the push-to-talk key was released, or a message was typed. */
export const END_REASON = { silence: 'silence', pushToTalk: 'push_to_talk', text: 'text' } as const;
export type EndReason = (typeof END_REASON)[keyof typeof END_REASON];

/** `turn.interrupted_by`: the user's voice (or push-to-talk key), a typed message, or the conversation ending. */
export const INTERRUPTED_BY = { userSpeech: 'user_speech', newMessage: 'new_message', end: 'end' } as const;
export type InterruptedBy = (typeof INTERRUPTED_BY)[keyof typeof INTERRUPTED_BY];

/** `interruption.outcome` (voice_agent.interruptions): the reply stopped, or playback went on. */
export const INTERRUPTION_OUTCOME = { confirmed: 'confirmed', resumed: 'resumed' } as const;

/** `turn.preemptive.outcome`: the prepared reply became the turn, every one was thrown away, or none was prepared. */
export const PREEMPTIVE_OUTCOME = { used: 'used', discarded: 'discarded', none: 'none' } as const;
export type PreemptiveOutcome = (typeof PREEMPTIVE_OUTCOME)[keyof typeof PREEMPTIVE_OUTCOME];

export const EVENT = {
  speechStart: 'speech.start',
  speechStop: 'speech.stop',
  bargeIn: 'barge_in',
  /** A sound paused the reply but was not speech; playback resumed. */
  falseInterruption: 'false_interruption',
  /** The user paused: a reply is being prepared (at the moment speech stopped). */
  preemptiveStarted: 'preemptive.started',
  /** The user went on: the prepared reply's requests were aborted. */
  preemptiveCancelled: 'preemptive.cancelled',
  /** On the turn span: when the user stopped speaking (with vad.silence_ms). */
  endOfSpeech: 'turn.end_of_speech',
  /** On the turn span: when the user's turn was taken as finished (turn.end_reason says why). */
  turnConfirmed: 'turn.confirmed',
  /** The user spoke over the playing reply: playback paused until it is decided. */
  interruptionDetected: 'interruption.detected',
  /** ...it was the user taking the floor: the reply stops. */
  interruptionConfirmed: 'interruption.confirmed',
  /** ...it was not (a cough, a click): playback goes on. */
  interruptionResumed: 'interruption.resumed',
  firstAudio: 'first_audio_sent',
  playbackStarted: 'playback.started',
  connect: 'connect',
  disconnect: 'disconnect',
  messageError: 'message.error',
} as const;

/** `model.source`: a catalogue model the app downloaded, a file the user picked, or one shipped inside the app. */
export const MODEL_SOURCE = { download: 'download', userFile: 'user_file', bundled: 'bundled' } as const;
export type ModelSource = (typeof MODEL_SOURCE)[keyof typeof MODEL_SOURCE];

const HEX_TRACE = /^[0-9a-f]{32}$/;
const HEX_SPAN = /^[0-9a-f]{16}$/;
const HrTimeSchema = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative().max(999_999_999)]);
const AttributeValue = z.union([z.string().max(4_096), z.number(), z.boolean()]);
const Attributes = z.record(z.string().min(1).max(128), AttributeValue).refine((a) => Object.keys(a).length <= 64, 'too many attributes');

/** A finished renderer span, as sent to main for export. */
export const SerializedSpanSchema = z.strictObject({
  traceId: z.string().regex(HEX_TRACE),
  spanId: z.string().regex(HEX_SPAN),
  parentSpanId: z.string().regex(HEX_SPAN).optional(),
  traceFlags: z.number().int().min(0).max(255),
  name: z.string().min(1).max(128),
  kind: z.number().int().min(0).max(4),
  startTime: HrTimeSchema,
  endTime: HrTimeSchema,
  attributes: Attributes,
  events: z
    .array(z.strictObject({ name: z.string().min(1).max(128), time: HrTimeSchema, attributes: Attributes.optional() }))
    .max(32),
  status: z.strictObject({ code: z.number().int().min(0).max(2), message: z.string().max(1_024).optional() }),
});
export type SerializedSpan = z.infer<typeof SerializedSpanSchema>;

export const MAX_SPANS_PER_MESSAGE = 32;

export const TracingStateSchema = z.strictObject({
  enabled: z.boolean(),
  consoleExport: z.boolean(),
  captureContent: z.boolean(),
});
export type TracingState = z.infer<typeof TracingStateSchema>;
