/**
 * What the settings pane says about each secret: whether one is in force for
 * the address its stage (or the OTLP export) now uses, where it comes from,
 * and, when none is, why and what to set. Only names, origins and variable
 * names appear here, never a value.
 */
import { urlOrigin } from '../../../shared/config-values';
import { SECRET_NAMES, type SecretName, type SettingSource, type SettingsView } from '../../../shared/settings';
import { SECRET_ENV, type AllSettings } from '../../../shared/settings-fields';
import { openaiKeyOrigins, otlpUrls, stageOrigin } from '../../../shared/endpoints';
import type { BoundSecret } from './secret-origins';

export const SECRET_LABEL: Record<SecretName, string> = {
  openaiApiKey: 'OpenAI API key',
  sttApiKey: 'speech-to-text API key',
  llmApiKey: 'language model API key',
  ttsApiKey: 'text-to-speech API key',
  otlpHeaders: 'OTLP headers',
};

/** The secrets file that could not be read at start: where it went and what it held (when known). */
export interface LostSecrets {
  file: string;
  reason: string;
  /** Where it was moved; null when it could not be moved (secrets cannot be saved until it is dealt with). */
  movedTo: string | null;
  /** The secrets it held that are not saved again yet; null when the file does not say. */
  names: readonly SecretName[] | null;
}

export interface SecretSources {
  settings: AllSettings;
  saved: (name: SecretName) => BoundSecret | undefined;
  env: (name: SecretName) => BoundSecret | undefined;
  lost: LostSecrets | null;
}

/** The variable the pane names for a secret (the general one where there are several). */
export function secretVariable(name: SecretName): string {
  return SECRET_ENV[name].at(-1)!;
}

/** The origin a secret is used for now (the traces URL's for the OTLP headers); null for the OpenAI key, which has fixed ones. */
function originInUse(settings: AllSettings, name: SecretName): string | null {
  if (name === 'openaiApiKey') return null;
  if (name === 'otlpHeaders') return urlOrigin(otlpUrls(settings).traces);
  return stageOrigin(settings, name === 'sttApiKey' ? 'stt' : name === 'llmApiKey' ? 'llm' : 'tts');
}

export function secretStatuses(sources: SecretSources): Pick<SettingsView, 'secrets' | 'notice'> {
  const { settings, lost } = sources;
  const secrets: SettingsView['secrets'] = {};
  for (const name of SECRET_NAMES) {
    const here = originInUse(settings, name);
    const saved = sources.saved(name);
    const env = sources.env(name);
    const fits = (secret: BoundSecret | undefined) => secret !== undefined && (here === null || secret.origins.includes(here));
    const source: SettingSource = fits(saved) ? 'saved' : fits(env) ? 'env' : saved ? 'saved' : env ? 'env' : 'default';
    const set = fits(saved) || fits(env);
    const thing = name === 'otlpHeaders' ? 'the headers for this endpoint' : "this server's key";
    let note: string | undefined;
    if (saved && !fits(saved))
      note = `The ${SECRET_LABEL[name]} saved for ${saved.origins.join(' and ') || 'another address'} is kept for it and not sent to ${here}${set ? "; the environment's is used here" : `: type ${thing} here, or set ${secretVariable(name)}`}.`;
    else if (!set && env)
      note = `${secretVariable(name)} is given for ${env.origins.join(' and ')}, so it is not sent to ${here}: type ${thing} here.`;
    else if (!set && here !== null && name !== 'otlpHeaders' && (sources.saved('openaiApiKey') || sources.env('openaiApiKey')) && !openaiKeyOrigins(settings).includes(here))
      note = `The OpenAI API key goes only to OpenAI${settings.openai.baseUrl ? ' and OPENAI_BASE_URL' : ''}, not to ${here}: if this server needs a key, type it here or set ${secretVariable(name)}.`;
    if (!set && !saved && lost?.names?.includes(name)) note = `Could not be read from the saved secrets: type it again${note ? `. ${note}` : '.'}`;
    secrets[name] = note ? { set, source, note: clip(note, 1_000) } : { set, source };
  }
  return lost ? { secrets, notice: clip(lostNotice(lost), 2_000) } : { secrets };
}

/** Within the view's limits (an origin or a path can be long). */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function lostNotice(lost: LostSecrets): string {
  const where = lost.movedTo
    ? `it was moved to ${lost.movedTo}`
    : `it could not be moved aside, so no key can be saved until ${lost.file} is removed or repaired`;
  const what = lost.names === null ? 'any API keys and OTLP headers you had saved' : lost.names.map((n) => SECRET_LABEL[n]).join(', ');
  return `The saved secrets (${lost.file}) could not be read (${lost.reason}); ${where}. Type again: ${what}.`;
}
