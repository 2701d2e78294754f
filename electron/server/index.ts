/**
 * `npm run serve`: the headless host. Serves the built renderer and the
 * session protocol on one loopback origin, for use from a browser.
 */
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { config as loadDotenv } from 'dotenv';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startAppServices, type AppServices } from '../agent/app-services';
import { LOG_FILES_KEPT, LOGS_FOLDER, MAX_LOG_FILE_BYTES, RotatingLogFile } from '../agent/telemetry/sdk/log-file';
import { consoleLogger } from '../agent/util/logger';
import { MCP_STOP_GRACE_MS } from '../agent/tools/mcp/mcp-connection';
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
    // The last resort, after the MCP servers' grace and the span flush below.
    const forced = setTimeout(() => process.exit(code || 1), MCP_STOP_GRACE_MS + 4_000);
    forced.unref();
    // Sessions end first (their spans close), then the MCP servers stop (every program gone, killed if
    // it must be) and the turns' audio being saved is written, and pending spans are flushed within 3 s.
    void servicesSettled
      .then(() => running?.close())
      .then(() => services && Promise.race([Promise.all([services.tools.stop(), services.audioStore.settled()]), delay(MCP_STOP_GRACE_MS, undefined, { ref: false })]))
      .then(() => services?.telemetry.shutdown(3_000))
      .then(() => process.exit(code));
  };
  const fail = (message: string) => {
    logger.error(message);
    stop('the host could not start', 1);
  };
  process.on('SIGINT', () => stop('SIGINT received', 0));
  process.on('SIGTERM', () => stop('SIGTERM received', 0));

  // The port is held before any service starts: a busy port must not cost an MCP server start (its
  // command runs) only to stop it again. It is handed to the host once the services are up.
  let reserved: Server;
  try {
    reserved = await reservePort(host, port);
  } catch (error) {
    return fail(`Could not start the headless host. ${listenHint(error, host, port)}`);
  }

  const dataDir = resolve(process.env.DATA_DIR?.trim() || join(homedir(), '.voice-agent-stack'));
  const logFile = new RotatingLogFile(join(dataDir, LOGS_FOLDER));
  logger.attach(logFile.sink);
  logger.info(`Logs: ${logFile.path} (the terminal's lines; ${LOG_FILES_KEPT} files of ${MAX_LOG_FILE_BYTES / 1024 / 1024} MB kept).`);
  try {
    const starting = startAppServices({ dataDir, env: process.env, secretStore: new FileSecretStore(join(dataDir, 'secrets.json')), logger, logSinks: logger });
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
    const reservedPort = (reserved.address() as AddressInfo).port;
    await new Promise((done) => reserved.close(done));
    running = await startHeadlessHost({ host, port: reservedPort, staticDir, logger, services, token });
  } catch (error) {
    return fail(`Could not start the headless host. ${listenHint(error, host, port)}`);
  }
  if (stopping) return;
  const elsewhere = isLoopback(host) ? '' : `\n  On another machine, use this machine's address in place of ${new URL(running.url).hostname}.`;
  console.log(
    `\n  Voice Agent Stack is running at ${running.url}\n` +
      `  Open that link in a browser. It gives full control of this assistant: its settings and saved keys, its conversations\n` +
      `  and traces, and the programs it runs as tools. Share it with no one you would not hand this computer to.\n` +
      `  It stays the same at every start; to replace it, delete ${join(dataDir, ACCESS_TOKEN_FILE)} and restart.${elsewhere}\n` +
      `  Logs: ${logFile.path}\n` +
      `  Press Ctrl+C to stop.\n`,
  );
}

/** Listens on the host's address, to hold the port (and learn a chosen one, for PORT=0) until the host takes it. */
function reservePort(host: string, port: number): Promise<Server> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      done(server);
    });
  });
}

function listenHint(error: unknown, host: string, port: number): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return `Port ${port} is in use: stop the other program or set PORT to a free port.`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `HOST=${host} is not an address of this machine.`;
  return String(error);
}

void main();
