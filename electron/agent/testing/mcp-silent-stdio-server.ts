/**
 * A program that stands for a stdio MCP server stuck in its start-up: it
 * appends its process id to a file as its first act, then reads nothing and
 * never answers; only a signal ends it. Given as a `node -e` script, and
 * helpers to read the pid file and to see whether a process still runs.
 */
export function silentServerScript(pidFile: string): { command: string; args: string[] } {
  const script = `require('node:fs').appendFileSync(${JSON.stringify(pidFile)}, process.pid + '\\n'); setInterval(() => {}, 1 << 30);`;
  return { command: process.execPath, args: ['-e', script] };
}

/** The process ids the pid file lists. */
export function pidsIn(text: string | null): number[] {
  return (text ?? '').split('\n').filter(Boolean).map(Number);
}

/** Whether a process with this id is still running. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
