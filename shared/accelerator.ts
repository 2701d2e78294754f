/**
 * Keyboard shortcuts in Electron's accelerator syntax ("CommandOrControl+Shift+Space"),
 * read the same way by main (before it registers a global shortcut) and by the
 * settings pane (as the user types). A global shortcut fires in every app, so
 * one needs a modifier unless its key is one nobody types with (F13-F24, media keys).
 */

/** Modifier spellings Electron accepts, by the name they are written back with. */
const MODIFIERS: Record<string, string> = {
  commandorcontrol: 'CommandOrControl',
  cmdorctrl: 'CommandOrControl',
  command: 'Command',
  cmd: 'Command',
  control: 'Control',
  ctrl: 'Control',
  alt: 'Alt',
  option: 'Alt',
  altgr: 'AltGr',
  shift: 'Shift',
  super: 'Super',
  meta: 'Super',
};
/** The order modifiers are written in, so that two spellings of one shortcut compare equal. */
const MODIFIER_ORDER = ['CommandOrControl', 'Command', 'Control', 'Alt', 'AltGr', 'Shift', 'Super'];

const NAMED_KEYS = [
  'Plus', 'Space', 'Tab', 'Capslock', 'Numlock', 'Scrolllock', 'Backspace', 'Delete', 'Insert', 'Return', 'Enter',
  'Up', 'Down', 'Left', 'Right', 'Home', 'End', 'PageUp', 'PageDown', 'Escape', 'Esc', 'PrintScreen',
  'num0', 'num1', 'num2', 'num3', 'num4', 'num5', 'num6', 'num7', 'num8', 'num9', 'numdec', 'numadd', 'numsub', 'nummult', 'numdiv',
];
/** Keys that may stand alone: nobody types with them. */
const STANDALONE_KEYS = ['VolumeUp', 'VolumeDown', 'VolumeMute', 'MediaNextTrack', 'MediaPreviousTrack', 'MediaStop', 'MediaPlayPause'];
const PUNCTUATION = ')!@#$%^&*(:;=<,_->.?/~`{]|[}"\'\\';

const KEYS = new Map<string, string>();
for (const key of [...NAMED_KEYS, ...STANDALONE_KEYS]) KEYS.set(key.toLowerCase(), key);
for (let n = 1; n <= 24; n++) KEYS.set(`f${n}`, `F${n}`);

export type AcceleratorResult = { ok: true; value: string } | { ok: false; error: string };

export const MAX_ACCELERATOR_LENGTH = 100;

function keyOf(part: string): string | null {
  if (/^[a-z0-9]$/i.test(part)) return part.toUpperCase();
  if (part === '+') return 'Plus';
  if (part.length === 1 && PUNCTUATION.includes(part)) return part;
  return KEYS.get(part.toLowerCase()) ?? null;
}

function standsAlone(key: string): boolean {
  return STANDALONE_KEYS.includes(key) || /^F(1[3-9]|2[0-4])$/.test(key);
}

/**
 * Reads a shortcut; on success `value` is its canonical spelling (modifiers
 * first, in a fixed order, then the key), which is what is registered and
 * compared. Errors are sentences for the settings pane.
 */
export function parseAccelerator(text: string): AcceleratorResult {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: 'type a shortcut, such as CommandOrControl+Shift+Space' };
  if (trimmed.length > MAX_ACCELERATOR_LENGTH) return { ok: false, error: 'is too long' };
  // "+" is the separator, and also a key when it ends the text ("Ctrl++").
  const parts = trimmed.endsWith('++') ? [...trimmed.slice(0, -2).split('+'), '+'] : trimmed.split('+');
  if (parts.some((p) => p.trim() === '')) return { ok: false, error: 'has an empty part: write keys joined by +, such as Alt+Shift+K' };
  const names = parts.map((p) => p.trim());
  const last = names.pop()!;
  const modifiers = new Set<string>();
  for (const name of names) {
    const modifier = MODIFIERS[name.toLowerCase()];
    if (!modifier) return { ok: false, error: keyOf(name) ? `has more than one key (${name} and ${last}): use one key with modifiers` : `"${name}" is not a modifier (use CommandOrControl, Control, Alt, Shift or Super)` };
    if (modifiers.has(modifier)) return { ok: false, error: `names ${modifier} twice` };
    modifiers.add(modifier);
  }
  if (MODIFIERS[last.toLowerCase()]) return { ok: false, error: 'needs a key after the modifiers, such as Space or K' };
  const key = keyOf(last);
  if (!key) return { ok: false, error: `"${last}" is not a key Electron knows (letters, digits, F1-F24, Space, arrows, punctuation...)` };
  if (modifiers.size === 0 && !standsAlone(key)) return { ok: false, error: 'needs a modifier (CommandOrControl, Alt, Shift...), or it would fire while you type in other apps' };
  const ordered = MODIFIER_ORDER.filter((m) => modifiers.has(m));
  return { ok: true, value: [...ordered, key].join('+') };
}

/** Whether two shortcuts are the same keys (both valid), however they are spelled. */
export function sameAccelerator(a: string, b: string): boolean {
  const left = parseAccelerator(a);
  const right = parseAccelerator(b);
  return left.ok && right.ok && left.value === right.value;
}

/** How the shortcut reads to a person on this platform ("Ctrl+Shift+Space", "Cmd+Shift+Space"). */
export function describeAccelerator(accelerator: string, platform: string): string {
  const parsed = parseAccelerator(accelerator);
  if (!parsed.ok) return accelerator;
  const mac = platform === 'darwin';
  const words: Record<string, string> = {
    CommandOrControl: mac ? 'Cmd' : 'Ctrl',
    Command: 'Cmd',
    Control: 'Ctrl',
    Alt: mac ? 'Option' : 'Alt',
    AltGr: 'AltGr',
    Shift: 'Shift',
    Super: mac ? 'Cmd' : 'Super',
  };
  return parsed.value
    .split('+')
    .map((part) => words[part] ?? part)
    .join('+');
}
