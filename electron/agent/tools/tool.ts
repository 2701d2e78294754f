/**
 * A tool the language model may call during a turn: a built-in one or one
 * served by an MCP server. The pipeline sees only this interface; where a
 * tool comes from is the provider's business.
 */

/** What the model is told about a tool (the JSON Schema of its arguments included). */
export interface ToolSpec {
  /** Unique within one turn's tool set: the name the model calls it by. */
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly parameters: Record<string, unknown>;
}

/** Where a tool runs, as the GenAI conventions' `gen_ai.tool.type` says it. */
export type ToolType = 'function' | 'extension' | 'datastore';

/** The outcome of one call, as text for the model. `isError` marks a tool-reported failure. */
export interface ToolOutcome {
  readonly text: string;
  readonly isError?: boolean;
}

export interface ToolCallContext {
  /** The call's id as the model gave it. */
  readonly callId: string;
  /** Fires on barge-in, End, a new message or the call's deadline. */
  readonly signal: AbortSignal;
  /** The call's deadline from its start (the signal fires then too); for tools that pass it on, such as MCP requests. */
  readonly timeoutMs?: number;
}

export interface Tool extends ToolSpec {
  readonly type: ToolType;
  /** Who offers it, for people: "built-in" or the MCP server's name. */
  readonly source: string;
  /** Its name for people when that is not `name` (an MCP tool's own name, without its server's prefix). */
  readonly displayName?: string;
  /** Runs the call. Rejects (or returns `isError`) on failure; must stop promptly on abort. */
  call(args: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutcome>;
}

/** The tools available to the next turn (enabled ones only). */
export interface ToolProvider {
  tools(): readonly Tool[];
}

export const noTools: ToolProvider = { tools: () => [] };
