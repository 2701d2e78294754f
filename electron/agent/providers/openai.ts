/**
 * Stage providers on the `openai` client: OpenAI itself, or any
 * OpenAI-compatible server by base URL (local whisper/TTS servers, Ollama,
 * LM Studio, llama.cpp). Without a key, no Authorization header is sent.
 */
import OpenAI, { toFile } from 'openai';
import { Deadline } from '../util/abort';
import { OPENAI_DEFAULT_BASE_URL, type EndpointConfig } from '../pipeline/pipeline-config';
import { StageError } from '../pipeline/stage-error';
import type { ChatMessage, LanguageModel, LanguageModelEvent, ServerAddress, SpeechToText, StageName, TextToSpeech, Transcript } from '../pipeline/stages';
import { encodeWav } from '../util/wav';
import type { ToolSpec } from '../tools/tool';
import { shorten } from '../util/network-errors';
import { classifyError } from './openai-errors';
import { ToolCallAssembler, refusesTools, wireMessages, wireTools } from './openai-tool-calls';

/** 429 and 5xx are retried once (honouring retry-after), then reported. */
const MAX_RETRIES = 1;

export function createClient(endpoint: EndpointConfig): OpenAI {
  return new OpenAI({
    apiKey: endpoint.apiKey ?? 'no-key',
    baseURL: endpoint.baseURL ?? OPENAI_DEFAULT_BASE_URL,
    maxRetries: MAX_RETRIES,
    // Deadlines are enforced per stage (see Deadline); this is a backstop.
    timeout: 120_000,
    ...(endpoint.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
  });
}

/**
 * The GenAI conventions' provider name: the OpenAI API's, also for a
 * compatible server (which one it is shows in `server.address`).
 */
export function providerName(_endpoint: EndpointConfig): string {
  return 'openai';
}

/** Host and port of the API server, as the conventions' `server.address` / `server.port`. */
export function serverAddress(baseURL: string): ServerAddress | undefined {
  try {
    const url = new URL(baseURL);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : NaN;
    return Number.isFinite(port) ? { address: url.hostname.replace(/^\[|\]$/g, ''), port } : undefined;
  } catch {
    return undefined; // not a URL: the request will fail with its own message
  }
}

/** What every OpenAI stage keeps of its endpoint, and how it reports a failure. */
abstract class OpenAIStage {
  readonly provider: string;
  readonly model: string;
  readonly server?: ServerAddress;
  protected readonly client: OpenAI;
  private readonly keySent: boolean;

  constructor(endpoint: EndpointConfig) {
    this.client = createClient(endpoint);
    this.keySent = Boolean(endpoint.apiKey);
    this.provider = providerName(endpoint);
    this.model = endpoint.model;
    const server = serverAddress(this.client.baseURL);
    if (server) this.server = server;
  }

  protected failure(stage: StageName, error: unknown, deadline: Deadline): StageError {
    return classifyError(error, { stage, model: this.model, baseURL: this.client.baseURL, timedOutAfterMs: deadline.timedOutAfterMs, keySent: this.keySent });
  }
}

export class OpenAISpeechToText extends OpenAIStage implements SpeechToText {
  constructor(endpoint: EndpointConfig, private readonly timeoutMs: number) {
    super(endpoint);
  }

  async transcribe(audio: Int16Array, sampleRate: number, signal: AbortSignal): Promise<Transcript> {
    const deadline = new Deadline(signal, this.timeoutMs);
    try {
      const file = await toFile(encodeWav(audio, sampleRate), 'speech.wav', { type: 'audio/wav' });
      const result = await this.client.audio.transcriptions.create({ file, model: this.model }, { signal: deadline.signal });
      const text = typeof result === 'string' ? result : (result.text ?? '');
      if (typeof text !== 'string') throw new StageError('stt', 'bad_response', 'Speech-to-text sent a reply without text.');
      return { text: text.trim() };
    } catch (error) {
      throw this.failure('stt', error, deadline);
    } finally {
      deadline.dispose();
    }
  }
}

export class OpenAILanguageModel extends OpenAIStage implements LanguageModel {
  /** Why the server refused tools, once it has: from then on none are offered. */
  private toolsRefused: string | null = null;

  constructor(
    endpoint: EndpointConfig,
    private readonly firstTokenMs: number,
    private readonly idleMs: number,
  ) {
    super(endpoint);
  }

  async *chat(messages: readonly ChatMessage[], signal: AbortSignal, tools?: readonly ToolSpec[]): AsyncIterable<LanguageModelEvent> {
    const deadline = new Deadline(signal, this.firstTokenMs);
    try {
      const offered = this.toolsRefused === null && tools?.length ? tools : undefined;
      const request = (withTools: readonly ToolSpec[] | undefined) =>
        this.client.chat.completions.create(
          {
            model: this.model,
            messages: wireMessages(messages),
            stream: true,
            stream_options: { include_usage: true },
            ...(withTools ? { tools: wireTools(withTools) } : {}),
          },
          { signal: deadline.signal },
        );
      let stream: Awaited<ReturnType<typeof request>>;
      try {
        stream = await request(offered);
      } catch (error) {
        const refusal = offered ? refusesTools(error) : null;
        if (refusal === null) throw error;
        // Tools off for this stage, said once; the turn goes on without them.
        this.toolsRefused = refusal;
        yield {
          type: 'tools_unsupported',
          message: `The language model "${this.model}" at ${this.client.baseURL} does not take tools (${shorten(refusal, 200)}), so tools are off for it until its settings change.`,
        };
        stream = await request(undefined);
      }
      const toolCalls = new ToolCallAssembler();
      let described = false;
      for await (const chunk of stream) {
        deadline.touch(this.idleMs);
        if (!described && (chunk.id || chunk.model)) {
          described = true;
          yield { type: 'response', ...(chunk.id ? { id: chunk.id } : {}), ...(chunk.model ? { model: chunk.model } : {}) };
        }
        const choice = chunk.choices?.[0];
        const text = choice?.delta?.content;
        if (text) yield { type: 'delta', text };
        if (choice?.delta?.tool_calls) toolCalls.push(choice.delta.tool_calls);
        if (choice?.finish_reason) {
          for (const call of toolCalls.calls()) yield { type: 'tool_call', call };
          toolCalls.clear();
          yield { type: 'response', finishReason: choice.finish_reason };
        }
        if (chunk.usage) yield usageEvent(chunk.usage);
      }
      if (deadline.signal.aborted) throw deadline.signal.reason;
      // A server that ends the stream without a finish reason: its calls are still whole.
      for (const call of toolCalls.calls()) yield { type: 'tool_call', call };
    } catch (error) {
      throw this.failure('llm', error, deadline);
    } finally {
      deadline.dispose();
    }
  }
}

function usageEvent(usage: OpenAI.CompletionUsage): LanguageModelEvent {
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return {
    type: 'usage',
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    ...(typeof cached === 'number' ? { cacheReadTokens: cached } : {}),
    ...(typeof reasoning === 'number' ? { reasoningTokens: reasoning } : {}),
  };
}

export class OpenAITextToSpeech extends OpenAIStage implements TextToSpeech {
  readonly voice: string;
  readonly sampleRate: number;

  constructor(
    endpoint: EndpointConfig & { voice: string; sampleRate: number },
    private readonly firstByteMs: number,
    private readonly idleMs: number,
  ) {
    super(endpoint);
    this.voice = endpoint.voice;
    this.sampleRate = endpoint.sampleRate;
  }

  async *synthesize(text: string, signal: AbortSignal): AsyncIterable<Int16Array> {
    const deadline = new Deadline(signal, this.firstByteMs);
    try {
      const response = await this.client.audio.speech.create(
        { model: this.model, voice: this.voice, input: text, response_format: 'pcm' },
        { signal: deadline.signal },
      );
      if (!response.body) throw new StageError('tts', 'bad_response', 'Text-to-speech sent no audio.');
      let carry: number | null = null; // odd byte left over from the previous chunk
      let total = 0;
      for await (const bytes of response.body as AsyncIterable<Uint8Array>) {
        deadline.touch(this.idleMs);
        const samples = toSamples(bytes, carry);
        carry = samples.carry;
        if (samples.pcm.length > 0) {
          total += samples.pcm.length;
          yield samples.pcm;
        }
      }
      if (deadline.signal.aborted) throw deadline.signal.reason;
      if (total === 0) throw new StageError('tts', 'bad_response', 'Text-to-speech sent an empty audio stream.');
    } catch (error) {
      throw this.failure('tts', error, deadline);
    } finally {
      deadline.dispose();
    }
  }
}

/** PCM16 little-endian bytes to samples, carrying an odd trailing byte over. */
export function toSamples(bytes: Uint8Array, carry: number | null): { pcm: Int16Array; carry: number | null } {
  const input = carry === null ? bytes : concatByte(carry, bytes);
  const count = Math.floor(input.length / 2);
  const pcm = new Int16Array(count);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  for (let i = 0; i < count; i++) pcm[i] = view.getInt16(i * 2, true);
  return { pcm, carry: input.length % 2 === 1 ? input[input.length - 1]! : null };
}

function concatByte(first: number, rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(rest.length + 1);
  out[0] = first;
  out.set(rest, 1);
  return out;
}
