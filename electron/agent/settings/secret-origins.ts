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
import { openaiKeyOrigins, otlpUrls, stageOrigin } from '../../../shared/endpoints';

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
