/**
 * The wording of network failures, shared by everything that talks to a
 * server (the stage providers, model downloads, trace export): addresses
 * shown without credentials, the reason a connection failed in plain words,
 * durations and long messages made short.
 */

/** A URL for display: scheme, host and path, never user info or query (signed links carry tokens there). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/$/, '')}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Why a connection failed, from the codes and messages of an error and its causes; null when it is not a known network failure. */
export function networkReason(error: unknown): string | null {
  const text = describeChain(error);
  if (/ECONNREFUSED/.test(text)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'the host name could not be resolved';
  if (/ECONNRESET|UND_ERR_SOCKET|socket hang up|terminated|other side closed/.test(text)) return 'the connection was dropped';
  if (/ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT/.test(text)) return 'the connection timed out';
  // Upper case only: Node's codes (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID), not words such as "uncertain".
  if (/CERT|SSL_|TLS_|UNABLE_TO_VERIFY|certificate/.test(text)) return 'the secure connection could not be established';
  return null;
}

/** 0.4 s, 2 s, 15 s: whole seconds unless that would round a short time to nothing. */
export function formatSeconds(ms: number): string {
  return `${ms < 1_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`;
}

/** An error's message on one line, cut to `max` characters. */
export function shorten(text: string, max = 160): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    const e = current as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown };
    parts.push(String(e.code ?? ''), String(e.name ?? ''), String(e.message ?? ''));
    current = e.cause;
  }
  return parts.join(' ');
}
