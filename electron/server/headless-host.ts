/**
 * The headless host: serves the built renderer over HTTP and carries the
 * session protocol over a WebSocket at /ws on the same origin.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { SECURITY_HEADERS } from '../agent/renderer-files/content-security-policy';
import type { Logger } from '../agent/util/logger';
import { Session } from '../agent/session/session';
import type { SessionServices } from '../agent/session/session-services';
import { resolveStaticFile } from '../agent/renderer-files/static-files';
import { newAccessToken } from './access-token';
import { ConnectionRates, HOST_LIMITS, type HostLimits } from '../agent/session/connection-limits';
import { allowedAuthorities, formatHost, isLoopback } from './host-config';
import { WebSocketCarrier } from './websocket-carrier';

export const WEBSOCKET_PATH = '/ws';
/** Hard cap per WebSocket message; larger ones close the socket (1009). */
const MAX_WEBSOCKET_PAYLOAD = 1024 * 1024;

export interface HeadlessHostOptions {
  host: string;
  port: number;
  staticDir: string;
  logger: Logger;
  /** What every session gets (see startAppServices); without it sessions only carry audio. */
  services?: SessionServices;
  /**
   * The access token every client must present, on every address (loopback
   * included: any program on this machine can reach loopback). A fresh one
   * when not given; `npm run serve` keeps one in the data folder.
   */
  token?: string;
  /** The bounds of connection-limits.ts; a test or a bench may set its own. */
  limits?: Partial<HostLimits>;
}

export interface HeadlessHost {
  /** The address to open: it carries the access token. */
  readonly url: string;
  readonly token: string;
  readonly sessionCount: number;
  close(timeoutMs?: number): Promise<void>;
}

