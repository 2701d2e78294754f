import type { FuseV1Config } from '@electron/fuses';

/** Platforms on which Electron validates app.asar against the hash embedded at packaging. */
export const ASAR_INTEGRITY_PLATFORMS: readonly string[];

/** The fuse configuration for one packaged platform (electron-builder's `electronPlatformName`) and architecture (its `Arch`). */
export function fuseConfig(platform: string, arch: number): FuseV1Config;

/** What the hook reads of electron-builder's AfterPackContext. */
export interface PackContext {
  appOutDir: string;
  electronPlatformName: string;
  arch: number;
  packager: { appInfo: { productFilename: string }; executableName?: string };
}

/** The packaged Electron binary (the .app bundle on macOS), as electron-builder names it. */
export function packagedBinaryPath(context: PackContext): string;

/** electron-builder's afterPack hook: flips the fuses of the packaged binary. */
export function afterPack(context: PackContext): Promise<void>;
