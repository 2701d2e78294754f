/**
 * The OpenTelemetry GenAI conventions (open-telemetry/semantic-conventions-genai,
 * status: development), as a table that tests check spans (and metric points)
 * against: the `gen_ai.*` keys the conventions define and their types, the
 * attributes each operation's span requires, and the content message
 * schemas. Rows marked PROPOSAL come from the voice agents proposal
 * (speech_to_text / text_to_speech spans, `gen_ai.speech.*`).
 *
 * Written from the conventions' registry (docs/registry/attributes/gen-ai.md),
 * the inference span (docs/gen-ai/gen-ai-spans.md), the voice agents page
 * (docs/gen-ai/gen-ai-voice-agents.md) and the message JSON schemas
 * (model/gen-ai/gen-ai-{input,output}-messages.json, gen-ai-system-instructions.json).
 */
import { SpanKind, type AttributeValue, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { z } from 'zod';

export type ValueType = 'string' | 'int' | 'double' | 'boolean' | 'string[]' | 'json';

/** Every `gen_ai.*` key an attribute of ours may carry, with the conventions' type. */
export const GEN_AI_KEYS: Readonly<Record<string, { type: ValueType; proposal?: true; values?: readonly string[] }>> = {
  'gen_ai.operation.name': { type: 'string' },
  'gen_ai.provider.name': { type: 'string' },
  'gen_ai.conversation.id': { type: 'string' },
  'gen_ai.request.model': { type: 'string' },
  'gen_ai.request.max_tokens': { type: 'int' },
  'gen_ai.request.temperature': { type: 'double' },
  'gen_ai.request.stream': { type: 'boolean' },
  'gen_ai.response.model': { type: 'string' },
  'gen_ai.response.id': { type: 'string' },
  'gen_ai.response.finish_reasons': { type: 'string[]' },
  'gen_ai.response.time_to_first_chunk': { type: 'double' },
  'gen_ai.output.type': { type: 'string', values: ['text', 'json', 'image', 'speech'] },
  'gen_ai.usage.input_tokens': { type: 'int' },
  'gen_ai.usage.output_tokens': { type: 'int' },
  'gen_ai.usage.cache_read.input_tokens': { type: 'int' },
  'gen_ai.usage.cache_creation.input_tokens': { type: 'int' },
  'gen_ai.usage.reasoning.output_tokens': { type: 'int' },
  /** On metric points (gen_ai.client.token.usage). */
  'gen_ai.token.type': { type: 'string', values: ['input', 'output'] },
  'gen_ai.input.messages': { type: 'json' },
  'gen_ai.output.messages': { type: 'json' },
  'gen_ai.system_instructions': { type: 'json' },
  'gen_ai.tool.name': { type: 'string' },
  'gen_ai.tool.call.id': { type: 'string' },
  'gen_ai.tool.type': { type: 'string', values: ['function', 'extension', 'datastore'] },
  'gen_ai.tool.description': { type: 'string' },
  'gen_ai.tool.call.arguments': { type: 'string' },
  'gen_ai.tool.call.result': { type: 'string' },
  'gen_ai.tool.definitions': { type: 'json' },
  'gen_ai.speech.voice': { type: 'string', proposal: true },
  'gen_ai.speech.input.language': { type: 'string', proposal: true },
};

/** Non-`gen_ai` keys the conventions use on these spans. */
const GENERAL_KEYS: Readonly<Record<string, ValueType>> = {
  'server.address': 'string',
  'server.port': 'int',
  'error.type': 'string',
};

interface OperationRule {
  /** Required, and conditionally required where the condition holds for this app. */
  required: readonly string[];
  /** Values the operation's span must have. */
  fixed?: Readonly<Record<string, string>>;
  proposal?: true;
}

/** The spans of GenAI operations and what each must carry. */
export const OPERATIONS: Readonly<Record<string, OperationRule>> = {
  /** Named `execute_tool {gen_ai.tool.name}`, INTERNAL (the call runs here, or through an MCP client span). */
  execute_tool: { required: ['gen_ai.operation.name', 'gen_ai.tool.name'] },
  chat: { required: ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.request.model'], fixed: { 'gen_ai.output.type': 'text' } },
  speech_to_text: { required: ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.request.model'], proposal: true },
  text_to_speech: {
    required: ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.request.model', 'gen_ai.speech.voice'],
    fixed: { 'gen_ai.output.type': 'speech' },
    proposal: true,
  },
};

const TextPart = z.strictObject({ type: z.literal('text'), content: z.string() });
const ToolCallPart = z.strictObject({ type: z.literal('tool_call'), id: z.string().nullable(), name: z.string(), arguments: z.unknown().optional() });
const ToolCallResponsePart = z.strictObject({ type: z.literal('tool_call_response'), id: z.string().nullable(), response: z.unknown() });
const Part = z.union([TextPart, ToolCallPart, ToolCallResponsePart]);
const Role = z.enum(['system', 'user', 'assistant', 'tool']);
export const InputMessagesSchema = z.array(z.strictObject({ role: Role, parts: z.array(Part).min(1), name: z.string().optional() }));
export const OutputMessagesSchema = z.array(
  z.strictObject({ role: Role, parts: z.array(Part).min(1), name: z.string().optional(), finish_reason: z.string().min(1) }),
);
export const ToolDefinitionsSchema = z.array(
  z.strictObject({ type: z.literal('function'), name: z.string().min(1), description: z.string().optional(), parameters: z.unknown().optional() }),
);
export const SystemInstructionsSchema = z.array(TextPart).min(1);

const CONTENT_SCHEMAS: Record<string, z.ZodType> = {
  'gen_ai.input.messages': InputMessagesSchema,
  'gen_ai.output.messages': OutputMessagesSchema,
  'gen_ai.system_instructions': SystemInstructionsSchema,
  'gen_ai.tool.definitions': ToolDefinitionsSchema,
};

/** Whether a value has the conventions' type; `json` content is a JSON string on spans. */
export function hasType(value: AttributeValue | undefined, type: ValueType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'number' && Number.isInteger(value);
    case 'double':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'json':
      return typeof value === 'string';
  }
}

/** What is wrong with a set of attributes: unknown `gen_ai.*` keys, wrong types, content off-schema. */
export function attributeProblems(attributes: Attributes): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    const rule = GEN_AI_KEYS[key];
    if (key.startsWith('gen_ai.') && !rule) problems.push(`${key} is not a key of the conventions`);
    const type = rule?.type ?? GENERAL_KEYS[key];
    if (type && !hasType(value, type)) problems.push(`${key} should be ${type}, is ${JSON.stringify(value)}`);
    if (rule?.values && typeof value === 'string' && !rule.values.includes(value)) problems.push(`${key}=${value} is not one of ${rule.values.join(', ')}`);
    const schema = CONTENT_SCHEMAS[key];
    if (schema && typeof value === 'string') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        problems.push(`${key} is not JSON`);
        continue;
      }
      const result = schema.safeParse(parsed);
      if (!result.success) problems.push(`${key} does not match the message schema: ${result.error.message}`);
    }
  }
  if ('server.address' in attributes && !('server.port' in attributes)) problems.push('server.port is required with server.address');
  return problems;
}