export async function startHeadlessHost(options: HeadlessHostOptions): Promise<HeadlessHost> {
  const { logger, staticDir } = options;
  const limits: HostLimits = { ...HOST_LIMITS, ...options.limits };
  const sessions = new Map<WebSocket, Session>();
  /** Sessions whose socket closed and whose history is still being written. */
  const ending = new Set<Promise<void>>();
  let authorities = new Set<string>();
  const checkHost = isLoopback(options.host);
  const token = options.token || newAccessToken();
  const tokenDigest = digest(token);
  /** Named after the port: browsers share cookies between the ports of one host name. */
  let tokenCookie = TOKEN_COOKIE;
  let refusedWithoutToken = 0;

  /** The request carries the token, in its query (first visit) or its cookie. */
  function tokenFrom(req: IncomingMessage): { fromQuery: boolean; ok: boolean } {
    const url = new URL(req.url ?? '/', 'http://host');
    const query = url.searchParams.get('token');
    const presented = query ?? cookie(req.headers.cookie, tokenCookie);
    const ok = presented !== null && timingSafeEqual(digest(presented), tokenDigest);
    return { fromQuery: query !== null, ok };
  }

  const server = createServer((req, res) => {
    serveStatic(req, res).catch((error: unknown) => {
      logger.error('static file error', { path: (req.url ?? '').split('?')[0], error: String(error) });
      if (!res.headersSent) res.writeHead(500).end('Internal error');
      else res.destroy();
    });
  });

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (checkHost && !authorities.has(req.headers.host ?? '')) {
      // Refuse DNS-rebinding pages that reach loopback under a foreign name.
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected request');
      return;
    }
    const access = tokenFrom(req);
    if (!access.ok) {
      // Whatever was asked, nothing but where to get in.
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS }).end(NO_ACCESS_PAGE);
      return;
    }
    if (access.fromQuery) {
      // Keep the token out of the address bar and history: a cookie carries it from here on.
      const clean = new URL(req.url ?? '/', 'http://host');
      clean.searchParams.delete('token');
      res
        .writeHead(303, {
          Location: `${clean.pathname}${clean.search}`,
          'Set-Cookie': `${tokenCookie}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${COOKIE_MAX_AGE_S}`,
          'Cache-Control': 'no-store',
          ...SECURITY_HEADERS,
        })
        .end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('Method not allowed');
      return;
    }
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    const found = await resolveStaticFile(staticDir, pathname);
    if (!found.ok) {
      res.writeHead(found.status, { 'Content-Type': 'text/plain', ...SECURITY_HEADERS }).end(found.reason);
      return;
    }
    const immutable = pathname.startsWith('/assets/');
    res.writeHead(200, {
      'Content-Type': found.contentType,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...SECURITY_HEADERS,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(found.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WEBSOCKET_PAYLOAD, perMessageDeflate: false });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const pathname = (req.url ?? '').split('?')[0];
    if (pathname !== WEBSOCKET_PATH) return refuse(404, 'Not Found');
    if (checkHost && !authorities.has(req.headers.host ?? '')) return refuse(421, 'Misdirected Request');
    if (!tokenFrom(req).ok) {
      // A program trying again and again must not flood the log: the first few, then one line per thousand.
      if (++refusedWithoutToken <= 10 || refusedWithoutToken % 1_000 === 0)
        logger.warn('refused a WebSocket without the access token', { origin: req.headers.origin ?? '(none)', refused: refusedWithoutToken });
      return refuse(401, 'Unauthorized');
    }
    if (!originAllowed(req.headers.origin, req.headers.host)) {
      logger.warn('refused a WebSocket from a foreign origin', { origin: req.headers.origin ?? '(none)' });
      return refuse(403, 'Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
    if (!origin) return false;
    try {
      const url = new URL(origin);
      if (url.protocol !== 'http:') return false;
      // Off loopback the page may be reached under any of the machine's names:
      // it must then be this very page (same origin as the request's Host).
      return checkHost ? authorities.has(url.host) : url.host === hostHeader;
    } catch {
      return false;
    }
  }

  function onConnection(ws: WebSocket): void {
    if (sessions.size >= limits.maxSessions) {
      logger.warn('refused a session: too many open', { sessions: sessions.size });
      ws.close(1013, `This app already has ${limits.maxSessions} open sessions: close a tab and try again.`);
      return;
    }
    const carrier = new WebSocketCarrier(ws, limits.maxSendBufferBytes, (buffered) =>
      logger.warn('dropped a client that does not read what it is sent', { session: session.id, buffered }),
    );
    const session = new Session(carrier, { ...options.services, logger });
    sessions.set(ws, session);
    // Only a pong carrying our latest ping's payload shows the client is there: unsolicited pongs prove nothing.
    let awaitedPong: Buffer | null = null;
    const heartbeat = setInterval(() => {
      if (awaitedPong) {
        logger.warn('dropped a client that did not answer its ping', { session: session.id });
        return ws.terminate();
      }
      awaitedPong = randomBytes(8);
      ws.ping(awaitedPong);
    }, limits.heartbeatMs);
    heartbeat.unref();
    ws.on('pong', (data: Buffer) => {
      if (awaitedPong?.equals(data)) awaitedPong = null;
    });
    const rates = new ConnectionRates(limits);
    const tooFast = (reason: string) => {
      logger.warn('closed a connection that sent too fast', { session: session.id, reason });
      ws.close(1008, reason);
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (ws.readyState !== ws.OPEN) return; // closing: what is still in flight is not looked at
      const refused = rates.admit(isBinary ? 'audio' : 'message');
      if (refused) return tooFast(refused);
      if (isBinary) return session.receiveAudio(toBuffer(data));
      session.receiveMessage(toBuffer(data).toString('utf8')); // the session enforces the size limit, as on every carrier
    });
    ws.on('close', () => {
      clearInterval(heartbeat);
      sessions.delete(ws);
      const ended = session.close();
      ending.add(ended);
      void ended.then(() => {
        ending.delete(ended);
        logger.info('session closed', { session: session.id });
      });
    });
    ws.on('error', (error) => logger.warn('WebSocket error', { session: session.id, error: error.message }));
    logger.info('session opened', { session: session.id, transport: 'websocket' });
    session.open();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  authorities = allowedAuthorities(options.host, port);
  tokenCookie = `${TOKEN_COOKIE}_${port}`;
  const displayHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : formatHost(options.host);
  const url = `http://${displayHost}:${port}/?token=${token}`;

  let closing: Promise<void> | null = null;
  return {
    url,
    token,
    get sessionCount() {
      return sessions.size;
    },
    close(timeoutMs = 3_000) {
      closing ??= new Promise<void>((resolve) => {
        // Sessions end first: what their conversations said is on disk before the host is gone.
        const ended = [...[...sessions.values()].map((session) => session.close()), ...ending];
        const sessionsEnded = Promise.race([Promise.all(ended), delay(timeoutMs, undefined, { ref: false })]);
        for (const ws of sessions.keys()) ws.close(1001, 'Server shutting down');
        const force = setTimeout(() => {
          for (const ws of sessions.keys()) ws.terminate();
          server.closeAllConnections();
        }, timeoutMs);
        force.unref();
        wss.close();
        server.close(() => {
          clearTimeout(force);
          void sessionsEnded.then(() => resolve());
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

const TOKEN_COOKIE = 'vas_token';
/** The cookie outlives a browser restart, so a bookmark of the page keeps working while the token is kept. */
const COOKIE_MAX_AGE_S = 30 * 24 * 3600;
/** All a client without the token learns, on any path. */
export const NO_ACCESS_PAGE = 'Open the link printed in the terminal where this app was started.\n';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function cookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(rest.join('='));
      } catch {
        return null;
      }
    }
  }
  return null;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
