import { describe, expect, it } from 'vitest';
import { MAX_RESULT_CHARS, toolResultText } from './tool-result-text';

describe('toolResultText', () => {
  it('joins text parts', () => {
    expect(toolResultText({ content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] })).toBe('one\ntwo');
  });

  it('describes images and resources without their bytes', () => {
    const text = toolResultText({
      content: [
        { type: 'image', mimeType: 'image/png', data: 'AAAA' },
        { type: 'resource', resource: { uri: 'file:///a.txt', text: 'inside' } },
        { type: 'resource', resource: { uri: 'file:///b.bin', blob: 'AAAA' } },
        { type: 'resource_link', name: 'doc', uri: 'https://example.com/doc' },
      ],
    });
    expect(text).toBe('[image image/png, 3 bytes]\ninside\n[resource file:///b.bin]\n[link doc https://example.com/doc]');
  });

  it('falls back to structured content, then the older toolResult', () => {
    expect(toolResultText({ content: [], structuredContent: { sum: 3 } })).toBe('{"sum":3}');
    expect(toolResultText({ toolResult: 'old' })).toBe('old');
  });

  it('cuts a very long result', () => {
    const text = toolResultText({ content: [{ type: 'text', text: 'x'.repeat(MAX_RESULT_CHARS + 10) }] });
    expect(text.startsWith('x'.repeat(MAX_RESULT_CHARS))).toBe(true);
    expect(text).toMatch(/cut at/);
  });

  it('ignores parts that are not objects', () => {
    expect(toolResultText({ content: [null, 3, { type: 'text', text: 'ok' }] })).toBe('ok');
  });
});
