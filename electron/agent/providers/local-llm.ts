/**
 * A language model that runs in this process: a GGUF model file on llama.cpp
 * through node-llama-cpp, on the CPU, with no network and no API key.
 *
 * The model is loaded on the first turn (or by `load()`), once, and reused by
 * every turn until `dispose()`. Each turn sends the whole conversation; the
 * model's own chat template (picked by node-llama-cpp from the file's
 * metadata) turns it into a prompt, and the part of the prompt already in the
 * context from the previous turn is not evaluated again. llama.cpp runs on its
 * own threads: the event loop stays free while the model thinks.
 *
 * Turns run one at a time. An aborted turn ends at once for its caller; the
 * next turn waits until the generation has actually stopped (one token at
 * most) before it uses the context.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, ChatModelResponse, GbnfJsonSchema, Llama, LlamaChat, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { MODEL_SOURCE, type ModelSource } from '../../../shared/telemetry';
import { AsyncQueue } from '../util/async-queue';
import { errorMessage, shorten } from '../util/network-errors';
import { untilAborted } from '../util/abort';
import { STAGE_LABEL, StageError } from '../pipeline/stage-error';
import type { ChatEngineTiming, ChatMessage, LanguageModel, LanguageModelEvent, ModelLoadObserver, ToolCallRequest } from '../pipeline/stages';
import type { ToolSpec } from '../tools/tool';

export interface LocalLanguageModelOptions {
  /** Path of a GGUF model file. */
  modelPath: string;
  /** CPU threads for inference. Defaults to one less than the cores, at most 4. */
  threads?: number;
  /** Context window in tokens (prompt and reply). Defaults to 4096, or the model's own if smaller. */
  contextSize?: number;
  /** Longest reply, in tokens. Defaults to 512. */
  maxTokens?: number;
  /** Sampling temperature; 0 is greedy (always the most likely token). Defaults to 0.7. */
  temperature?: number;
  /** Sampling seed, for reproducible replies at a temperature above 0. */
  seed?: number;
  /** Prompt tokens evaluated per step; an abort while the prompt is read waits for the current step. Defaults to 128. */
  batchSize?: number;
  /** Where the model file came from (for its load's span). Default: a file the user gave. */
  source?: ModelSource;
  /** Told of each load of the model. */
  onModelLoad?: ModelLoadObserver;
}

const DEFAULT_CONTEXT_SIZE = 4096;
const DEFAULT_MAX_TOKENS = 512;
const DEFAULT_TEMPERATURE = 0.7;
const DEFAULT_BATCH_SIZE = 128;

/** Part of the context kept free for the reply: a conversation that leaves less is refused. */
function replyReserve(contextSize: number): number {
  return Math.max(16, Math.floor(contextSize / 10));
}

/** One llama.cpp binding per process, shared by every model. */
let sharedLlama: Promise<Llama> | null = null;
/** llama.cpp's latest error lines, which say why a model file failed to load. */
const llamaErrors: string[] = [];

function llamaRuntime(): Promise<Llama> {
  sharedLlama ??= import('node-llama-cpp')
    .then(({ getLlama, Llama: LlamaClass }) =>
      // The prebuilt CPU binary only: never a GPU probe, a download or a build.
      getLlama({
        gpu: false,
        build: 'never',
        usePrebuiltBinaries: true,
        skipDownload: true,
        progressLogs: false,
        logger: (level, message) => {
          if (level === 'error' || level === 'fatal') {
            llamaErrors.push(message.trim());
            if (llamaErrors.length > 4) llamaErrors.shift();
          }
          LlamaClass.defaultConsoleLogger(level, message);
        },
      }),
    )
    .catch((error: unknown) => {
      sharedLlama = null;
      throw error;
    });
  return sharedLlama;
}

interface Loaded {
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  chat: LlamaChat;
}

export class LocalLanguageModel implements LanguageModel {
  readonly provider = 'local';
  readonly model: string;
  readonly request: { maxTokens: number; temperature: number };
  private readonly modelPath: string;
  private readonly threads: number;
  private readonly contextSize: number | undefined;
  private readonly maxTokens: number;
  private readonly temperature: number;
  private readonly seed: number | undefined;
  private readonly batchSize: number;
  private readonly source: ModelSource;
  private readonly onModelLoad: ModelLoadObserver | undefined;
  private loading: Promise<Loaded> | null = null;
  /** Settles when the running turn's generation has stopped. */
  private turnDone: Promise<void> = Promise.resolve();
  /** Turns running or waiting for the one before, so that dispose() can stop them. */
  private readonly turns = new Set<AbortController>();
  /** Numbers the tool calls (llama.cpp gives them no ids), so that each result finds its call. */
  private callCount = 0;

