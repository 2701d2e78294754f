import { describe, expect, it } from 'vitest';
import { BYTES_PER_PIXEL, trayIconBitmap } from './tray-icons';
import { TRAY_ICON_NAMES } from './tray-view';

function pixel(bitmap: Buffer, size: number, x: number, y: number) {
  const at = (y * size + x) * BYTES_PER_PIXEL;
  return { b: bitmap[at]!, g: bitmap[at + 1]!, r: bitmap[at + 2]!, a: bitmap[at + 3]! };
}

describe('trayIconBitmap', () => {
  it('is a BGRA bitmap of the asked size, transparent in the corners', () => {
    for (const size of [16, 32]) {
      const bitmap = trayIconBitmap('idle', size);
      expect(bitmap.length).toBe(size * size * BYTES_PER_PIXEL);
      expect(pixel(bitmap, size, 0, 0).a).toBe(0);
      expect(pixel(bitmap, size, size - 1, size - 1).a).toBe(0);
    }
  });

  it('fills the disc with the state colour, in blue-green-red order', () => {
    const centre = pixel(trayIconBitmap('listening', 32), 32, 16, 16);
    expect(centre).toEqual({ r: 0x22, g: 0xc5, b: 0x5e, a: 255 });
    expect(pixel(trayIconBitmap('error', 32), 32, 16, 16)).toMatchObject({ r: 0xef, b: 0x44, a: 255 });
  });

  it('gives every state its own picture', () => {
    const pictures = new Set(TRAY_ICON_NAMES.map((name) => trayIconBitmap(name, 16).toString('base64')));
    expect(pictures.size).toBe(TRAY_ICON_NAMES.length);
  });

  it('draws a ring, hollow in the middle, when no window is connected', () => {
    const bitmap = trayIconBitmap('offline', 32);
    expect(pixel(bitmap, 32, 16, 16).a).toBe(0);
    expect(pixel(bitmap, 32, 16, 3).a).toBe(255);
  });

  it('antialiases the edge', () => {
    const bitmap = trayIconBitmap('idle', 32);
    const alphas = new Set<number>();
    for (let x = 0; x < 32; x++) alphas.add(pixel(bitmap, 32, x, 16).a);
    expect([...alphas].some((a) => a > 0 && a < 255)).toBe(true);
  });
});
