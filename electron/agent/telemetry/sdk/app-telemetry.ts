/** Creates the app's Telemetry from its configuration, for either host. */
import type { Logger } from '../../util/logger';
import { displayUrl } from '../../util/network-errors';
import { Telemetry } from './telemetry';
import type { TelemetryConfig } from './telemetry-config';

export function createAppTelemetry(config: TelemetryConfig, logger: Logger, runtime?: { name: string; version: string }): Telemetry {
  const version = typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : '0.0.0';
  const telemetry = new Telemetry(config, logger, { serviceVersion: version, ...(runtime ? { runtime } : {}) });
  if (config.enabled)
    logger.info(`Tracing on: exporting to ${displayUrl(config.tracesUrl)} as "${config.serviceName}"${config.consoleExport ? ', and to the console' : ''}.`);
  return telemetry;
}
