/**
 * The fuses the packaged app ships with, checked without an Electron binary:
 * the afterPack hook runs on stand-in binaries that carry Electron's fuse
 * sentinel and wire, laid out as electron-builder leaves each platform's
 * package, and @electron/fuses' own reader reads the wire back.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { afterPack, fuseConfig, type PackContext } from './electron-fuses.mjs';

const root = join(import.meta.dirname, '..');
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** The wire as Electron ships it: RunAsNode, NODE_OPTIONS, --inspect, file:// privileges and wasm trap handlers on, the rest off. */
const SHIPPED_WIRE = '101100011';
const X64 = 1;
const ARM64 = 3;

/** A file shaped like an Electron binary where fuses are concerned: bytes, the sentinel, version 1, the wire's length, the wire. */
function writeStandInBinary(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const filler = Buffer.alloc(4_096, 0xcc);
  writeFileSync(path, Buffer.concat([filler, Buffer.from(SENTINEL), Buffer.from([1, SHIPPED_WIRE.length]), Buffer.from(SHIPPED_WIRE), filler]));
}

let out: string;
beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'fuses-'));
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

function context(platform: string, arch = X64): PackContext {
  return { appOutDir: out, electronPlatformName: platform, arch, packager: { appInfo: { productFilename: 'Voice Agent Stack' }, executableName: 'voice-agent-stack' } };
}

async function packedWire(platform: string, binary: string): Promise<Record<string, string>> {
  writeStandInBinary(join(out, binary));
  await afterPack(context(platform));
  const wire = await getCurrentFuseWire(join(out, binary.startsWith('Voice Agent Stack.app') ? 'Voice Agent Stack.app' : binary));
  const named: Record<string, string> = {};
  for (const [index, state] of Object.entries(wire)) {
    if (index === 'version') continue;
    named[FuseV1Options[Number(index)]!] = state === FuseState.ENABLE ? 'on' : state === FuseState.DISABLE ? 'off' : String(state);
  }
  return named;
}

const HARDENED = {
  RunAsNode: 'off',
  EnableCookieEncryption: 'on',
  EnableNodeOptionsEnvironmentVariable: 'off',
  EnableNodeCliInspectArguments: 'off',
  OnlyLoadAppFromAsar: 'on',
  // Not ours to change: left as Electron ships them.
  LoadBrowserProcessSpecificV8Snapshot: 'off',
  GrantFileProtocolExtraPrivileges: 'on',
  WasmTrapHandlers: 'on',
};

describe('the packaged binary fuses', () => {
  it('are flipped in the Linux executable; asar integrity, which Electron does not check on Linux, stays as shipped', async () => {
    expect(await packedWire('linux', 'voice-agent-stack')).toEqual({ ...HARDENED, EnableEmbeddedAsarIntegrityValidation: 'off' });
  });

  it('are flipped in the Windows executable, asar integrity on', async () => {
    expect(await packedWire('win32', 'Voice Agent Stack.exe')).toEqual({ ...HARDENED, EnableEmbeddedAsarIntegrityValidation: 'on' });
  });

  it('are flipped in the macOS bundle\u2019s Electron Framework, asar integrity on', async () => {
    expect(await packedWire('darwin', 'Voice Agent Stack.app/Contents/Frameworks/Electron Framework.framework/Electron Framework')).toEqual({
      ...HARDENED,
      EnableEmbeddedAsarIntegrityValidation: 'on',
    });
  });

  it('fails the packaging when the binary carries no fuse wire, rather than shipping it unhardened', async () => {
    writeFileSync(join(out, 'voice-agent-stack'), Buffer.alloc(1_024));
    await expect(afterPack(context('linux'))).rejects.toThrow(/sentinel/);
  });

  it('re-signs ad hoc on Apple silicon only, where an unsigned binary does not start', () => {
    expect(fuseConfig('darwin', ARM64).resetAdHocDarwinSignature).toBe(true);
    expect(fuseConfig('darwin', X64).resetAdHocDarwinSignature).toBe(false);
    expect(fuseConfig('win32', ARM64).resetAdHocDarwinSignature).toBe(false);
  });

  it('is the afterPack hook electron-builder runs', async () => {
    const hook = /^afterPack:\s*(\S+)\s*$/m.exec(readFileSync(join(root, 'electron-builder.yml'), 'utf8'))?.[1];
    expect(hook).toBe('./scripts/electron-fuses.mjs');
    const module = (await import(join(root, hook!))) as { afterPack?: unknown };
    expect(module.afterPack).toBe(afterPack);
  });
});
