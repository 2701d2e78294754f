/**
 * Runs the tool calls of one model step: all of them at once, each under the
 * turn's signal and its own deadline. Whatever happens to a call (the tool
 * fails, times out, reports an error, does not exist, gets arguments that
 * are not a JSON object) becomes its result text, so the model can say what
 * went wrong and the turn goes on. Only the turn itself stopping (barge-in,
 * End, a new message) ends the step early: running calls are aborted and the
 * step rejects with the turn's reason.
 *
 * Each call is reported as `tool.started` / `tool.ended` events; calls still
 * running after `slowAfterMs` are named to `onRunning` (the status line's
 * "Using get-weather…"), and again when the set changes.
 */
import type { Tool, ToolType } from '../tools/tool';
import { formatSeconds } from '../util/network-errors';
import { abortReason, untilAborted } from '../util/abort';
import type { ToolCallRequest } from './stages';
import { eventTime, type StageEventSink, type ToolCallOutcome } from './turn-events';

/** The tools a turn may call, and how long each call may take. */
export interface TurnTools {
  readonly tools: readonly Tool[];
  readonly callTimeoutMs: number;
  /** Runs each call inside its own scope (an observer makes the call's span the active one). */
  readonly scope?: ToolScope;
}

/** Runs one call's work inside the call's scope, right after its `tool.started` event. */
export type ToolScope = <T>(callId: string, run: () => Promise<T>) => Promise<T>;

export const NO_TURN_TOOLS: TurnTools = { tools: [], callTimeoutMs: 30_000 };

export interface ToolCallResult {
  readonly call: ToolCallRequest;
  /** The tool that ran it (absent for an unknown name). */
  readonly tool?: Tool;
  readonly outcome: ToolCallOutcome;
  /** What the model gets back. */
  readonly text: string;
  readonly ms: number;
}

export interface ToolStepOptions {
  signal: AbortSignal;
  timeoutMs: number;
  emit: StageEventSink;
  scope?: ToolScope;
  /** Calls running longer than `slowAfterMs`, by tool name; empty when none is. */
  onRunning?: (names: readonly string[]) => void;
  slowAfterMs?: number;
}

/** A call running longer than this is named in the status. */
export const SLOW_TOOL_MS = 1_000;

/** Runs the calls concurrently; the results come in the calls' order. */
export async function runToolStep(calls: readonly ToolCallRequest[], tools: readonly Tool[], options: ToolStepOptions): Promise<ToolCallResult[]> {
  const { signal } = options;
  signal.throwIfAborted();
  const slow = new Set<string>();
  const running = new Map<string, string>();
  const report = () => options.onRunning?.([...new Set([...slow].map((id) => running.get(id)!).filter(Boolean))]);
  const timer = setTimeout(() => {
    for (const id of running.keys()) slow.add(id);
    if (slow.size) report();
  }, options.slowAfterMs ?? SLOW_TOOL_MS);
  timer.unref?.();
  try {
    const results = await Promise.all(
      calls.map(async (call) => {
        running.set(call.id, call.name);
        try {
          return await runToolCall(call, tools, options);
        } finally {
          running.delete(call.id);
          if (slow.delete(call.id)) report();
        }
      }),
    );
    signal.throwIfAborted();
    return results;
  } finally {
    clearTimeout(timer);
  }
}

/** One call, start to end event; never rejects unless the turn stopped. */
async function runToolCall(call: ToolCallRequest, tools: readonly Tool[], { signal, timeoutMs, emit, scope }: ToolStepOptions): Promise<ToolCallResult> {
  const tool = tools.find((t) => t.name === call.name);
  const startedAt = eventTime();
  emit({
    type: 'tool.started',
    at: startedAt,
    callId: call.id,
    name: call.name,
    toolType: tool?.type ?? FUNCTION,
    ...(tool ? { source: tool.source } : {}),
    arguments: call.arguments,
  });
  const deadline = new AbortController();
  const onTurnAbort = () => deadline.abort(signal.reason);
  signal.addEventListener('abort', onTurnAbort, { once: true });
  const timer = setTimeout(() => deadline.abort(new ToolTimeout(timeoutMs)), timeoutMs);
  timer.unref?.();
  let outcome: ToolCallOutcome;
  let text: string;
  let error: Error | undefined;
  try {
    if (!tool) {
      outcome = 'unknown_tool';
      text = `Error: there is no tool named "${call.name}". Available tools: ${tools.map((t) => t.name).join(', ') || 'none'}.`;
    } else {
      const args = parseArguments(call.arguments);
      if (typeof args === 'string') {
        outcome = 'bad_arguments';
        text = `Error: the arguments of ${call.name} ${args}.`;
      } else {
        // A tool that ignores its signal must still not hold the turn: the wait ends when the signal fires.
        const run = () => tool.call(args, { callId: call.id, signal: deadline.signal, timeoutMs });
        const running = Promise.resolve().then(() => (scope ? scope(call.id, run) : run()));
        const result = await untilAborted(running, deadline.signal);
        outcome = result.isError ? 'tool_error' : 'ok';
        text = result.isError ? `Error: ${result.text}` : result.text;
      }
    }
  } catch (caught) {
    error = caught instanceof Error ? caught : new Error(String(caught));
    if (signal.aborted) outcome = 'cancelled';
    else if (deadline.signal.reason instanceof ToolTimeout) outcome = 'timeout';
    else outcome = 'failed';
    text =
      outcome === 'timeout'
        ? `Error: ${call.name} did not answer within ${formatSeconds(timeoutMs)} and was stopped.`
        : outcome === 'cancelled'
          ? `Error: ${call.name} was cancelled.`
          : `Error: ${call.name} failed: ${error.message}`;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onTurnAbort);
  }
  const endedAt = eventTime();
  emit({
    type: 'tool.ended',
    at: endedAt,
    callId: call.id,
    outcome,
    result: text,
    ...(outcome === 'ok' ? {} : { error: error ?? new Error(text) }),
  });
  if (outcome === 'cancelled') throw abortReason(signal);
  return { call, ...(tool ? { tool } : {}), outcome, text, ms: endedAt - startedAt };
}

const FUNCTION: ToolType = 'function';

class ToolTimeout extends Error {
  constructor(ms: number) {
    super(`the tool call took longer than ${ms} ms`);
    this.name = 'ToolTimeout';
  }
}

/** The model's argument text as an object, or what is wrong with it. An empty text is no arguments. */
export function parseArguments(text: string): Record<string, unknown> | string {
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'are not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'are not a JSON object';
  return value as Record<string, unknown>;
}
