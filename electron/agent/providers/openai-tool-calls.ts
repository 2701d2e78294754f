/**
 * Tool calling on the OpenAI chat wire format: our messages and tool specs
 * as the API's, tool-call deltas (a call's id and name in one chunk, its
 * argument text spread over many, several calls told apart by `index`)
 * put back together, and which refusals mean "this server or model takes no
 * tools".
 */
import { APIError, type OpenAI } from 'openai';
import type { ChatMessage, ToolCallRequest } from '../pipeline/stages';
import type { ToolSpec } from '../tools/tool';

type WireMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type WireTool = OpenAI.Chat.Completions.ChatCompletionTool;
type ToolCallDelta = OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall;

export function wireMessages(messages: readonly ChatMessage[]): WireMessage[] {
  return messages.map((m): WireMessage => {
    switch (m.role) {
      case 'tool':
        return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
      case 'assistant':
        return m.toolCalls?.length
          ? {
              role: 'assistant',
              content: m.content || null,
              tool_calls: m.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
            }
          : { role: 'assistant', content: m.content };
      default:
        return { role: m.role, content: m.content };
    }
  });
}

export function wireTools(tools: readonly ToolSpec[]): WireTool[] {
  return tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));
}

/** Collects streamed tool-call deltas by index; `calls()` gives the complete calls in order. */
export class ToolCallAssembler {
  private readonly parts = new Map<number, { id: string; name: string; arguments: string }>();

  push(deltas: readonly ToolCallDelta[]): void {
    for (const delta of deltas) {
      const part = this.parts.get(delta.index) ?? { id: '', name: '', arguments: '' };
      if (delta.id) part.id = delta.id;
      if (delta.function?.name) part.name += delta.function.name;
      if (delta.function?.arguments) part.arguments += delta.function.arguments;
      this.parts.set(delta.index, part);
    }
  }

  clear(): void {
    this.parts.clear();
  }

  /** Calls in index order; one the server sent without an id gets one, so its result can be matched. */
  calls(): ToolCallRequest[] {
    return [...this.parts.entries()]
      .sort(([a], [b]) => a - b)
      .filter(([, part]) => part.name)
      .map(([index, part]) => ({ id: part.id || `call_${index}`, name: part.name, arguments: part.arguments }));
  }
}

/**
 * Whether a refused request was refused for its tools: a client error or a
 * server error whose message speaks of tools or functions (Ollama: "does not
 * support tools"; vLLM: "auto tool choice requires ..."; llama.cpp's server:
 * "tools param requires --jinja flag").
 */
export function refusesTools(error: unknown): string | null {
  if (!(error instanceof APIError) || error.status === undefined) return null;
  if (error.status === 401 || error.status === 403 || error.status === 404 || error.status === 429) return null;
  if (error.status < 400 || error.status > 500) return null;
  return /\btools?\b|function/i.test(error.message) ? error.message : null;
}
