/**
 * The model's side of a turn with tools: ask the model; when it asks for
 * tool calls, run them (tool-calls.ts), give it the results under the calls'
 * ids and ask again; until it answers without calls. At most
 * `MAX_TOOL_ROUNDS` steps offer tools; the request after that offers none,
 * so the model has to answer with what it has.
 */
import type { ChatMessage, ToolCallRequest } from './stages';
import type { ToolSpec } from '../tools/tool';
import { NO_TURN_TOOLS, runToolStep, type ToolCallResult, type TurnTools } from './tool-calls';
import type { StageEventSink } from './turn-events';

export const MAX_TOOL_ROUNDS = 5;

/** One model request: streams its text on and returns it with the calls it asked for. */
export type ModelStep = (messages: readonly ChatMessage[], tools: readonly ToolSpec[]) => Promise<{ text: string; calls: ToolCallRequest[] }>;

export interface ConverseOptions {
  signal: AbortSignal;
  emit: StageEventSink;
  sink: { toolsRunning?(names: readonly string[]): void; toolCalls?(calls: readonly ToolCallResult[]): void };
  /** Filled with every call's result as each step ends. */
  calls: ToolCallResult[];
}

export async function converse(messages: readonly ChatMessage[], turnTools: TurnTools = NO_TURN_TOOLS, step: ModelStep, options: ConverseOptions): Promise<void> {
  const { tools, callTimeoutMs, scope } = turnTools;
  const specs: ToolSpec[] = tools.map(({ name, description, parameters }) => ({ name, description, parameters }));
  let history = messages;
  for (let round = 0; ; round++) {
    const offered = round < MAX_TOOL_ROUNDS ? specs : [];
    const { text, calls } = await step(history, offered);
    // Calls to tools that were not offered (the last step offers none) are not run.
    if (calls.length === 0 || offered.length === 0) return;
    options.signal.throwIfAborted();
    let results: ToolCallResult[];
    try {
      results = await runToolStep(calls, tools, {
        signal: options.signal,
        timeoutMs: callTimeoutMs,
        emit: options.emit,
        ...(scope ? { scope } : {}),
        ...(options.sink.toolsRunning ? { onRunning: (names: readonly string[]) => options.sink.toolsRunning?.(names) } : {}),
      });
    } finally {
      options.sink.toolsRunning?.([]);
    }
    options.calls.push(...results);
    options.sink.toolCalls?.(options.calls);
    history = [...history, { role: 'assistant', content: text, toolCalls: calls }, ...results.map(toolMessage)];
  }
}

function toolMessage(result: ToolCallResult): ChatMessage {
  return { role: 'tool', content: result.text, toolCallId: result.call.id, toolName: result.call.name };
}
