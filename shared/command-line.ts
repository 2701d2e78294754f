/**
 * A program's command line as a person reads it, and as they would type it in
 * a POSIX shell: each word that is not plainly safe is put in single quotes.
 * The desktop's confirmation dialog and the MCP server form both show it, so
 * what the user agrees to is exactly what runs.
 */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

function quoted(word: string): string {
  if (PLAIN.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(command: string, args: readonly string[] = []): string {
  return [command, ...args].map(quoted).join(' ');
}
