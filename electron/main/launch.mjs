#!/usr/bin/env node
/**
 * `npm start`: launches the built desktop app with the Electron binary, or,
 * where no binary is installed, explains how to get one and exits.
 * Deliberately does not require('electron'): that would start a download.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function electronBinaryPath() {
  let moduleDir;
  try {
    moduleDir = dirname(createRequire(join(projectRoot, 'package.json')).resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = join(moduleDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const candidate = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
    return existsSync(candidate) ? candidate : null;
  }
  if (!relative) return null;
  const candidate = join(moduleDir, 'dist', relative);
  return existsSync(candidate) ? candidate : null;
}

function main() {
  const binary = electronBinaryPath();
  if (!binary) {
    console.error(
      '\nThe Electron binary is not installed, so the desktop app cannot start. ' +
        'On a machine with internet access, run "npx install-electron" once in this folder ' +
        '(it downloads the Electron runtime pinned in package.json into node_modules/electron/dist), ' +
        'or point ELECTRON_OVERRIDE_DIST_PATH at an existing Electron installation, then run "npm start" again. ' +
        'To use the app without Electron, run "npm run serve" and open the printed address in your browser.\n',
    );
    process.exit(1);
  }
  const child = spawn(binary, [projectRoot, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
