/**
 * electron-builder's `afterPack` hook (electron-builder.yml): sets the fuses of
 * the packaged Electron binary, the switches compiled into it that no
 * command-line flag or environment variable can turn back on. It runs after
 * the app is copied in and before the package is signed, so the signature
 * covers the flipped fuses.
 *
 * - RunAsNode off: ELECTRON_RUN_AS_NODE cannot turn the app into a plain
 *   Node.js that runs any script with the app's permissions (microphone,
 *   keychain entry).
 * - NODE_OPTIONS and --inspect/--inspect-brk off: no code injected through
 *   the environment, no debugger attached to main from outside.
 * - Cookie encryption on: the profile's cookies are encrypted with the
 *   system keychain's key.
 * - OnlyLoadAppFromAsar on: Electron loads the app from app.asar only, never
 *   from an `app` folder placed beside it.
 * - Embedded asar integrity on macOS and Windows: Electron checks app.asar
 *   against the hash electron-builder embeds at packaging (Info.plist on
 *   macOS, the executable's resources on Windows). Electron has no such check
 *   on Linux, where the fuse is left as shipped.
 */
import { join } from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion } from '@electron/fuses';
import builder from 'electron-builder';

const { Arch } = builder;

/** Platforms on which Electron validates app.asar against the hash embedded at packaging. */
export const ASAR_INTEGRITY_PLATFORMS = ['darwin', 'mas', 'win32'];

/** The fuse configuration for one packaged platform (electron-builder's `electronPlatformName`) and architecture. */
export function fuseConfig(platform, arch) {
  const macOS = platform === 'darwin' || platform === 'mas';
  return {
    version: FuseVersion.V1,
    // Flipping a fuse breaks the linker's ad-hoc signature, without which an
    // Apple silicon Mac refuses to run the binary: sign it again (ad hoc) until
    // electron-builder signs it for real.
    resetAdHocDarwinSignature: macOS && (arch === Arch.arm64 || arch === Arch.universal),
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    ...(ASAR_INTEGRITY_PLATFORMS.includes(platform) ? { [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true } : {}),
  };
}

/** The packaged Electron binary (the .app bundle on macOS), as electron-builder names it. */
export function packagedBinaryPath(context) {
  const { appOutDir, electronPlatformName: platform, packager } = context;
  if (platform === 'darwin' || platform === 'mas') return join(appOutDir, `${packager.appInfo.productFilename}.app`);
  if (platform === 'win32') return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
  return join(appOutDir, packager.executableName);
}

export async function afterPack(context) {
  await flipFuses(packagedBinaryPath(context), fuseConfig(context.electronPlatformName, context.arch));
}
