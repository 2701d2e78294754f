/**
 * Which addresses the app may hand to the system browser (`shell.openExternal`):
 * plain http and https links only, never file:, javascript:, custom schemes or
 * links that carry credentials. Everything else is refused.
 */
const ALLOWED_PROTOCOLS = new Set(['http:', 'https:']);

export function isExternalUrlAllowed(candidate: unknown): candidate is string {
  if (typeof candidate !== 'string' || candidate.length > 2048) return false;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  return ALLOWED_PROTOCOLS.has(url.protocol) && url.hostname !== '' && url.username === '' && url.password === '';
}
