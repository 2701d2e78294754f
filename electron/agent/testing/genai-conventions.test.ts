import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { attributeProblems, spanProblems } from './genai-conventions';

const span = (name: string, attributes: ReadableSpan['attributes'], kind = SpanKind.CLIENT, code = 0) =>
  ({ name, attributes, kind, status: { code } }) as unknown as ReadableSpan;

const chat = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'm',
  'gen_ai.output.type': 'text',
  'server.address': 'api.openai.com',
  'server.port': 443,
};

describe('the GenAI conventions table', () => {
  it('accepts a conforming chat span', () => {
    expect(spanProblems(span('chat m', { ...chat, 'gen_ai.response.finish_reasons': ['stop'] }), { conversationId: undefined })).toEqual([]);
  });

  it('finds invented keys, wrong types, missing required attributes, a wrong name or kind', () => {
    const { 'gen_ai.provider.name': _provider, ...withoutProvider } = chat;
    const problems = spanProblems(span('llm', { ...withoutProvider, 'gen_ai.input.text': 'x', 'gen_ai.usage.input_tokens': 1.5 }, SpanKind.INTERNAL, 2));
    expect(problems).toEqual([
      'llm: gen_ai.input.text is not a key of the conventions',
      'llm: gen_ai.usage.input_tokens should be int, is 1.5',
      'llm: required gen_ai.provider.name is missing',
      'llm: the name should be "chat m"',
      'llm: kind INTERNAL should be CLIENT',
      'llm: a failed operation needs error.type',
    ]);
  });

  it('checks content against the message schemas', () => {
    expect(attributeProblems({ 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'hi' }] }]) })[0]).toMatch(
      /gen_ai.output.messages does not match the message schema.*finish_reason/s,
    );
    expect(attributeProblems({ 'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: 'hi' }]) })[0]).toMatch(/does not match/);
    expect(attributeProblems({ 'gen_ai.system_instructions': 'not json' })).toEqual(['gen_ai.system_instructions is not JSON']);
    expect(attributeProblems({ 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }]) })).toEqual([]);
  });

  it('wants server.port with server.address, and a known output type', () => {
    expect(attributeProblems({ 'server.address': 'h', 'gen_ai.output.type': 'audio' })).toEqual([
      'gen_ai.output.type=audio is not one of text, json, image, speech',
      'server.port is required with server.address',
    ]);
  });
});
