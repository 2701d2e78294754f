/**
 * What the user said or typed first, as the trace viewer lists a conversation
 * by it: from the content a stage span captured (speech-to-text's output, the
 * chat's last user message), so only with content capture on.
 */
import { ATTR, GEN_AI_OPERATION } from './telemetry';

const MAX_FIRST_WORDS = 120;

/** The words a span's captured content holds, shortened to `max` characters; null without any. */
export function firstWords(attributes: Readonly<Record<string, unknown>>, max = MAX_FIRST_WORDS): string | null {
  const operation = attributes[ATTR.operationName];
  const source =
    operation === GEN_AI_OPERATION.speechToText ? attributes[ATTR.outputMessages] : operation === GEN_AI_OPERATION.chat ? attributes[ATTR.inputMessages] : undefined;
  if (typeof source !== 'string') return null;
  try {
    const messages = JSON.parse(source) as { role?: unknown; parts?: { type?: unknown; content?: unknown }[] }[];
    const wanted = operation === GEN_AI_OPERATION.chat ? messages.filter((m) => m.role === 'user').at(-1) : messages[0];
    const text = (wanted?.parts ?? [])
      .filter((p) => p.type === 'text' && typeof p.content === 'string')
      .map((p) => p.content as string)
      .join(' ')
      .trim();
    if (!text) return null;
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  } catch {
    return null;
  }
}
