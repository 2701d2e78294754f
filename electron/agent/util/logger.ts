/**
 * Minimal structured logger; the hosts decide where lines go. A line is one
 * `LogEntry`, handed to every sink attached: the terminal, the rotating log
 * file, and (while tracing is on) the OpenTelemetry logs pipeline. Callers
 * keep secrets out of messages and fields; no sink adds any.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEntry {
  /** Milliseconds since the epoch. */
  time: number;
  level: LogLevel;
  /** The logger's name ("main", "server"). */
  scope: string;
  message: string;
  fields?: Record<string, unknown>;
}

/** Where log entries go; a sink must not throw (a failing sink is detached). */
export type LogSink = (entry: LogEntry) => void;

/** A logger whose sinks may be attached after it is made (the telemetry's, once tracing exists). */
export interface LogSinks {
  attach(sink: LogSink): () => void;
}

/** The terminal line of an entry, as the app has always printed it. */
export function logLine(entry: LogEntry): string {
  const extra = entry.fields && Object.keys(entry.fields).length ? ' ' + JSON.stringify(entry.fields) : '';
  return `${new Date(entry.time).toISOString()} ${entry.level.padEnd(5)} [${entry.scope}] ${entry.message}${extra}`;
}

export const consoleSink: LogSink = (entry) => {
  const line = logLine(entry);
  if (entry.level === 'error') console.error(line);
  else if (entry.level === 'warn') console.warn(line);
  else console.log(line);
};

export class AppLogger implements Logger, LogSinks {
  private readonly sinks = new Set<LogSink>();

  constructor(
    readonly scope: string,
    sinks: readonly LogSink[] = [],
  ) {
    for (const sink of sinks) this.sinks.add(sink);
  }

  attach(sink: LogSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.write('error', message, fields);
  }

  private write(level: LogLevel, message: string, fields: Record<string, unknown> | undefined): void {
    const entry: LogEntry = { time: Date.now(), level, scope: this.scope, message, ...(fields ? { fields } : {}) };
    for (const sink of [...this.sinks]) {
      try {
        sink(entry);
      } catch (error) {
        // A sink that throws would take every log line down with it: it is dropped, and said so on the others.
        this.sinks.delete(sink);
        this.write('error', 'a log destination failed and was detached', { error: String(error) });
      }
    }
  }
}

export function consoleLogger(scope: string): AppLogger {
  return new AppLogger(scope, [consoleSink]);
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
