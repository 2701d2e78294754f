/**
 * An MCP tool's result as the text the model reads: text parts as they are,
 * other parts described in a line (an image's type and size, a resource's
 * text or address), structured content as JSON when there is nothing else.
 * Bounded, so one tool cannot fill the model's context.
 */
export const MAX_RESULT_CHARS = 16_000;

interface ContentPart {
  type: string;
  text?: unknown;
  mimeType?: unknown;
  data?: unknown;
  uri?: unknown;
  name?: unknown;
  resource?: { uri?: unknown; text?: unknown; mimeType?: unknown };
}

export interface CallResultLike {
  content?: unknown;
  structuredContent?: unknown;
  isError?: unknown;
  toolResult?: unknown;
}

function describePart(part: ContentPart): string {
  switch (part.type) {
    case 'text':
      return typeof part.text === 'string' ? part.text : '';
    case 'image':
    case 'audio': {
      const bytes = typeof part.data === 'string' ? Math.floor((part.data.length * 3) / 4) : 0;
      return `[${part.type} ${typeof part.mimeType === 'string' ? part.mimeType : ''}, ${bytes} bytes]`;
    }
    case 'resource': {
      const resource = part.resource ?? {};
      if (typeof resource.text === 'string') return resource.text;
      return `[resource ${String(resource.uri ?? '')}]`;
    }
    case 'resource_link':
      return `[link ${typeof part.name === 'string' ? `${part.name} ` : ''}${String(part.uri ?? '')}]`;
    default:
      return `[${part.type}]`;
  }
}

export function toolResultText(result: CallResultLike): string {
  const parts = Array.isArray(result.content) ? (result.content as ContentPart[]).filter((p) => typeof p === 'object' && p !== null && typeof p.type === 'string') : [];
  let text = parts.map(describePart).filter(Boolean).join('\n');
  if (!text && result.structuredContent !== undefined) text = JSON.stringify(result.structuredContent);
  // The protocol's older form (2024-10-07): { toolResult }.
  if (!text && result.toolResult !== undefined) text = typeof result.toolResult === 'string' ? result.toolResult : JSON.stringify(result.toolResult);
  if (text.length > MAX_RESULT_CHARS) text = `${text.slice(0, MAX_RESULT_CHARS)}… (cut at ${MAX_RESULT_CHARS} characters)`;
  return text;
}
