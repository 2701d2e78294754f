import { useState, type FormEvent, type ReactNode } from 'react';
import { describeAccelerator } from '../../../shared/accelerator';
import type { DesktopShortcutField } from '../../../shared/bridge';
import type { ModelsView } from '../../../shared/models';
import { SettingsPatchSchema, SettingsSchema, fieldErrors, type SecretName, type Settings, type SettingsView } from '../../../shared/settings';
import { settingLabel } from '../../../shared/settings-fields';
import type { DesktopView, SettingsSaveState } from '../session/reducer';
import { keyName, useAudioDevices } from './AudioDevices';

type Draft = { [S in keyof Settings]: { [K in keyof Settings[S]]: string | boolean } };
type SecretDraft = Partial<Record<SecretName, string>>;

const NUMBER_FIELDS = new Set(['tracing.samplingRatio', 'audio.vadThreshold', 'audio.silenceMs', 'audio.minSpeechMs', 'history.keepDays', 'history.keepCount', 'tracing.audioLimitMb']);
/** What keeping turn audio means, said beside its switch. */
const TURN_AUDIO_PRIVACY =
  "while tracing is on, keeps what the assistant heard and what you heard of each turn on this computer (FLAC in the app's data folder) until it is deleted with its conversation or the size limit removes the oldest; never exported or put in traces. Off: no audio is written anywhere";
const SOURCE_TEXT = { env: 'from the environment', saved: 'saved', default: 'default' } as const;

function toDraft(values: Settings): Draft {
  return JSON.parse(JSON.stringify(values, (_key, value: unknown) => (typeof value === 'number' ? String(value) : value))) as Draft;
}

function fromDraft(draft: Draft): unknown {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, fields] of Object.entries(draft)) {
    out[section] = {};
    for (const [key, value] of Object.entries(fields)) {
      out[section]![key] = NUMBER_FIELDS.has(`${section}.${key}`) && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    }
  }
  return out;
}

/** Under a field: its error, or where its value comes from; and a reset for saved values. */
function FieldNote({ id, error, source, hint, onReset }: { id: string; error: string | undefined; source: string; hint?: string | undefined; onReset?: (() => void) | undefined }) {
  return (
    <div className="field-note" id={id}>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : (
        <span className="field-source">
          {source}
          {hint ? ` · ${hint}` : ''}
        </span>
      )}
      {onReset && (
        <button type="button" className="button link small" onClick={onReset}>
          Reset
        </button>
      )}
    </div>
  );
}

const PROTOCOL_OPTIONS = [
  { value: 'http/json', label: 'HTTP, JSON' },
  { value: 'http/protobuf', label: 'HTTP, protobuf (Langfuse)' },
];

function DeviceSelect({ id, describedBy, value, devices, onChange }: { id: string; describedBy: string; value: string; devices: { id: string; label: string }[]; onChange(value: string): void }) {
  return (
    <select id={id} aria-describedby={describedBy} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">System default</option>
      {devices.map((d) => (
        <option key={d.id} value={d.id}>
          {d.label}
        </option>
      ))}
    </select>
  );
}

interface Props {
  view: SettingsView;
  /** The on-device catalogue and voices, for the local choices; null when the host has none. */
  models: ModelsView | null;
  /** The desktop shell (its section shows only there); null in the headless host. */
  desktop: DesktopView | null;
  save: SettingsSaveState;
  onSave(patch: Record<string, unknown>): void;
}

