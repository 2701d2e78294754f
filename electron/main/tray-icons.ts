/**
 * The tray's icons, drawn in code: a disc in the state's colour (a ring when
 * no window is connected), antialiased, as the raw BGRA bitmap that
 * `nativeImage.createFromBitmap` takes. No image files to keep in step with
 * the states.
 */
import type { TrayIconName } from './tray-view';

/** Colours as [red, green, blue]. */
const COLOURS: Record<TrayIconName, [number, number, number]> = {
  idle: [0x9a, 0xa3, 0xaf],
  listening: [0x22, 0xc5, 0x5e],
  thinking: [0xf5, 0x9e, 0x0b],
  speaking: [0x3b, 0x82, 0xf6],
  error: [0xef, 0x44, 0x44],
  offline: [0x9a, 0xa3, 0xaf],
};

/** Pixels are 4 bytes: blue, green, red, alpha (Chromium's native order, as nativeImage expects). */
export const BYTES_PER_PIXEL = 4;

export function trayIconBitmap(name: TrayIconName, size: number): Buffer {
  const [red, green, blue] = COLOURS[name];
  const pixels = Buffer.alloc(size * size * BYTES_PER_PIXEL);
  const centre = size / 2;
  const outer = size * 0.42;
  const ring = name === 'offline' ? size * 0.12 : null;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const distance = Math.hypot(x + 0.5 - centre, y + 0.5 - centre);
      // Coverage of the pixel by the shape, a one-pixel ramp at each edge.
      let coverage = clamp(outer - distance + 0.5);
      if (ring !== null) coverage = Math.min(coverage, clamp(distance - (outer - ring) + 0.5));
      const at = (y * size + x) * BYTES_PER_PIXEL;
      pixels[at] = blue;
      pixels[at + 1] = green;
      pixels[at + 2] = red;
      pixels[at + 3] = Math.round(coverage * 255);
    }
  }
  return pixels;
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}
