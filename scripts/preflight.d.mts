export const DEFAULT_CHROMIUM: string;
/** The Chromium the e2e suite launches: CHROMIUM_PATH, else Debian's. */
export function chromiumPath(env?: Record<string, string | undefined>): string;

export interface PrerequisiteProbe {
  nodeVersion: string;
  platform: string;
  chromiumPath: string;
  /** Why the file cannot be run, or null when it can. */
  notExecutable(path: string): string | null;
  /** The error loading whisper.cpp's addon threw, or null. */
  whisperAddonError(): Error | null;
}

/** What is missing, as short phrases naming what to install; empty when all is there. */
export function missingPrerequisites(probe: PrerequisiteProbe): string[];
