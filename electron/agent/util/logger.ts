/** Minimal structured logger; the hosts decide where lines go. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function line(level: string, scope: string, message: string, fields?: Record<string, unknown>): string {
  const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
  return `${new Date().toISOString()} ${level} [${scope}] ${message}${extra}`;
}

export function consoleLogger(scope: string): Logger {
  return {
    info: (m, f) => console.log(line('info ', scope, m, f)),
    warn: (m, f) => console.warn(line('warn ', scope, m, f)),
    error: (m, f) => console.error(line('error', scope, m, f)),
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
