import { describe, expect, it, vi } from 'vitest';
import { DEFAULTS, isConfigured, readPipelineConfig } from './pipeline-config';

describe('readPipelineConfig', () => {
  it('defaults to OpenAI models, unconfigured without a key or server', () => {
    const config = readPipelineConfig({}, vi.fn());
    expect(config.stt).toEqual({ baseURL: undefined, apiKey: undefined, model: 'gpt-4o-mini-transcribe' });
    expect(config.llm.model).toBe('gpt-4.1-mini');
    expect(config.tts).toMatchObject({ model: 'gpt-4o-mini-tts', voice: 'alloy', sampleRate: 24_000 });
    expect(config.vad).toEqual({ preemptiveReply: true, threshold: 0.5, silenceMs: 500, minSpeechMs: 200 });
    expect(isConfigured(config.stt)).toBe(false);
  });

  it('uses the key everywhere, OPENAI_BASE_URL as the shared server and per-stage overrides', () => {
    const config = readPipelineConfig(
      { OPENAI_API_KEY: 'sk-1', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1/', TTS_BASE_URL: 'http://tts.local:8880/v1', LLM_MODEL: 'llama3.2', TTS_VOICE: 'nova', SYSTEM_PROMPT: 'Be terse.' },
      vi.fn(),
    );
    expect(config.stt).toEqual({ baseURL: 'http://127.0.0.1:11434/v1', apiKey: 'sk-1', model: DEFAULTS.sttModel });
    expect(config.llm).toMatchObject({ baseURL: 'http://127.0.0.1:11434/v1', model: 'llama3.2' });
    expect(config.tts).toMatchObject({ baseURL: 'http://tts.local:8880/v1', voice: 'nova' });
    expect(config.systemPrompt).toBe('Be terse.');
    expect(isConfigured(config.llm)).toBe(true);
  });

  it('counts a stage with only a server as configured (no key needed)', () => {
    expect(isConfigured(readPipelineConfig({ STT_BASE_URL: 'http://127.0.0.1:8000/v1' }, vi.fn()).stt)).toBe(true);
  });

  it.each([
    ['STT_BASE_URL', 'ftp://x', /not an http\(s\) URL/],
    ['LLM_BASE_URL', 'not a url', /not an http\(s\) URL/],
    ['VAD_SILENCE_MS', '-5', /whole number from 100 to 5000/],
    ['VAD_MIN_SPEECH_MS', 'soon', /whole number/],
    ['VAD_THRESHOLD', '1.5', /between 0 and 1/],
    ['TTS_SAMPLE_RATE', '123', /8000 to 48000/],
    ['CONTEXT_MAX_TURNS', '0', /1 to 1000/],
  ])('reports %s=%s by name and keeps the default', (name, value, message) => {
    const warn = vi.fn();
    const config = readPipelineConfig({ [name]: value }, warn);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`^${name}=`)));
    expect(warn.mock.calls[0]![0]).toMatch(message);
    expect(config).toEqual(readPipelineConfig({}, vi.fn()));
  });
});
