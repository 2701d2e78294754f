/**
 * Configuration of the headless host, from the environment (and .env).
 * Invalid values are reported by name and replaced by the default.
 */
export interface HostConfig {
  host: string;
  port: number;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 5178;

export function readHostConfig(env: NodeJS.ProcessEnv, warn: (message: string) => void): HostConfig {
  const host = (env.HOST ?? '').trim() || DEFAULT_HOST;
  let port = DEFAULT_PORT;
  const rawPort = (env.PORT ?? '').trim();
  if (rawPort) {
    const parsed = Number(rawPort);
    if (/^\d+$/.test(rawPort) && parsed >= 0 && parsed <= 65_535) port = parsed;
    else warn(`PORT="${rawPort}" is not a port number (0-65535); using ${DEFAULT_PORT}.`);
  }
  return { host, port };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The origins a page of this host can have; used to check `Origin` and `Host`. */
export function allowedAuthorities(host: string, port: number): Set<string> {
  const names = isLoopback(host) ? ['127.0.0.1', 'localhost', '[::1]', formatHost(host)] : [formatHost(host)];
  return new Set(names.map((name) => `${name}:${port}`));
}

export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
