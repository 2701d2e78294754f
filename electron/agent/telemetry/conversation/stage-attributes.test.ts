import { describe, expect, it } from 'vitest';
import { ATTR } from '../../../../shared/telemetry';
import { engineAttributes } from './stage-attributes';

describe('engineAttributes', () => {
  it('gives a speech engine its real-time factor: processing time over audio duration', () => {
    expect(engineAttributes({ type: 'stage.engine', at: 0, stage: 'stt', processingMs: 250, audioSeconds: 2 })).toEqual({ [ATTR.sttRealTimeFactor]: 0.125 });
    expect(engineAttributes({ type: 'stage.engine', at: 0, stage: 'tts', processingMs: 3, audioSeconds: 1.5 })).toEqual({ [ATTR.ttsRealTimeFactor]: 0.002 });
  });

  it('leaves out a factor it cannot measure (no audio) rather than writing Infinity', () => {
    expect(engineAttributes({ type: 'stage.engine', at: 0, stage: 'tts', processingMs: 3, audioSeconds: 0 })).toEqual({});
    expect(engineAttributes({ type: 'stage.engine', at: 0, stage: 'stt', processingMs: Number.NaN, audioSeconds: 1 })).toEqual({});
  });

  it('gives a language model its prompt split and its rates, leaving out a rate it could not measure', () => {
    expect(
      engineAttributes({ type: 'stage.engine', at: 0, stage: 'llm', promptTokensEvaluated: 12, promptTokensCached: 88, promptTokensPerSecond: 412.345678, outputTokensPerSecond: 31.25 }),
    ).toEqual({
      [ATTR.llmPromptTokensEvaluated]: 12,
      [ATTR.llmPromptTokensCached]: 88,
      [ATTR.llmPromptTokensPerSecond]: 412.3,
      [ATTR.llmOutputTokensPerSecond]: 31.25,
    });
    expect(engineAttributes({ type: 'stage.engine', at: 0, stage: 'llm', promptTokensEvaluated: 1, promptTokensCached: 99, outputTokensPerSecond: Number.POSITIVE_INFINITY })).toEqual({
      [ATTR.llmPromptTokensEvaluated]: 1,
      [ATTR.llmPromptTokensCached]: 99,
    });
  });
});