/** Every setting, checked as it is typed (with main's own schema), saved together, applied live. */
export function SettingsForm({ view, models, desktop, save, onSave }: Props) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(view.values));
  const [secrets, setSecrets] = useState<SecretDraft>({});
  const [based, setBased] = useState(view);
  const devices = useAudioDevices();
  if (based !== view) {
    // Main saved (or another window did): show what is in force now.
    setBased(view);
    setDraft(toDraft(view.values));
    setSecrets({});
  }

  const candidate = fromDraft(draft);
  const local = SettingsSchema.safeParse(candidate);
  const secretCheck = SettingsPatchSchema.safeParse({ secrets });
  const errors: Record<string, string> = {
    ...(save.state === 'refused' ? save.errors : {}),
    ...(local.success ? {} : fieldErrors(local.error)),
    ...(secretCheck.success ? {} : fieldErrors(secretCheck.error)),
  };
  const valid = local.success && secretCheck.success;
  // A shortcut main could not register: said beside the field while it holds the value main tried.
  const shortcutProblem = (key: DesktopShortcutField) =>
    draft.desktop[key] === view.values.desktop[key] ? (desktop?.status?.shortcuts[key] ?? undefined) : undefined;
  for (const key of ['conversationShortcut', 'pushToTalkShortcut'] as const) {
    const problem = shortcutProblem(key);
    if (problem && !errors[`desktop.${key}`]) errors[`desktop.${key}`] = problem;
  }

  function set(section: keyof Settings, key: string, value: string | boolean) {
    setDraft((d) => ({ ...d, [section]: { ...d[section], [key]: value } }));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!valid) return;
    const values: Record<string, Record<string, unknown>> = {};
    for (const [section, fields] of Object.entries(local.data) as [keyof Settings, Record<string, unknown>][]) {
      for (const [key, value] of Object.entries(fields)) {
        if ((view.values[section] as Record<string, unknown>)[key] !== value) (values[section] ??= {})[key] = value;
      }
    }
    const changedSecrets = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== ''));
    onSave({ values, secrets: changedSecrets });
  }

  const field = (section: keyof Settings, key: string, input: (id: string, describedBy: string) => ReactNode, hint?: string) => {
    const path = `${section}.${key}`;
    const label = settingLabel(path);
    const id = `setting-${section}-${key}`;
    const source = view.sources[path] ?? 'default';
    return (
      <div className="field" key={path}>
        <label htmlFor={id}>{label}</label>
        {input(id, `${id}-note`)}
        <FieldNote
          id={`${id}-note`}
          error={errors[path]}
          source={SOURCE_TEXT[source]}
          hint={hint}
          onReset={source === 'saved' ? () => onSave({ reset: [path] }) : undefined}
        />
      </div>
    );
  };
  const text = (section: keyof Settings, key: string, options: { type?: string; hint?: string; step?: string } = {}) =>
    field(
      section,
      key,
      (id, describedBy) => (
        <input
          id={id}
          type={options.type ?? 'text'}
          step={options.step}
          value={String(draft[section][key as keyof Draft[typeof section]])}
          aria-invalid={errors[`${section}.${key}`] ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => set(section, key, e.target.value)}
        />
      ),
      options.hint,
    );
  const choose = (section: keyof Settings, key: string, options: { value: string; label: string }[], hint?: string) =>
    field(
      section,
      key,
      (id, describedBy) => {
        const value = String(draft[section][key as keyof Draft[typeof section]]);
        const known = options.some((o) => o.value === value);
        return (
          <select id={id} aria-describedby={describedBy} value={value} onChange={(e) => set(section, key, e.target.value)}>
            {!known && <option value={value}>{value}</option>}
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        );
      },
      hint,
    );
  const checkbox = (key: 'captureContent' | 'captureAudio' | 'traceEachTurn' | 'httpSpans', hint?: string) =>
    field(
      'tracing',
      key,
      (id, describedBy) => <input id={id} type="checkbox" aria-describedby={describedBy} checked={draft.tracing[key] === true} onChange={(e) => set('tracing', key, e.target.checked)} />,
      hint,
    );
  const toggle = (section: 'desktop', key: 'keepInTray' | 'launchAtLogin', hint?: string) =>
    field(
      section,
      key,
      (id, describedBy) => <input id={id} type="checkbox" aria-describedby={describedBy} checked={draft[section][key] === true} onChange={(e) => set(section, key, e.target.checked)} />,
      hint,
    );
  const shortcutHint = (key: DesktopShortcutField, what: string) => {
    const value = String(draft.desktop[key]).trim();
    return `${what}; ${value ? `reads ${describeAccelerator(value, desktop?.platform ?? '')}` : 'empty: none'}. Works from any app`;
  };
  const provider = (section: 'stt' | 'llm' | 'tts') =>
    choose(
      section,
      'provider',
      [
        { value: 'auto', label: 'Automatic' },
        { value: 'openai', label: 'OpenAI or a compatible server' },
        { value: 'local', label: 'This computer (offline)' },
      ],
      `automatic: the API when it has a key or a server, else this computer${models ? `. Now: ${models.engines[section].label}` : ''}`,
    );
  const localModels = (stage: 'stt' | 'llm') => (models?.catalog ?? []).filter((m) => m.stage === stage).map((m) => ({ value: m.id, label: m.title }));
  const secret = (name: SecretName, label: string) => {
    const state = view.secrets[name];
    const id = `secret-${name}`;
    const path = `secrets.${name}`;
    return (
      <div className="field" key={path}>
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          type="password"
          autoComplete="off"
          placeholder={state?.set ? '•••••••• (set; type to replace)' : 'not set'}
          value={secrets[name] ?? ''}
          aria-invalid={errors[path] ? true : undefined}
          aria-describedby={`${id}-note`}
          onChange={(e) => setSecrets((s) => ({ ...s, [name]: e.target.value }))}
        />
        <FieldNote
          id={`${id}-note`}
          error={errors[path]}
          source={state?.set ? SOURCE_TEXT[state.source] : 'not set'}
          hint={state?.note}
          onReset={state?.source === 'saved' ? () => onSave({ reset: [path] }) : undefined}
        />
      </div>
    );
  };

  return (
    <form className="settings-form" onSubmit={submit} noValidate>
      {view.notice && (
        <p className="field-error" role="alert">
          {view.notice}
        </p>
      )}
      <fieldset>
        <legend>Tracing export</legend>
        {text('tracing', 'otlpEndpoint', { type: 'url' })}
        {secret('otlpHeaders', 'OTLP headers')}
        {text('tracing', 'serviceName', { hint: 'applies after a restart' })}
        {text('tracing', 'samplingRatio', { type: 'number', step: '0.05' })}
        {choose('tracing', 'protocol', PROTOCOL_OPTIONS, 'from the next export')}
        {checkbox('captureContent')}
        {checkbox('captureAudio', TURN_AUDIO_PRIVACY)}
        {text('tracing', 'audioLimitMb', { type: 'number', hint: "past it, the oldest conversations' audio is removed first" })}
        {checkbox('traceEachTurn', 'each turn its own trace, linked to the conversation')}
        {checkbox('httpSpans', 'connect, TLS and server time of API calls')}
        {text('tracing', 'traceUiUrl', { type: 'url', hint: 'with {traceId}, e.g. http://localhost:16686/trace/{traceId}; empty: no link' })}
      </fieldset>
      <fieldset>
        <legend>Speech-to-text</legend>
        {provider('stt')}
        {choose('stt', 'localModel', localModels('stt'))}
        {text('stt', 'baseUrl', { type: 'url', hint: 'empty: OpenAI' })}
        {text('stt', 'model')}
        {secret('sttApiKey', 'Speech-to-text API key')}
      </fieldset>
      <fieldset>
        <legend>Language model</legend>
        {provider('llm')}
        {choose('llm', 'localModel', localModels('llm'))}
        {text('llm', 'baseUrl', { type: 'url', hint: 'empty: OpenAI' })}
        {text('llm', 'model')}
        {secret('llmApiKey', 'Language model API key')}
        {field('llm', 'systemPrompt', (id, describedBy) => (
          <textarea id={id} rows={3} aria-describedby={describedBy} value={String(draft.llm.systemPrompt)} onChange={(e) => set('llm', 'systemPrompt', e.target.value)} />
        ))}
      </fieldset>
      <fieldset>
        <legend>Text-to-speech</legend>
        {provider('tts')}
        {choose('tts', 'localVoice', (models?.voices ?? []).map((v) => ({ value: v.id, label: v.label })))}
        {text('tts', 'baseUrl', { type: 'url', hint: 'empty: OpenAI' })}
        {text('tts', 'model')}
        {text('tts', 'voice')}
        {secret('ttsApiKey', 'Text-to-speech API key')}
      </fieldset>
      <fieldset>
        <legend>Audio</legend>
        {field('audio', 'inputDeviceId', (id, describedBy) => (
          <DeviceSelect id={id} describedBy={describedBy} value={String(draft.audio.inputDeviceId)} devices={devices.inputs} onChange={(v) => set('audio', 'inputDeviceId', v)} />
        ), 'used from the next Start')}
        {devices.canChooseOutput &&
          field('audio', 'outputDeviceId', (id, describedBy) => (
            <DeviceSelect id={id} describedBy={describedBy} value={String(draft.audio.outputDeviceId)} devices={devices.outputs} onChange={(v) => set('audio', 'outputDeviceId', v)} />
          ))}
        {field('audio', 'mode', (id, describedBy) => (
          <select id={id} aria-describedby={describedBy} value={String(draft.audio.mode)} onChange={(e) => set('audio', 'mode', e.target.value)}>
            <option value="hands-free">Hands-free (voice detection)</option>
            <option value="push-to-talk">Push-to-talk (hold a key)</option>
          </select>
        ))}
        {draft.audio.mode === 'push-to-talk' &&
          field('audio', 'pushToTalkKey', (id, describedBy) => (
            <input
              id={id}
              type="text"
              readOnly
              aria-describedby={describedBy}
              value={keyName(String(draft.audio.pushToTalkKey))}
              onKeyDown={(e) => {
                if (e.key === 'Tab' || e.key === 'Escape' || e.key === 'Enter') return;
                e.preventDefault();
                set('audio', 'pushToTalkKey', e.code);
              }}
            />
          ), 'focus the box and press the key')}
      </fieldset>
      <fieldset>
        <legend>Keys and listening</legend>
        {secret('openaiApiKey', 'OpenAI API key')}
        {text('audio', 'vadThreshold', { type: 'number', step: '0.05', hint: 'lower hears softer speech' })}
        {text('audio', 'silenceMs', { type: 'number', step: '50' })}
        {text('audio', 'minSpeechMs', { type: 'number', step: '20' })}
        {field(
          'audio',
          'preemptiveReply',
          (id, describedBy) => (
            <input id={id} type="checkbox" aria-describedby={describedBy} checked={draft.audio.preemptiveReply === true} onChange={(e) => set('audio', 'preemptiveReply', e.target.checked)} />
          ),
          'faster answers; a pause mid-sentence costs requests that are thrown away (off for metered APIs)',
        )}
      </fieldset>
      <fieldset>
        <legend>History</legend>
        {text('history', 'keepDays', { type: 'number', step: '1', hint: '0: no limit; older ones are deleted, oldest first' })}
        {text('history', 'keepCount', { type: 'number', step: '1', hint: '0: no limit; the oldest past it are deleted' })}
      </fieldset>
      {desktop && (
        <fieldset>
          <legend>Desktop</legend>
          {toggle('desktop', 'keepInTray', 'closing the window leaves the app in the tray (menu bar on macOS)')}
          {toggle('desktop', 'launchAtLogin', desktop.status?.launchAtLogin ?? undefined)}
          {text('desktop', 'conversationShortcut', { hint: shortcutHint('conversationShortcut', 'starts or ends a conversation') })}
          {text('desktop', 'pushToTalkShortcut', { hint: shortcutHint('pushToTalkShortcut', 'press to talk, press again to stop') })}
        </fieldset>
      )}
      <div className="settings-actions">
        <button type="submit" className="button" disabled={!valid || save.state === 'saving'}>
          Save settings
        </button>
        <span className="hint" aria-live="polite">
          {save.state === 'saving' ? 'Saving…' : save.state === 'saved' ? 'Saved. Providers apply from the next turn.' : save.state === 'refused' ? `Not saved: ${save.errors.settings ?? 'see the messages above.'}` : ''}
        </span>
      </div>
      <p className="hint">Kept in {view.location}. API keys and headers stay in the app's main process and are never shown here.</p>
    </form>
  );
}
