/**
 * Keeps the desktop's global shortcuts registered as the settings say: on a
 * change only what changed is unregistered and registered again, and a
 * shortcut the system refuses (another app holds it) is reported as a
 * sentence for the settings pane while the field stays editable. The
 * registrar is Electron's `globalShortcut` in the app.
 */
import { DESKTOP_SHORTCUT_FIELDS, type DesktopShortcutField } from '../../shared/bridge';
import { describeAccelerator, parseAccelerator } from '../../shared/accelerator';

export interface ShortcutRegistrar {
  /** false when the shortcut is taken (by another app or the system). */
  register(accelerator: string, callback: () => void): boolean;
  unregister(accelerator: string): void;
}

export type ShortcutSettings = Record<DesktopShortcutField, string>;
export type ShortcutProblems = Record<DesktopShortcutField, string | null>;

const FIELD_NAMES: Record<DesktopShortcutField, string> = {
  conversationShortcut: 'the conversation shortcut',
  pushToTalkShortcut: 'the push-to-talk shortcut',
};

export class GlobalShortcuts {
  /** Canonical accelerator registered per field. */
  private readonly active = new Map<DesktopShortcutField, string>();
  private problems: ShortcutProblems = { conversationShortcut: null, pushToTalkShortcut: null };

  constructor(
    private readonly registrar: ShortcutRegistrar,
    private readonly actions: Record<DesktopShortcutField, () => void>,
    private readonly platform: string,
  ) {}

  /** Brings the registrations in line with `settings`; returns each field's problem (null: fine). */
  apply(settings: ShortcutSettings): ShortcutProblems {
    const wanted = new Map<DesktopShortcutField, string>();
    const problems: ShortcutProblems = { conversationShortcut: null, pushToTalkShortcut: null };
    for (const field of DESKTOP_SHORTCUT_FIELDS) {
      const text = settings[field].trim();
      if (text === '') continue;
      const parsed = parseAccelerator(text);
      if (!parsed.ok) {
        problems[field] = `Not active: this shortcut ${parsed.error}.`;
        continue;
      }
      const twin = [...wanted].find(([, accelerator]) => accelerator === parsed.value);
      if (twin) {
        problems[field] = `Not active: ${FIELD_NAMES[twin[0]]} already uses ${describeAccelerator(parsed.value, this.platform)}.`;
        continue;
      }
      wanted.set(field, parsed.value);
    }
    // Unregister what changed first, so that two fields swapping keys both register.
    for (const [field, accelerator] of [...this.active]) {
      if (wanted.get(field) === accelerator) continue;
      this.registrar.unregister(accelerator);
      this.active.delete(field);
    }
    for (const [field, accelerator] of wanted) {
      if (this.active.get(field) === accelerator) continue;
      let registered = false;
      try {
        registered = this.registrar.register(accelerator, this.actions[field]);
      } catch {
        registered = false;
      }
      if (registered) this.active.set(field, accelerator);
      else
        problems[field] =
          `${describeAccelerator(accelerator, this.platform)} is already taken by another app or the system, so it does nothing here: choose another shortcut.`;
    }
    this.problems = problems;
    return problems;
  }

  get status(): ShortcutProblems {
    return this.problems;
  }

  /** Releases every shortcut (at quit). */
  clear(): void {
    for (const accelerator of this.active.values()) this.registrar.unregister(accelerator);
    this.active.clear();
  }
}
