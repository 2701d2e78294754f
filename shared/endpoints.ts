/**
 * The addresses the settings name, as plain functions of them: where each
 * stage's requests go, where the OpenAI key may go, where traces, metrics and
 * logs are posted. The settings store binds secrets to these origins; the
 * pipeline and tracing derive their configuration from them.
 */
import { urlOrigin } from './config-values';
import type { AllSettings } from './settings-fields';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The origin a stage's requests go to: its base URL's, or OpenAI's. */
export function stageOrigin(settings: AllSettings, stage: 'stt' | 'llm' | 'tts'): string {
  return urlOrigin(settings[stage].baseUrl || OPENAI_DEFAULT_BASE_URL);
}

/** Where the OpenAI API key may go: OpenAI, and the server OPENAI_BASE_URL names (never a per-stage server of another origin). */
export function openaiKeyOrigins(settings: AllSettings): string[] {
  const origins = [urlOrigin(OPENAI_DEFAULT_BASE_URL)];
  if (settings.openai.baseUrl) origins.push(urlOrigin(settings.openai.baseUrl));
  return origins;
}

/** Where traces, metrics and logs are posted; the signal-specific endpoints are used as they are. */
export function otlpUrls(settings: AllSettings): { traces: string; metrics: string; logs: string } {
  const base = settings.tracing.otlpEndpoint.replace(/\/+$/, '');
  const e = settings.export;
  return { traces: e.tracesEndpoint || `${base}/v1/traces`, metrics: e.metricsEndpoint || `${base}/v1/metrics`, logs: e.logsEndpoint || `${base}/v1/logs` };
}
