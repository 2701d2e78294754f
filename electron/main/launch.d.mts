/** Path of the installed Electron binary, or null when none is installed. */
export function electronBinaryPath(): string | null;
