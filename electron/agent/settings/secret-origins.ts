/**
 * A secret belongs to the address it was given for. Each is kept with the
 * origins (scheme, host and port) it may be sent to: a stage's API key to its
 * stage's server (the base URL's origin, or OpenAI's), the OTLP headers to
 * the OTLP endpoint's; the OpenAI key only to OpenAI or to OPENAI_BASE_URL.
 * When an address changes and the change does not bring the secret again, the
 * secret is not sent there: it stays with the address it was given for.
 */
import { urlOrigin } from '../../../shared/config-values';
import type { SecretName } from '../../../shared/settings';
import type { AllSettings } from '../../../shared/settings-fields';

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

/** The secret to send to this origin, if one was given for it. */
export type SecretFor = (name: SecretName, origin: string) => string | undefined;

/** A secret and the origins it may be sent to. */
export interface BoundSecret {
  value: string;
  origins: readonly string[];
}

const STAGE_OF = { sttApiKey: 'stt', llmApiKey: 'llm', ttsApiKey: 'tts' } as const;

/** Where this secret would be sent under these settings: the origins it is given for when saved now. */
export function secretOrigins(settings: AllSettings, name: SecretName): string[] {
  if (name === 'openaiApiKey') return openaiKeyOrigins(settings);
  if (name === 'otlpHeaders') {
    const urls = otlpUrls(settings);
    return [...new Set([urlOrigin(urls.traces), urlOrigin(urls.metrics), urlOrigin(urls.logs)])];
  }
  return [stageOrigin(settings, STAGE_OF[name])];
}

/** The first candidate given for the origin; candidates come in order of precedence (saved, then the environment). */
export function secretFor(candidates: (name: SecretName) => readonly BoundSecret[]): SecretFor {
  return (name, origin) => (origin ? candidates(name).find((c) => c.origins.includes(origin))?.value : undefined);
}
