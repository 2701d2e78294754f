/**
 * Where the desktop app reads `.env`: from the app's own folder in
 * development (`npm start`, `npm run dev`: the project folder), and from the
 * user-data folder once packaged. Never from the working directory: a
 * packaged app is started from anywhere (a terminal in a downloads folder, a
 * file manager, a shortcut), and a `.env` lying there would decide which
 * servers get the user's conversations and keys.
 */
import { join } from 'node:path';
import { config as loadDotenv, type DotenvPopulateInput } from 'dotenv';

export interface DotenvPlace {
  /** `app.isPackaged`. */
  packaged: boolean;
  /** `app.getAppPath()`: the project folder in development. */
  appPath: string;
  /** `app.getPath('userData')`, after `--user-data-dir` took effect. */
  userDataDir: string;
}

export function dotenvPath(place: DotenvPlace): string {
  return join(place.packaged ? place.userDataDir : place.appPath, '.env');
}

/** Reads the app's `.env` into `env` (variables already set there win); returns the file's path. */
export function loadAppDotenv(place: DotenvPlace, env: NodeJS.ProcessEnv): string {
  const path = dotenvPath(place);
  loadDotenv({ path, processEnv: env as DotenvPopulateInput, quiet: true });
  return path;
}
