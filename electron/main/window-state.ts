/**
 * The window's size and position across restarts: kept as JSON in the data
 * folder (window-state.json) and restored only where it is still visible: a
 * monitor unplugged since, or a resolution changed, must not open the window
 * off screen. The displays are given (Electron's `screen` in the app).
 */
import { z } from 'zod';
import { readOptional, writeFileAtomic } from '../agent/util/atomic-file';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

const RectangleSchema = z.strictObject({
  x: z.number().int().min(-100_000).max(100_000),
  y: z.number().int().min(-100_000).max(100_000),
  width: z.number().int().min(1).max(100_000),
  height: z.number().int().min(1).max(100_000),
});

export const WindowStateSchema = z.strictObject({ version: z.literal(1), bounds: RectangleSchema, maximized: z.boolean() });
export type WindowState = z.infer<typeof WindowStateSchema>;

export const WINDOW_STATE_FILE = 'window-state.json';
/** How much of the window's top strip (where it is dragged from) must be on a display. */
const VISIBLE_TITLE_WIDTH = 100;
const TITLE_STRIP_HEIGHT = 30;

/** The saved state, or null for a missing, unreadable or malformed file. */
export async function loadWindowState(file: string): Promise<WindowState | null> {
  let text: string | null;
  try {
    text = await readOptional(file);
  } catch {
    return null;
  }
  if (text === null) return null;
  try {
    const parsed = WindowStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function saveWindowState(file: string, bounds: Rectangle, maximized: boolean): Promise<void> {
  const state: WindowState = { version: 1, bounds: roundRectangle(bounds), maximized };
  await writeFileAtomic(file, `${JSON.stringify(state)}\n`);
}

/**
 * Where to open the window: the saved bounds when their title strip is on one
 * of the displays' work areas (shrunk to fit that display, never below the
 * window's minimum size), else null (the default size, centred).
 */
export function restoredBounds(saved: WindowState | null, workAreas: readonly Rectangle[], minimum: { width: number; height: number }): { bounds: Rectangle; maximized: boolean } | null {
  if (!saved) return null;
  const { bounds } = saved;
  const strip: Rectangle = { x: bounds.x, y: bounds.y, width: bounds.width, height: Math.min(TITLE_STRIP_HEIGHT, bounds.height) };
  const display = workAreas.find((area) => {
    const overlap = intersection(strip, area);
    return overlap !== null && overlap.width >= Math.min(VISIBLE_TITLE_WIDTH, bounds.width) && overlap.height > 0;
  });
  if (!display) return null;
  const width = Math.max(minimum.width, Math.min(bounds.width, display.width));
  const height = Math.max(minimum.height, Math.min(bounds.height, display.height));
  // Keep the title strip inside the display vertically, so the window can be grabbed.
  const y = Math.min(Math.max(bounds.y, display.y), display.y + display.height - TITLE_STRIP_HEIGHT);
  return { bounds: { x: bounds.x, y, width, height }, maximized: saved.maximized };
}

function intersection(a: Rectangle, b: Rectangle): Rectangle | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}

function roundRectangle(r: Rectangle): Rectangle {
  return { x: Math.round(r.x), y: Math.round(r.y), width: Math.max(1, Math.round(r.width)), height: Math.max(1, Math.round(r.height)) };
}
