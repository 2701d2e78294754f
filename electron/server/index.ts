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
import { startAppServices } from '../agent/app-services';
import { LOG_FILES_KEPT, LOGS_FOLDER, MAX_LOG_FILE_BYTES, RotatingLogFile } from '../agent/log-file';
import { consoleLogger } from '../agent/logger';
import { FileSecretStore } from '../agent/settings/secret-store';
import { startHeadlessHost } from './headless-host';
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
  if (!isLoopback(host))
    logger.warn(`HOST=${host}: the app is reachable from other machines on this network; it asks for the access link printed below.`);

  const dataDir = resolve(process.env.DATA_DIR?.trim() || join(homedir(), '.voice-agent-stack'));
  const logFile = new RotatingLogFile(join(dataDir, LOGS_FOLDER));
  logger.attach(logFile.sink);
  logger.info(`Logs: ${logFile.path} (the terminal's lines; ${LOG_FILES_KEPT} files of ${MAX_LOG_FILE_BYTES / 1024 / 1024} MB kept).`);
  let services;
  try {
    services = await startAppServices({ dataDir, env: process.env, secretStore: new FileSecretStore(join(dataDir, 'secrets.json')), logger, logSinks: logger });
  } catch (error) {
    logger.error(`Could not open the data folder ${dataDir} (${String(error)}). Set DATA_DIR to a folder you can write to.`);
    process.exit(1);
  }
  const { telemetry } = services;
  let hostHandle;
  try {
    hostHandle = await startHeadlessHost({ host, port, staticDir, logger, services });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'EADDRINUSE'
        ? `Port ${port} is in use: stop the other program or set PORT to a free port.`
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
          ? `HOST=${host} is not an address of this machine.`
          : String(error);
    logger.error(`Could not start the headless host. ${hint}`);
    process.exit(1);
  }
  const running = hostHandle;
  console.log(
    running.token
      ? `\n  Voice Agent Stack is running at ${running.url}\n  This link carries an access token (a new one at every start): share it only with people who may use this assistant.\n  On another machine, use this machine's address in place of ${new URL(running.url).hostname}. Press Ctrl+C to stop.\n`
      : `\n  Voice Agent Stack is running at ${running.url}\n  Open it in a browser; press Ctrl+C to stop.\n`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received, shutting down`);
    const forced = setTimeout(() => process.exit(1), 6_000);
    forced.unref();
    // Sessions end first (their spans close), then pending spans are flushed within 3 s.
    void running
      .close()
      .then(() => Promise.race([services.tools.stop(), delay(3_000, undefined, { ref: false })]))
      .then(() => telemetry.shutdown(3_000))
      .then(() => logFile.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
