import { describe, expect, it } from 'vitest';
import { readEnvironment } from './settings-fields';
import { traceUiLink, traceUiTemplateProblem } from './trace-ui-url';

describe('TRACE_UI_URL', () => {
  it('puts the trace id where {traceId} is, every time it appears', () => {
    expect(traceUiLink('http://localhost:16686/trace/{traceId}', 'ab'.repeat(16))).toBe(`http://localhost:16686/trace/${'ab'.repeat(16)}`);
    expect(traceUiLink('https://ui.example/t/{traceId}?q={traceId}', 'c1')).toBe('https://ui.example/t/c1?q=c1');
  });

  it('refuses a template without {traceId} or one that is not http(s)', () => {
    expect(traceUiTemplateProblem('http://localhost:16686/trace/{traceId}')).toBeNull();
    expect(traceUiTemplateProblem('http://localhost:16686/')).toMatch(/\{traceId\}/);
    expect(traceUiTemplateProblem('file:///tmp/{traceId}')).toMatch(/http/);
    expect(traceUiTemplateProblem('{traceId}')).toMatch(/http/);
  });

  it('is read from the environment, and a bad one is reported by name and left out', () => {
    const warnings: string[] = [];
    const good = readEnvironment({ TRACE_UI_URL: 'http://localhost:16686/trace/{traceId}' }, (m) => warnings.push(m));
    expect(good.values.tracing.traceUiUrl).toBe('http://localhost:16686/trace/{traceId}');
    const bad = readEnvironment({ TRACE_UI_URL: 'http://localhost:16686/' }, (m) => warnings.push(m));
    expect(bad.values.tracing.traceUiUrl).toBe('');
    expect(warnings).toEqual([expect.stringMatching(/^TRACE_UI_URL=.*\{traceId\}.*showing no trace UI link/)]);
  });
});
