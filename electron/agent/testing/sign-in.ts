/**
 * Gets into a headless host as a browser does: opens the printed link, whose
 * token the host trades for a cookie, and sends that cookie from then on.
 * What the tests, the bench and any other client of ours use; there is no
 * other way in.
 */
export interface SignedIn {
  /** The page's origin, e.g. `http://127.0.0.1:5178`: the `Origin` a page of the host sends. */
  origin: string;
  /** The `Cookie` header value to send with every request and the WebSocket upgrade. */
  cookie: string;
  /** The WebSocket address of the session protocol. */
  ws: string;
}

export async function signIn(link: string): Promise<SignedIn> {
  const first = await fetch(link, { redirect: 'manual' });
  const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (first.status !== 303 || !cookie) throw new Error(`the access link answered ${first.status}${cookie ? '' : ' without a cookie'}`);
  const origin = new URL(link).origin;
  return { origin, cookie, ws: `${origin.replace(/^http/, 'ws')}/ws` };
}

/** The access link in a host's start-up message (`npm run serve`'s standard output). */
export function accessLinkIn(output: string): string | null {
  return /(https?:\/\/\S+\?token=[\w-]+)/.exec(output)?.[1] ?? null;
}
