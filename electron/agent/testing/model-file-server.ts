/**
 * A static file server on 127.0.0.1 for download tests: real Range support
 * (206 with Content-Range, 416 past the end), redirects, throttled sending,
 * and faults consumed one per request (an error status, a connection cut or a
 * stall after some bytes, a reply that ignores Range).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FileFault =
  | { kind: 'status'; status: number }
  | { kind: 'cut'; afterBytes: number }
  | { kind: 'stall'; afterBytes: number }
  | { kind: 'ignore-range' };

export interface FileRequest {
  path: string;
  range: string | undefined;
  status: number;
}

export interface ModelFileServer {
  url: string;
  requests: FileRequest[];
  /** Serves `content` at `path`. */
  serve(path: string, content: Buffer): void;
  /** Answers `path` with a 302 to `location`. */
  redirect(path: string, location: string): void;
  /** Faults for the next requests, one per request. */
  fail(...faults: FileFault[]): void;
  /** Sends bodies in chunks of `chunkBytes` every `intervalMs` (0 = as fast as possible). */
  throttle(chunkBytes: number, intervalMs: number): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startModelFileServer(): Promise<ModelFileServer> {
  const files = new Map<string, Buffer>();
  const redirects = new Map<string, string>();
  let faults: FileFault[] = [];
  let chunkBytes = 64 * 1024;
  let intervalMs = 0;
  const requests: FileRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const record: FileRequest = { path, range: req.headers.range, status: 0 };
    requests.push(record);
    const fault = faults.shift();
    const location = redirects.get(path);
    if (location) {
      record.status = 302;
      res.writeHead(302, { location }).end();
      return;
    }
    if (fault?.kind === 'status') {
      record.status = fault.status;
      res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(`status ${fault.status}`);
      return;
    }
    const content = files.get(path);
    if (!content) {
      record.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    let start = 0;
    let end = content.length - 1;
    let status = 200;
    const range = fault?.kind === 'ignore-range' ? undefined : /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
      if (start >= content.length) {
        record.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${content.length}` }).end();
        return;
      }
      status = 206;
    }
    record.status = status;
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'content-length': end - start + 1, 'accept-ranges': 'bytes' };
    if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${content.length}`;
    res.writeHead(status, headers);
    const body = content.subarray(start, end + 1);
    const stopAt = fault?.kind === 'cut' || fault?.kind === 'stall' ? Math.min(fault.afterBytes, body.length) : body.length;
    let sent = 0;
    const step = () => {
      if (res.destroyed) return;
      if (sent >= stopAt) {
        if (fault?.kind === 'cut') res.socket?.destroy();
        else if (fault?.kind !== 'stall') res.end();
        return;
      }
      const chunk = body.subarray(sent, Math.min(stopAt, sent + chunkBytes));
      sent += chunk.length;
      const more = res.write(chunk);
      const next = () => {
        if (intervalMs > 0) {
          const timer = setTimeout(() => {
            timers.delete(timer);
            step();
          }, intervalMs);
          timers.add(timer);
        } else setImmediate(step);
      };
      if (more) next();
      else res.once('drain', next);
    };
    step();
  };

  const server: Server = createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    serve: (path, content) => void files.set(path, content),
    redirect: (path, location) => void redirects.set(path, location),
    fail: (...more) => void faults.push(...more),
    throttle: (bytes, ms) => {
      chunkBytes = bytes;
      intervalMs = ms;
    },
    reset: () => {
      faults = [];
      requests.length = 0;
      chunkBytes = 64 * 1024;
      intervalMs = 0;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
