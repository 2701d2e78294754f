import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ATTR, SPAN } from '../../../shared/telemetry';
import type { ViewerSpan } from '../../../shared/trace-viewer';
import { LatencySummary } from './LatencySummary';
import { viewerSpan } from '../testing/viewer-span';
import { engineSummary, formatFactor, formatRate } from './engine-speed';
import { SpanIndex, summarize, turnRows } from './trace-view';

const T0 = 1_800_000_000;
let seq = 0;
function span(spanId: string, name: string, attributes: ViewerSpan['attributes'], parentSpanId?: string): ViewerSpan {
  return viewerSpan({
    seq: seq++,
    traceId: 'a'.repeat(32),
    spanId: spanId.padEnd(16, '0'),
    name,
    startTime: [T0, 0],
    endTime: [T0 + 1, 0],
    attributes,
    ...(parentSpanId ? { parentSpanId: parentSpanId.padEnd(16, '0') } : {}),
  });
}

/** A turn whose stages ran on `provider`, with the engine figures an on-device engine records. */
function turn(prefix: string, provider: string, figures: { stt: number; prompt: number; output: number; tts: number; evaluated: number; cached: number }): ViewerSpan[] {
  const id = `${prefix}1`;
  return [
    span(id, SPAN.turn, { [ATTR.turnNumber]: 1, [ATTR.turnInput]: 'voice' }),
    span(`${prefix}2`, 'speech_to_text m', { [ATTR.operationName]: 'speech_to_text', [ATTR.providerName]: provider, [ATTR.sttRealTimeFactor]: figures.stt }, id),
    span(`${prefix}3`, 'chat m', {
      [ATTR.operationName]: 'chat',
      [ATTR.providerName]: provider,
      [ATTR.llmPromptTokensPerSecond]: figures.prompt,
      [ATTR.llmOutputTokensPerSecond]: figures.output,
      [ATTR.llmPromptTokensEvaluated]: figures.evaluated,
      [ATTR.llmPromptTokensCached]: figures.cached,
    }, id),
    span(`${prefix}4`, 'text_to_speech m', { [ATTR.operationName]: 'text_to_speech', [ATTR.providerName]: provider, [ATTR.ttsRealTimeFactor]: figures.tts }, id),
  ];
}

function summaryOf(spans: ViewerSpan[]) {
  const index = new SpanIndex(spans);
  const rows = turnRows(spans, index);
  return { rows, engine: engineSummary(rows, index), summary: summarize(rows) };
}

describe('engineSummary', () => {
  it('summarises the on-device engines over the turns: factors and rates by median and p95, prompt tokens summed', () => {
    const { engine } = summaryOf([
      ...turn('b', 'local', { stt: 0.2, prompt: 400, output: 30, tts: 0.01, evaluated: 50, cached: 0 }),
      ...turn('c', 'local', { stt: 0.4, prompt: 300, output: 20, tts: 0.03, evaluated: 12, cached: 50 }),
    ]);
    expect(engine).toEqual({
      sttRealTimeFactor: { median: 0.2, p95: 0.4, count: 2 },
      promptTokensPerSecond: { median: 300, p95: 400, count: 2 },
      outputTokensPerSecond: { median: 20, p95: 30, count: 2 },
      ttsRealTimeFactor: { median: 0.01, p95: 0.03, count: 2 },
      promptTokens: { evaluated: 62, cached: 50 },
    });
  });

  it('shows nothing for turns served by an API', () => {
    expect(summaryOf(turn('d', 'openai', { stt: 0.2, prompt: 400, output: 30, tts: 0.01, evaluated: 50, cached: 0 })).engine).toBeNull();
  });
});

describe('LatencySummary', () => {
  it('shows the on-device engines\' figures for on-device turns, and none for others', () => {
    const local = summaryOf(turn('e', 'local', { stt: 0.25, prompt: 412.3, output: 31.25, tts: 0.004, evaluated: 40, cached: 120 }));
    const html = renderToStaticMarkup(createElement(LatencySummary, local));
    expect(html).toContain('aria-label="On-device engines"');
    expect(html).toContain('Speech-to-text speed');
    expect(html).toContain(`${formatFactor(0.25)} / ${formatFactor(0.25)}`);
    expect(html).toContain(`${formatRate(412.3)} / ${formatRate(412.3)}`);
    expect(html).toContain(`${formatRate(31.25)}`);
    expect(html).toContain(`${formatFactor(0.004)}`);
    expect(html).toContain('40 evaluated, 120 reused');

    const remote = summaryOf(turn('f', 'openai', { stt: 0.25, prompt: 1, output: 1, tts: 1, evaluated: 1, cached: 1 }));
    expect(renderToStaticMarkup(createElement(LatencySummary, remote))).not.toContain('On-device engines');
  });

  it('formats factors and rates readably', () => {
    expect(formatFactor(0.25)).toBe('0.25×');
    expect(formatFactor(0.004)).toBe('0.004×');
    expect(formatRate(412.3)).toBe('412 tokens/s');
    expect(formatRate(7.25)).toBe('7.3 tokens/s');
  });
});
