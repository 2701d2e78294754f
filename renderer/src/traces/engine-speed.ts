/**
 * How fast the on-device engines ran, over a conversation's turns: from the
 * engine figures on the stage spans of engines that run on this computer
 * (provider "local"). Speech engines as real-time factors, the language model
 * as prompt and output tokens per second and how much of its prompts it
 * reused from its context. Nothing when no turn ran on this computer.
 */
import { ATTR } from '../../../shared/telemetry';
import type { ViewerSpan } from '../../../shared/trace-viewer';
import { stat, type SpanIndex, type Stat, type TurnRow } from './trace-view';

export interface EngineSummary {
  sttRealTimeFactor: Stat | null;
  promptTokensPerSecond: Stat | null;
  outputTokensPerSecond: Stat | null;
  ttsRealTimeFactor: Stat | null;
  /** Prompt tokens over all requests: evaluated, and reused from the context. */
  promptTokens: { evaluated: number; cached: number } | null;
}

/** The provider id of stages that run in this process. */
const ON_DEVICE = 'local';

const figure = (span: ViewerSpan, key: string): number | null => {
  const value = span.attributes[key];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
};

export function engineSummary(rows: readonly TurnRow[], index: SpanIndex): EngineSummary | null {
  const stages = rows.flatMap((row) => index.childrenOf(row.spanId)).filter((span) => span.attributes[ATTR.providerName] === ON_DEVICE);
  const values = (key: string) => stages.map((span) => figure(span, key));
  const evaluated = values(ATTR.llmPromptTokensEvaluated).filter((v): v is number => v !== null);
  const cached = values(ATTR.llmPromptTokensCached).filter((v): v is number => v !== null);
  const summary: EngineSummary = {
    sttRealTimeFactor: stat(values(ATTR.sttRealTimeFactor)),
    promptTokensPerSecond: stat(values(ATTR.llmPromptTokensPerSecond)),
    outputTokensPerSecond: stat(values(ATTR.llmOutputTokensPerSecond)),
    ttsRealTimeFactor: stat(values(ATTR.ttsRealTimeFactor)),
    promptTokens: evaluated.length > 0 ? { evaluated: sum(evaluated), cached: sum(cached) } : null,
  };
  return Object.values(summary).some((v) => v !== null) ? summary : null;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** "0.12×" (below 1: faster than real time). */
export function formatFactor(value: number): string {
  return `${value < 0.1 ? value.toFixed(3) : value.toFixed(2)}×`;
}

/** "85 tokens/s". */
export function formatRate(value: number): string {
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} tokens/s`;
}
