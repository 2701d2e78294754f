/**
 * Value formats that both the environment readers (main) and the settings
 * schema (both sides) check, defined once.
 */

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The OTLP spec's header list, `key=value,key2=value2`, values percent-encoded.
 * Returns the headers, or the 1-based position of the first bad entry.
 */
export function parseHeaderList(raw: string): { ok: true; headers: Record<string, string> } | { ok: false; entry: number } {
  const headers: Record<string, string> = {};
  for (const [index, part] of raw.split(',').entries()) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    let value: string | null = null;
    try {
      value = eq > 0 ? decodeURIComponent(part.slice(eq + 1).trim()) : null;
    } catch {
      value = null;
    }
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key) || value === null || /[\r\n]/.test(value)) return { ok: false, entry: index + 1 };
    headers[key] = value;
  }
  return { ok: true, headers };
}

/**
 * Where a request to this URL goes, as browsers compare it: scheme, host and
 * port (`https://api.openai.com`); '' for text that is not an http(s) URL. A
 * secret is sent only to the origin it was given for.
 */
export function urlOrigin(value: string): string {
  return isHttpUrl(value) ? new URL(value).origin : '';
}
