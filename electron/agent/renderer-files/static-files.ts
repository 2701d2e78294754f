/**
 * Resolves a request path to a file inside the renderer's build folder, and
 * never outside it: `..` segments, encoded separators, NUL bytes and symlinks
 * that point elsewhere are all refused. Shared by the headless host and the
 * Electron app:// protocol handler.
 */
import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, sep } from 'node:path';
import { CONTENT_TYPES } from './content-security-policy';

export type StaticLookup =
  | { ok: true; file: string; contentType: string }
  | { ok: false; status: 400 | 403 | 404; reason: string };

export async function resolveStaticFile(rootDir: string, pathname: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { ok: false, status: 400, reason: 'bad URL encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\') || !decoded.startsWith('/'))
    return { ok: false, status: 400, reason: 'bad path' };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, status: 403, reason: 'path escapes the root' };

  const root = await realpath(rootDir);
  let candidate = join(root, ...segments.filter(Boolean));
  if (!isInside(root, candidate)) return { ok: false, status: 403, reason: 'path escapes the root' };

  let info = await stat(candidate).catch(() => null);
  if (info?.isDirectory()) {
    candidate = join(candidate, 'index.html');
    info = await stat(candidate).catch(() => null);
  }
  if (!info) {
    // Client-side routes (no extension) get the app; missing assets get a 404.
    if (extname(decoded) !== '') return { ok: false, status: 404, reason: 'not found' };
    candidate = join(root, 'index.html');
    info = await stat(candidate).catch(() => null);
    if (!info) return { ok: false, status: 404, reason: 'not found' };
  }
  if (!info.isFile()) return { ok: false, status: 404, reason: 'not found' };

  const real = await realpath(candidate).catch(() => null);
  if (!real || !isInside(root, real)) return { ok: false, status: 403, reason: 'path escapes the root' };
  return { ok: true, file: real, contentType: CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream' };
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}