/** What is wrong with a span, by the conventions; empty when it conforms. */
export function spanProblems(span: ReadableSpan, expect: { conversationId?: string } = {}): string[] {
  const problems = attributeProblems(span.attributes).map((p) => `${span.name}: ${p}`);
  const operation = span.attributes['gen_ai.operation.name'];
  if (operation === undefined) return problems;
  const rule = typeof operation === 'string' ? OPERATIONS[operation] : undefined;
  if (!rule) return [...problems, `${span.name}: operation ${String(operation)} is not in the table`];
  const fail = (text: string) => problems.push(`${span.name}: ${text}`);
  if (span.attributes['mcp.method.name'] !== undefined) {
    mcpClientProblems(span).forEach(fail);
    return problems;
  }
  for (const key of rule.required) if (span.attributes[key] === undefined) fail(`required ${key} is missing`);
  if (operation === 'execute_tool') {
    if (span.name !== `execute_tool ${String(span.attributes['gen_ai.tool.name'])}`) fail('the name should be "execute_tool {gen_ai.tool.name}"');
    if (span.kind !== SpanKind.INTERNAL) fail(`kind ${SpanKind[span.kind]} should be INTERNAL`);
    if (span.status.code === 2 && span.attributes['error.type'] === undefined) fail('a failed operation needs error.type');
    return problems;
  }
  for (const [key, value] of Object.entries(rule.fixed ?? {})) if (span.attributes[key] !== value) fail(`${key} should be ${value}`);
  const model = span.attributes['gen_ai.request.model'];
  if (span.name !== `${operation} ${String(model)}`) fail(`the name should be "${operation} ${String(model)}"`);
  const onDevice = span.attributes['gen_ai.provider.name'] === 'local';
  if (span.kind !== SpanKind.CLIENT && !(onDevice && span.kind === SpanKind.INTERNAL)) fail(`kind ${SpanKind[span.kind]} should be CLIENT`);
  if (span.status.code === 2 && span.attributes['error.type'] === undefined) fail('a failed operation needs error.type');
  if (expect.conversationId !== undefined && span.attributes['gen_ai.conversation.id'] !== expect.conversationId)
    fail(`gen_ai.conversation.id should be ${expect.conversationId}`);
  if (!onDevice && span.attributes['server.address'] === undefined) fail('an API call should carry server.address');
  return problems;
}

/**
 * An MCP client span carrying `gen_ai.operation.name=execute_tool` (a
 * `tools/call`), as the MCP conventions describe it (model/mcp/spans.yaml,
 * common.yaml): named `{mcp.method.name} {gen_ai.tool.name}`, kind CLIENT,
 * with the request's JSON-RPC id, and error.type when it failed.
 */
function mcpClientProblems(span: ReadableSpan): string[] {
  const problems: string[] = [];
  const method = span.attributes['mcp.method.name'];
  if (method !== 'tools/call') problems.push(`gen_ai.operation.name=execute_tool belongs on tools/call only, not ${String(method)}`);
  if (span.attributes['gen_ai.tool.name'] === undefined) problems.push('required gen_ai.tool.name is missing');
  if (span.name !== `${String(method)} ${String(span.attributes['gen_ai.tool.name'])}`) problems.push('the name should be "{mcp.method.name} {gen_ai.tool.name}"');
  if (span.kind !== SpanKind.CLIENT) problems.push(`kind ${SpanKind[span.kind]} should be CLIENT`);
  if (span.attributes['jsonrpc.request.id'] === undefined) problems.push('required jsonrpc.request.id is missing');
  if (span.status.code === 2 && span.attributes['error.type'] === undefined) problems.push('a failed operation needs error.type');
  return problems;
}

/** The spans of one GenAI operation. */
export function byOperation(spans: readonly ReadableSpan[], operation: string): ReadableSpan[] {
  return spans.filter((s) => s.attributes['gen_ai.operation.name'] === operation);
}
