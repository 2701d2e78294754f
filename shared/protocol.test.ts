import { describe, expect, it } from 'vitest';
import { EnvelopeWriter, MAX_MESSAGE_BYTES, parseClientEnvelope, parseServerEnvelope, type ClientMessage } from './protocol';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('client envelopes', () => {
  it('accepts every client message kind, as JSON text or as an object', () => {
    const writer = new EnvelopeWriter<ClientMessage>();
    const messages: ClientMessage[] = [
      { type: 'conversation.start' },
      { type: 'conversation.end' },
      { type: 'user.text', text: 'hello' },
      { type: 'audio.test' },
      { type: 'playback', event: 'started', stream: 3, playedMs: 20 },
    ];
    for (const message of messages) {
      const envelope = writer.wrap(message, { traceparent: TRACEPARENT });
      expect(parseClientEnvelope(envelope)).toEqual({ ok: true, value: envelope });
      expect(parseClientEnvelope(JSON.stringify(envelope))).toEqual({ ok: true, value: envelope });
    }
  });

  it('numbers envelopes in order', () => {
    const writer = new EnvelopeWriter<ClientMessage>();
    expect(writer.wrap({ type: 'audio.test' }).seq).toBe(0);
    expect(writer.wrap({ type: 'audio.test' }).seq).toBe(1);
  });

  it.each([
    ['not JSON', '{nope', /not valid JSON/],
    ['an unknown type', { v: 1, seq: 1, message: { type: 'launch.missiles' } }, /type/],
    ['a wrong version', { v: 2, seq: 1, message: { type: 'audio.test' } }, /v/],
    ['extra fields', { v: 1, seq: 1, message: { type: 'audio.test', extra: true } }, /extra/],
    ['an empty text', { v: 1, seq: 4, message: { type: 'user.text', text: '   ' } }, /empty/],
    ['a malformed traceparent', { v: 1, seq: 1, traceparent: 'abc', message: { type: 'audio.test' } }, /traceparent/],
    ['a negative seq', { v: 1, seq: -1, message: { type: 'audio.test' } }, /seq/],
    ['null', null, /message/],
    ['an array', [], /message/],
  ])('refuses %s with a readable error', (_name, raw, pattern) => {
    const result = parseClientEnvelope(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(pattern);
  });

  it('reports the seq of a refused message when it can be read', () => {
    const result = parseClientEnvelope({ v: 1, seq: 4, message: { type: 'user.text', text: '' } });
    expect(result).toMatchObject({ ok: false, seq: 4 });
  });

  it('refuses oversized text before parsing it', () => {
    const huge = JSON.stringify({ v: 1, seq: 1, message: { type: 'user.text', text: 'x'.repeat(MAX_MESSAGE_BYTES) } });
    const result = parseClientEnvelope(huge);
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.error).toMatch(/larger than/);
  });

  it('refuses text longer than the limit even when the message fits', () => {
    const result = parseClientEnvelope({ v: 1, seq: 1, message: { type: 'user.text', text: 'y'.repeat(4_001) } });
    expect(result.ok).toBe(false);
  });
});

describe('server envelopes', () => {
  it('validates what main sends', () => {
    expect(parseServerEnvelope({ v: 1, seq: 0, message: { type: 'audio.flush' } }).ok).toBe(true);
    expect(parseServerEnvelope({ v: 1, seq: 0, message: { type: 'state', state: 'dancing', conversationId: null } }).ok).toBe(false);
  });
});
