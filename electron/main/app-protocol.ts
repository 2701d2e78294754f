import { readFile } from 'node:fs/promises';
import { SECURITY_HEADERS } from '../agent/renderer-files/content-security-policy';
import { resolveStaticFile } from '../agent/renderer-files/static-files';
import { APP_HOST } from './security';

/** Serves the built renderer for app://voice-agent/..., with the CSP header. */
export async function serveAppRequest(rendererDir: string, request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.host !== APP_HOST) return new Response('Not found', { status: 404 });
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('Method not allowed', { status: 405 });
  const found = await resolveStaticFile(rendererDir, url.pathname);
  if (!found.ok) return new Response(found.reason, { status: found.status, headers: { ...SECURITY_HEADERS } });
  const body = await readFile(found.file);
  return new Response(request.method === 'HEAD' ? null : body, {
    status: 200,
    headers: { 'Content-Type': found.contentType, ...SECURITY_HEADERS },
  });
}