  constructor(options: LocalLanguageModelOptions) {
    this.modelPath = options.modelPath;
    this.model = basename(options.modelPath);
    this.threads = options.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
    this.contextSize = options.contextSize;
    this.maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
    this.request = { maxTokens: this.maxTokens, temperature: options.temperature ?? DEFAULT_TEMPERATURE };
    this.temperature = options.temperature ?? DEFAULT_TEMPERATURE;
    this.seed = options.seed;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.source = options.source ?? MODEL_SOURCE.userFile;
    this.onModelLoad = options.onModelLoad;
  }

  /** Whether the model is in memory (or being loaded). */
  get isLoaded(): boolean {
    return this.loading !== null;
  }

  /** Loads the model now rather than on the first turn. */
  async load(): Promise<void> {
    await this.loaded();
  }

  async *chat(messages: readonly ChatMessage[], signal: AbortSignal, tools?: readonly ToolSpec[]): AsyncIterable<LanguageModelEvent> {
    // Aborted by the caller, by the consumer leaving early, or by dispose().
    const turn = new AbortController();
    const forward = () => turn.abort(signal.reason);
    if (signal.aborted) forward();
    signal.addEventListener('abort', forward, { once: true });
    this.turns.add(turn);
    let finished: () => void = () => undefined;
    const previous = this.turnDone;
    this.turnDone = new Promise<void>((resolve) => (finished = resolve));
    let generation: Promise<void> | null = null;
    try {
      await untilAborted(previous, turn.signal);
      const loaded = await untilAborted(this.loaded(), turn.signal);
      const history = toHistory(messages);
      const functions = tools?.length ? toFunctions(tools) : undefined;
      const contextSize = loaded.context.contextSize;
      const reserve = replyReserve(contextSize);
      const prompt = loaded.chat.chatWrapper
        .generateContextState({ chatHistory: history, ...(functions ? { availableFunctions: functions } : {}) })
        .contextText.tokenize(loaded.model.tokenizer);
      const inputTokens = prompt.length;
      if (inputTokens > contextSize - reserve)
        throw new StageError(
          'llm',
          'bad_request',
          `The conversation (${inputTokens} tokens) does not fit the local model's context of ${contextSize} tokens with room for a reply. Start a new conversation, or allow fewer history tokens or a larger context size.`,
        );
      const outputBefore = loaded.sequence.tokenMeter.usedOutputTokens;
      const speed = { cached: 0, prefilled: 0, prefillMs: 0, generationStarted: 0, generationMs: 0 };
      const chunks = new AsyncQueue<string>();
      let finishReason = 'stop';
      let calls: ToolCallRequest[] = [];
      const stop = () => chunks.fail(turn.signal.reason);
      turn.signal.addEventListener('abort', stop, { once: true });
      generation = this.prefill(loaded.sequence, prompt, turn.signal, speed)
        .then(() => {
          speed.generationStarted = performance.now();
          return loaded.chat.generateResponse(history, {
            signal: turn.signal,
            maxTokens: Math.min(this.maxTokens, contextSize - inputTokens - 1),
            temperature: this.temperature,
            ...(this.seed === undefined ? {} : { seed: this.seed }),
            // Matches the check above, so the history is never cut silently.
            contextShift: { size: reserve },
            ...(functions ? { functions, maxParallelFunctionCalls: 4 } : {}),
            onTextChunk: (text) => {
              if (text) chunks.push(text);
            },
          });
        })
        .then(
          (response) => {
            speed.generationMs = performance.now() - speed.generationStarted;
            // In the conventions' terms: cut at the token limit is "length", any other end "stop".
            if (response.metadata.stopReason === 'maxTokens') finishReason = 'length';
            if (response.functionCalls?.length) {
              finishReason = 'tool_calls';
              calls = response.functionCalls.map((call) => ({ id: `call_${++this.callCount}`, name: call.functionName, arguments: JSON.stringify(call.params ?? {}) }));
            }
            chunks.end();
          },
          (error: unknown) => chunks.fail(error),
        )
        .finally(() => turn.signal.removeEventListener('abort', stop));
      for await (const text of chunks) yield { type: 'delta', text };
      for (const call of calls) yield { type: 'tool_call', call };
      yield { type: 'response', finishReason };
      const outputTokens = loaded.sequence.tokenMeter.usedOutputTokens - outputBefore;
      yield { type: 'usage', inputTokens, outputTokens };
      yield { type: 'engine', ...chatEngineTiming(inputTokens, outputTokens, speed) };
    } catch (error) {
      throw this.classify(error, turn.signal);
    } finally {
      signal.removeEventListener('abort', forward);
      this.turns.delete(turn);
      turn.abort(new Error('turn finished'));
      void Promise.all([previous, generation]).then(finished, finished);
    }
  }

