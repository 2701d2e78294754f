/**
 * The pipeline's stages as small interfaces. A provider implements one stage;
 * one provider is chosen per stage. Every call takes the turn's AbortSignal
 * and must stop promptly (cancelling its HTTP request) when it fires.
 */
import type { ModelSource } from '../../../shared/telemetry';
import type { ToolSpec } from '../tools/tool';

export type StageName = 'vad' | 'stt' | 'llm' | 'tts';

export interface StageInfo {
  /** Provider id: "openai" (also any OpenAI-compatible server) or "local" (this computer). */
  readonly provider: string;
  readonly model: string;
  /** The API server a remote provider calls (absent for on-device stages). */
  readonly server?: ServerAddress;
  /** Frees what the provider holds (a model in memory); called when it is replaced. */
  dispose?(): Promise<void>;
}

export interface ServerAddress {
  address: string;
  port: number;
}

export interface Transcript {
  text: string;
  /** The spoken language, when the engine reports or was told it. */
  language?: string;
  /** On-device engines: how long the engine itself worked on it (not waiting for another request or loading the model). */
  processingMs?: number;
}

export interface SpeechToText extends StageInfo {
  /** Transcribes one utterance (PCM16 mono). */
  transcribe(audio: Int16Array, sampleRate: number, signal: AbortSignal): Promise<Transcript>;
}

/** A tool call as the model asked for it: `arguments` is the JSON text it wrote. */
export interface ToolCallRequest {
  id: string;
  name: string;
  arguments: string;
}

/**
 * One message of the conversation as a model sees it. Within a turn, an
 * assistant message may carry the tool calls it asked for, and each call's
 * result follows as a `tool` message naming the call's id.
 */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: readonly ToolCallRequest[] }
  | { role: 'tool'; content: string; toolCallId: string; toolName: string };

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's cache, when it reports them. */
  cacheReadTokens?: number;
  /** Output tokens spent on reasoning, when the provider reports them. */
  reasoningTokens?: number;
}

/** What the provider said about its response, as far as it said it. */
export interface ResponseInfo {
  id?: string;
  model?: string;
  finishReason?: string;
}

/** How an on-device language model ran one request: the prompt it evaluated or reused, and its own speed. */
export interface ChatEngineTiming {
  /** Prompt tokens the engine evaluated for this request. */
  promptTokensEvaluated: number;
  /** Prompt tokens already in its context from the previous request, reused without evaluating them. */
  promptTokensCached: number;
  /** Prompt tokens evaluated per second of evaluating them (absent when none had to be). */
  promptTokensPerSecond?: number;
  /** Tokens generated per second of generating them, after the prompt (absent when none were). */
  outputTokensPerSecond?: number;
}

/** What a synthesizing engine on this computer reports when a request is done: its own processing time. */
export type SynthesisTimingSink = (timing: { processingMs: number }) => void;

export type LanguageModelEvent =
  | { type: 'delta'; text: string }
  | ({ type: 'usage' } & TokenUsage)
  | ({ type: 'response' } & ResponseInfo)
  /** A complete tool call (its argument text whole, however it was streamed). */
  | { type: 'tool_call'; call: ToolCallRequest }
  /** On-device engines, once the reply is complete: how fast the engine ran. */
  | ({ type: 'engine' } & ChatEngineTiming)
  /**
   * The server or model refused the tools: the provider answered without
   * them and offers none from now on; `message` says so, for the user, once.
   */
  | { type: 'tools_unsupported'; message: string };

/** Request settings a model is called with, when they are set. */
export interface ChatRequestSettings {
  maxTokens?: number;
  temperature?: number;
}

export interface LanguageModel extends StageInfo {
  readonly request?: ChatRequestSettings;
  /**
   * Streams the reply to `messages` as text deltas (and token usage when
   * known); with `tools`, the model may instead (or after some text) ask for
   * tool calls, each reported whole as a `tool_call` event.
   */
  chat(messages: readonly ChatMessage[], signal: AbortSignal, tools?: readonly ToolSpec[]): AsyncIterable<LanguageModelEvent>;
}

export interface TextToSpeech extends StageInfo {
  readonly voice: string;
  /** Sample rate of the PCM16 mono audio that `synthesize` yields. */
  readonly sampleRate: number;
  /** Streams the audio of `text` as it is produced; an on-device engine reports its processing time to `timing` when it is done. */
  synthesize(text: string, signal: AbortSignal, timing?: SynthesisTimingSink): AsyncIterable<Int16Array>;
}

/** Classifies 20 ms frames of 16 kHz PCM16 as speech or not, in order. */
export interface VoiceActivity {
  readonly name: string;
  isSpeech(frame: Int16Array): Promise<boolean>;
  /** Forgets the stream so far (a new conversation). */
  reset(): void;
  dispose(): Promise<void>;
}

/** An on-device engine loading its model: what, for which stage, how big, and where the file came from. */
export interface ModelLoadInfo {
  stage: StageName;
  /** The engine: "whisper.cpp", "llama.cpp", "flite", "silero". */
  engine: string;
  /** The model's id: its file name, or the engine's own name for a model built in. */
  model: string;
  source: ModelSource;
  sizeBytes?: number;
}

/**
 * Told when an engine starts loading a model; the function it returns is
 * called when the load ends, with the error when it failed.
 */
export type ModelLoadObserver = (load: ModelLoadInfo) => (error?: Error) => void;
