/** Loopback ports for tests: one to listen on, or one to be refused on. */
import { createServer } from 'node:net';

/** A loopback port nothing listens on right now (the system picked it, then it was let go). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('a TCP server reported no port');
  return address.port;
}

/** A loopback port where a connection is refused: the same free port, asked for to connect to. */
export const closedPort: () => Promise<number> = freePort;