  /** Stops any running turn and unloads the model. A later turn loads it again. */
  async dispose(): Promise<void> {
    for (const turn of this.turns) turn.abort(new Error('the language model was disposed'));
    await this.turnDone;
    const loading = this.loading;
    this.loading = null;
    if (!loading) return;
    const loaded = await loading.catch(() => null);
    if (!loaded) return;
    loaded.chat.dispose();
    await loaded.context.dispose();
    await loaded.model.dispose();
  }

  private loaded(): Promise<Loaded> {
    this.loading ??= this.open().catch((error: unknown) => {
      this.loading = null;
      throw error;
    });
    return this.loading;
  }

  private async open(): Promise<Loaded> {
    if (!this.modelPath.trim()) throw new StageError('llm', 'not_configured', 'No local model file is set: choose a GGUF model file for the local language model.');
    const file = await stat(this.modelPath).catch(() => null);
    if (!file?.isFile()) throw new StageError('llm', 'not_found', `The local model file was not found: ${this.modelPath}. Check the model path.`);
    const loaded = this.onModelLoad?.({ stage: 'llm', engine: 'llama.cpp', model: this.model, source: this.source, sizeBytes: file.size });
    try {
      const opened = await this.openFile();
      loaded?.();
      return opened;
    } catch (error) {
      loaded?.(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  /** The runtime, the model, its context and chat, for a file that exists. */
  private async openFile(): Promise<Loaded> {
    let llama: Llama;
    try {
      llama = await llamaRuntime();
    } catch (error) {
      throw new StageError('llm', 'not_configured', `The local language model cannot run on this computer (${process.platform}-${process.arch}): ${shorten(errorMessage(error), 200)}.`, { cause: error });
    }
    let model: LlamaModel;
    llamaErrors.length = 0;
    try {
      model = await llama.loadModel({ modelPath: this.modelPath });
    } catch (error) {
      // llama.cpp's log lines arrive on a later tick than the failure.
      await new Promise((resolve) => setImmediate(resolve));
      const detail = [shorten(errorMessage(error), 200), ...llamaErrors.filter((line) => !/failed to load model/i.test(line))].join(': ');
      throw new StageError('llm', 'bad_request', `The local model file ${this.model} could not be loaded; is it a complete GGUF model? (${detail})`, { cause: error });
    }
    try {
      const contextSize = Math.min(this.contextSize ?? DEFAULT_CONTEXT_SIZE, model.trainContextSize || DEFAULT_CONTEXT_SIZE);
      const context = await model.createContext({ contextSize, threads: this.threads, batchSize: Math.min(this.batchSize, contextSize) });
      const sequence = context.getSequence();
      const { LlamaChat } = await import('node-llama-cpp');
      return { model, context, sequence, chat: new LlamaChat({ contextSequence: sequence }) };
    } catch (error) {
      await model.dispose();
      throw new StageError('llm', 'bad_request', `The local model ${this.model} loaded, but no context could be made for it: ${shorten(errorMessage(error), 200)}.`, { cause: error });
    }
  }

  /**
   * Evaluates the part of the prompt not yet in the context, a batch at a
   * time, stopping between batches on abort (llama.cpp cannot be stopped
   * within one). The generation then finds the prompt in place; the last
   * token is left for it, as a generation starts by evaluating one.
   */
  private async prefill(sequence: LlamaContextSequence, prompt: readonly Token[], signal: AbortSignal, speed: PromptSpeed): Promise<void> {
    const tokens = prompt.slice(0, -1);
    await sequence.adaptStateToTokens(tokens, false);
    // What the previous request left in the context and this prompt begins with: reused, not evaluated.
    speed.cached = Math.min(sequence.nextTokenIndex, tokens.length);
    const started = performance.now();
    for (let start = sequence.nextTokenIndex; start < tokens.length; start = sequence.nextTokenIndex) {
      signal.throwIfAborted();
      await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(start, start + this.batchSize));
    }
    speed.prefilled = tokens.length - speed.cached;
    speed.prefillMs = performance.now() - started;
  }

  private classify(error: unknown, signal: AbortSignal): StageError {
    if (error instanceof StageError) return error;
    if (signal.aborted) return new StageError('llm', 'cancelled', `${STAGE_LABEL.llm} was cancelled.`, { cause: error });
    return new StageError('llm', 'bad_response', `The local language model (${this.model}) failed: ${shorten(errorMessage(error), 200)}.`, { cause: error });
  }
}

/** What one request's prefill and generation measured. */
interface PromptSpeed {
  /** Prompt tokens found in the context, and those the prefill evaluated, in `prefillMs`. */
  cached: number;
  prefilled: number;
  prefillMs: number;
  generationStarted: number;
  generationMs: number;
}

/**
 * The engine's speed on one request. The prompt's last token is evaluated by
 * the generation, with the first output token, so it counts as evaluated but
 * the prompt rate is taken over the prefill's tokens and time alone.
 */
function chatEngineTiming(promptTokens: number, outputTokens: number, speed: PromptSpeed): ChatEngineTiming {
  const promptTokensCached = Math.min(speed.cached, promptTokens);
  return {
    promptTokensEvaluated: promptTokens - promptTokensCached,
    promptTokensCached,
    ...(speed.prefilled > 0 && speed.prefillMs > 0 ? { promptTokensPerSecond: (speed.prefilled * 1000) / speed.prefillMs } : {}),
    ...(outputTokens > 0 && speed.generationMs > 0 ? { outputTokensPerSecond: (outputTokens * 1000) / speed.generationMs } : {}),
  };
}

/**
 * Our messages as node-llama-cpp's chat history. A reply's tool calls and
 * their results belong to the model's response they were made in: the
 * assistant messages of a tool step and the tool messages after them become
 * one model item, the one the generation goes on with.
 */
export function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  let open: ChatModelResponse | null = null;
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'user') {
      history.push(m.role === 'system' ? { type: 'system', text: m.content } : { type: 'user', text: m.content });
      open = null;
      continue;
    }
    if (m.role === 'tool') {
      const call = open?.response.find((part): part is ChatModelFunctionCall => typeof part === 'object' && part.type === 'functionCall' && callIds.get(part) === m.toolCallId);
      if (call) call.result = m.content;
      continue;
    }
    if (!open) {
      open = { type: 'model', response: [] };
      history.push(open);
    }
    const toolCalls = m.role === 'assistant' ? (m.toolCalls ?? []) : [];
    if (m.content) open.response.push(m.content);
    for (const [index, call] of toolCalls.entries()) {
      const part: ChatModelFunctionCall = { type: 'functionCall', name: call.name, params: parseParams(call.arguments), result: null, ...(index === 0 ? { startsNewChunk: true } : {}) };
      callIds.set(part, call.id);
      open.response.push(part);
    }
    // A plain reply closes the model's turn; one that called tools goes on with their results.
    if (toolCalls.length === 0) open = null;
  }
  // The reply to generate: a new one, or the one waiting for its tools' results.
  if (!open) history.push({ type: 'model', response: [] });
  return history;
}

/** Which call of ours each function call part is (the history type has no id). */
const callIds = new WeakMap<ChatModelFunctionCall, string>();

function parseParams(text: string): unknown {
  try {
    return text.trim() ? JSON.parse(text) : {};
  } catch {
    return text;
  }
}

/** The tools as node-llama-cpp's functions; the JSON Schema of the arguments becomes the grammar the model writes them in. */
function toFunctions(tools: readonly ToolSpec[]): ChatModelFunctions {
  return Object.fromEntries(tools.map((tool) => [tool.name, { description: tool.description, params: tool.parameters as GbnfJsonSchema }]));
}
