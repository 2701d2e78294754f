import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WINDOW_STATE_FILE, loadWindowState, restoredBounds, saveWindowState, type WindowState } from './window-state';

const MIN = { width: 420, height: 480 };
const LAPTOP = { x: 0, y: 0, width: 1440, height: 875 };
/** A second monitor to the right of the laptop. */
const MONITOR = { x: 1440, y: -200, width: 2560, height: 1400 };
const state = (x: number, y: number, width = 1000, height = 700, maximized = false): WindowState => ({ version: 1, bounds: { x, y, width, height }, maximized });

describe('restoredBounds', () => {
  it('restores the saved bounds on a display that still shows them', () => {
    expect(restoredBounds(state(100, 80), [LAPTOP], MIN)).toEqual({ bounds: { x: 100, y: 80, width: 1000, height: 700 }, maximized: false });
    expect(restoredBounds(state(2000, 0, 1200, 900, true), [LAPTOP, MONITOR], MIN)).toEqual({ bounds: { x: 2000, y: 0, width: 1200, height: 900 }, maximized: true });
  });

  it('does not restore a window left on a monitor that is gone', () => {
    expect(restoredBounds(state(2000, 0), [LAPTOP], MIN)).toBeNull();
  });

  it('does not restore a window whose title bar would be off screen', () => {
    expect(restoredBounds(state(1400, 100), [LAPTOP], MIN)).toBeNull(); // only 40 px of it on the laptop
    expect(restoredBounds(state(100, -500), [LAPTOP], MIN)).toBeNull(); // title above the screen
  });

  it('shrinks a window larger than its display, never below the minimum size', () => {
    const small = { x: 0, y: 0, width: 800, height: 400 };
    expect(restoredBounds(state(0, 0, 1600, 1200), [small], MIN)).toEqual({ bounds: { x: 0, y: 0, width: 800, height: 480 }, maximized: false });
  });

  it('opens at the default place without a saved state', () => {
    expect(restoredBounds(null, [LAPTOP], MIN)).toBeNull();
  });
});

describe('the window state file', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'window-state-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps the bounds (rounded) and whether the window was maximised', async () => {
    const file = join(dir(), WINDOW_STATE_FILE);
    await saveWindowState(file, { x: 10.4, y: 20.6, width: 900, height: 600 }, true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(state(10, 21, 900, 600, true));
    expect(await loadWindowState(file)).toEqual(state(10, 21, 900, 600, true));
  });

  it.each([
    ['missing', null],
    ['not JSON', '{"version": 1, "bou'],
    ['of another shape', '{"version": 1, "bounds": {"x": "left"}, "maximized": false}'],
    ['of an unknown version', JSON.stringify({ ...state(0, 0), version: 2 })],
  ])('is ignored when %s', async (_case, content) => {
    const file = join(dir(), WINDOW_STATE_FILE);
    if (content !== null) writeFileSync(file, content);
    expect(await loadWindowState(file)).toBeNull();
  });
});
