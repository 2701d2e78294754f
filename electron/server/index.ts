/**
 * `npm run serve`: the headless host. Serves the built renderer and the
 * session protocol on one loopback origin, for use from a browser.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { config as loadDotenv } from 'dotenv';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startAppServices, type AppServices } from '../agent/app-services';
import { consoleLogger } from '../agent/logger';
import { FileSecretStore } from '../agent/settings/secret-store';
import { DataFolderInUse } from '../agent/util/data-folder-lock';
import { ACCESS_TOKEN_FILE, keptAccessToken } from './access-token';
import { startHeadlessHost, type HeadlessHost } from './headless-host';
import { isLoopback, readHostConfig } from './host-config';

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const logger = consoleLogger('server');
  const { host, port } = readHostConfig(process.env, (message) => logger.warn(message));
  const staticDir = fileURLToPath(new URL('../renderer/', import.meta.url));
  if (!existsSync(staticDir)) {
    logger.error(`The renderer is not built (${staticDir} is missing). Run "npm run serve", which builds it first.`);
    process.exit(1);
  }
  if (!isLoopback(host)) logger.warn(`HOST=${host}: the app is reachable from other machines on this network (each needs the access link printed below).`);

  // Whatever has started stops on every way out: a signal during start-up, a failed start, or a normal stop.
  let services: AppServices | null = null;
  /** Settles once the services have started or failed: a stop waits for it, so nothing they start is left behind. */
  let servicesSettled: Promise<unknown> = Promise.resolve();
  let running: HeadlessHost | null = null;
  let stopping = false;
  const stop = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${reason}, shutting down`);
    const forced = setTimeout(() => process.exit(code || 1), 6_000);
    forced.unref();
    // Sessions end first (their spans close), then the MCP servers stop and pending spans are flushed within 3 s.
    void servicesSettled
      .then(() => running?.close())
      .then(() => services && Promise.race([services.tools.stop(), delay(3_000, undefined, { ref: false })]))
      .then(() => services?.telemetry.shutdown(3_000))
      .then(() => process.exit(code));
  };
  const fail = (message: string) => {
    logger.error(message);
    stop('the host could not start', 1);
  };
  process.on('SIGINT', () => stop('SIGINT received', 0));
  process.on('SIGTERM', () => stop('SIGTERM received', 0));

  const dataDir = resolve(process.env.DATA_DIR?.trim() || join(homedir(), '.voice-agent-stack'));
  try {
    const starting = startAppServices({ dataDir, env: process.env, secretStore: new FileSecretStore(join(dataDir, 'secrets.json')), logger });
    servicesSettled = starting.then((started) => (services = started), () => {});
    services = await starting;
  } catch (error) {
    if (error instanceof DataFolderInUse) return fail(error.message);
    return fail(`Could not open the data folder ${dataDir} (${String(error)}). Set DATA_DIR to a folder you can write to.`);
  }
  if (stopping) return;
  let token: string;
  try {
    token = await keptAccessToken(dataDir, (message) => logger.warn(message));
  } catch (error) {
    return fail(`Could not keep the access token in ${join(dataDir, ACCESS_TOKEN_FILE)} (${String(error)}). Set DATA_DIR to a folder you can write to.`);
  }
  try {
    running = await startHeadlessHost({ host, port, staticDir, logger, services, token });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'EADDRINUSE'
        ? `Port ${port} is in use: stop the other program or set PORT to a free port.`
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
          ? `HOST=${host} is not an address of this machine.`
          : String(error);
    return fail(`Could not start the headless host. ${hint}`);
  }
  if (stopping) return;
  const elsewhere = isLoopback(host) ? '' : `\n  On another machine, use this machine's address in place of ${new URL(running.url).hostname}.`;
  console.log(
    `\n  Voice Agent Stack is running at ${running.url}\n` +
      `  Open that link in a browser. It gives full control of this assistant: its settings and saved keys, its conversations\n` +
      `  and traces, and the programs it runs as tools. Share it with no one you would not hand this computer to.\n` +
      `  It stays the same at every start; to replace it, delete ${join(dataDir, ACCESS_TOKEN_FILE)} and restart.${elsewhere}\n` +
      `  Press Ctrl+C to stop.\n`,
  );
}

void main();
