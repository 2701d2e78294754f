#!/usr/bin/env node
/**
 * Run first by `npm test`: checks what the suite needs beyond node_modules
 * (Node 22.15+, a Chromium for the e2e suite, and on Linux the OpenMP runtime
 * that whisper.cpp's addon links against) and, when something is missing,
 * stops with one line saying what to install instead of a stack trace minutes
 * later.
 */
import { accessSync, constants, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const MIN_NODE = [22, 15];

/** The Chromium the e2e suite launches: CHROMIUM_PATH, else Debian's. */
export function chromiumPath(env = process.env) {
  return env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
}

/** The reason `path` cannot be run, or null when it can. */
function notExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return null;
  } catch (error) {
    return error.code === 'ENOENT' ? 'not found' : `not executable (${error.code})`;
  }
}

/** Loads whisper.cpp's addon for this platform; the error, or null when it loads (or there is none for this platform). */
function whisperAddonError(platform = process.platform, arch = process.arch) {
  const require = createRequire(import.meta.url);
  const name = `@fugood/node-whisper-${platform}-${arch}`;
  try {
    require.resolve(name);
  } catch {
    return null; // an optional dependency: no build for this platform, the local engine says so itself
  }
  try {
    require(name);
    return null;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * What is missing, as short phrases naming what to install; empty when all is there.
 * `probe` supplies the facts, so the rules are tested without changing the machine.
 */
export function missingPrerequisites(probe) {
  const missing = [];
  const [major = 0, minor = 0] = probe.nodeVersion.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1]))
    missing.push(`Node ${MIN_NODE.join('.')} or later (this is ${probe.nodeVersion})`);
  const chromium = probe.notExecutable(probe.chromiumPath);
  if (chromium) {
    const how = probe.platform === 'linux' ? 'sudo apt-get install chromium, or set CHROMIUM_PATH' : 'install Chromium and set CHROMIUM_PATH to its executable';
    missing.push(`Chromium for the e2e suite (${probe.chromiumPath}: ${chromium}; ${how})`);
  }
  const addon = probe.whisperAddonError();
  if (addon) {
    const firstLine = addon.message.split('\n')[0];
    if (/libgomp/.test(addon.message)) missing.push('libgomp1, the OpenMP runtime whisper.cpp needs (sudo apt-get install libgomp1)');
    else missing.push(`a loadable whisper.cpp addon (${firstLine})`);
  }
  return missing;
}

function main() {
  const missing = missingPrerequisites({
    nodeVersion: process.versions.node,
    platform: process.platform,
    chromiumPath: chromiumPath(),
    notExecutable,
    whisperAddonError,
  });
  if (missing.length === 0) return;
  console.error(`npm test cannot run on this machine yet; it needs: ${missing.join('; ')}.`);
  process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) main();
