/**
 * The GenAI conventions' view of one stage request: its span name, kind and
 * attributes, and its content (opt-in) as JSON in the conventions' message
 * schemas (`gen_ai.input.messages`, `gen_ai.output.messages`,
 * `gen_ai.system_instructions`: role, parts of type "text" with content,
 * finish_reason on output messages).
 *
 * Speech-to-text and text-to-speech follow the voice agents PROPOSAL
 * (operations `speech_to_text` / `text_to_speech`, `gen_ai.speech.voice`,
 * `gen_ai.output.type=speech`): the transcript is the STT span's output
 * message, the spoken sentence the TTS span's input message. Audio itself is
 * not recorded.
 */
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { ATTR, GEN_AI_OPERATION, stageSpanName, type GenAiOperation } from '../../../../shared/telemetry';
import type { ChatMessage, ToolCallRequest } from '../../pipeline/stages';
import type { StageEvent, StageKind } from '../../pipeline/turn-events';

type StageStarted = Extract<StageEvent, { type: 'stage.started' }>;
type StageEngine = Extract<StageEvent, { type: 'stage.engine' }>;

const OPERATION: Record<StageKind, GenAiOperation> = {
  stt: GEN_AI_OPERATION.speechToText,
  llm: GEN_AI_OPERATION.chat,
  tts: GEN_AI_OPERATION.textToSpeech,
};

/** The provider id of stages that run in this process. */
const ON_DEVICE = 'local';

export function operationOf(stage: StageKind): GenAiOperation {
  return OPERATION[stage];
}

export function stageSpanOptions(event: StageStarted): { name: string; kind: SpanKind } {
  // CLIENT for a call to a server; the conventions allow INTERNAL for a model in this process.
  return { name: stageSpanName(OPERATION[event.stage], event.model), kind: event.provider === ON_DEVICE ? SpanKind.INTERNAL : SpanKind.CLIENT };
}

/** The attributes known when the request starts (the conventions want these at span creation, for sampling). */
export function startAttributes(event: StageStarted, conversationId: string | undefined, captureContent: boolean): Attributes {
  const common: Attributes = {
    [ATTR.operationName]: OPERATION[event.stage],
    [ATTR.providerName]: event.provider,
    [ATTR.requestModel]: event.model,
    ...(event.server ? { [ATTR.serverAddress]: event.server.address, [ATTR.serverPort]: event.server.port } : {}),
    ...(conversationId ? { [ATTR.conversationId]: conversationId } : {}),
  };
  switch (event.stage) {
    case 'stt':
      return { ...common, [ATTR.outputType]: 'text', [ATTR.sttAudioSeconds]: event.audioSeconds };
    case 'llm':
      return {
        ...common,
        [ATTR.outputType]: 'text',
        [ATTR.requestStream]: true,
        ...(event.request?.maxTokens !== undefined ? { [ATTR.requestMaxTokens]: event.request.maxTokens } : {}),
        ...(event.request?.temperature !== undefined ? { [ATTR.requestTemperature]: event.request.temperature } : {}),
        [ATTR.chatMessageCount]: event.messages.length,
        ...(captureContent ? chatInput(event.messages) : {}),
        ...(captureContent && event.tools?.length ? { [ATTR.toolDefinitions]: toolDefinitions(event.tools) } : {}),
      };
    case 'tts':
      return {
        ...common,
        [ATTR.outputType]: 'speech',
        [ATTR.speechVoice]: event.voice,
        [ATTR.ttsCharacters]: event.text.length,
        ...(captureContent ? { [ATTR.inputMessages]: JSON.stringify([textMessage('user', event.text)]) } : {}),
      };
  }
}

/**
 * How fast an on-device engine ran a request: speech engines as a real-time
 * factor (processing time ÷ audio duration), a language model as prompt and
 * output tokens per second of its own evaluation time and the prompt tokens
 * it evaluated against those it reused. A figure that cannot be measured (a
 * prompt wholly reused, no audio) is left out rather than made up.
 */
export function engineAttributes(event: StageEngine): Attributes {
  if (event.stage === 'llm') {
    const promptRate = rate(event.promptTokensPerSecond);
    const outputRate = rate(event.outputTokensPerSecond);
    return {
      [ATTR.llmPromptTokensEvaluated]: event.promptTokensEvaluated,
      [ATTR.llmPromptTokensCached]: event.promptTokensCached,
      ...(promptRate !== null ? { [ATTR.llmPromptTokensPerSecond]: promptRate } : {}),
      ...(outputRate !== null ? { [ATTR.llmOutputTokensPerSecond]: outputRate } : {}),
    };
  }
  if (!(event.audioSeconds > 0) || !(event.processingMs >= 0) || !Number.isFinite(event.processingMs)) return {};
  const factor = significant(event.processingMs / 1000 / event.audioSeconds);
  return { [event.stage === 'stt' ? ATTR.sttRealTimeFactor : ATTR.ttsRealTimeFactor]: factor };
}

function rate(value: number | undefined): number | null {
  return value !== undefined && value > 0 && Number.isFinite(value) ? significant(value) : null;
}

/** Four significant digits: a fast engine's factor (0.0123) keeps its precision. */
function significant(value: number): number {
  return Number(value.toPrecision(4));
}

/** The system prompt as instructions, the rest of the conversation as input messages. */
function chatInput(messages: readonly ChatMessage[]): Attributes {
  const system = messages.filter((m) => m.role === 'system');
  const history = messages.filter((m) => m.role !== 'system');
  return {
    ...(system.length > 0 ? { [ATTR.systemInstructions]: JSON.stringify(system.map((m) => textPart(m.content))) } : {}),
    [ATTR.inputMessages]: JSON.stringify(history.map(messageOf)),
  };
}

/** The tools offered, as the conventions' definitions (type, name, description, parameters). */
function toolDefinitions(tools: NonNullable<Extract<StageStarted, { stage: 'llm' }>['tools']>): string {
  return JSON.stringify(tools.map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.parameters })));
}

/** The transcript or the reply (with the tool calls it asked for) as the conventions' output message. */
export function outputMessages(text: string, finishReason: string, toolCalls: readonly ToolCallRequest[] = []): string {
  const parts: MessagePart[] = [...(text || toolCalls.length === 0 ? [textPart(text)] : []), ...toolCalls.map(toolCallPart)];
  return JSON.stringify([{ role: 'assistant', parts, finish_reason: finishReason }]);
}

type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments: unknown }
  | { type: 'tool_call_response'; id: string; response: string };

function messageOf(message: ChatMessage): { role: string; parts: MessagePart[] } {
  if (message.role === 'tool') return { role: 'tool', parts: [{ type: 'tool_call_response', id: message.toolCallId, response: message.content }] };
  if (message.role === 'assistant' && message.toolCalls?.length)
    return { role: 'assistant', parts: [...(message.content ? [textPart(message.content)] : []), ...message.toolCalls.map(toolCallPart)] };
  return textMessage(message.role, message.content);
}

/** The conventions want the arguments as an object when they are one; text the model wrote that is not JSON stays text. */
function toolCallPart(call: ToolCallRequest): MessagePart {
  let args: unknown = call.arguments;
  try {
    args = call.arguments.trim() ? JSON.parse(call.arguments) : {};
  } catch {
    // kept as written
  }
  return { type: 'tool_call', id: call.id, name: call.name, arguments: args };
}

function textMessage(role: ChatMessage['role'], content: string): { role: string; parts: MessagePart[] } {
  return { role, parts: [textPart(content)] };
}

function textPart(content: string): { type: 'text'; content: string } {
  return { type: 'text', content };
}
