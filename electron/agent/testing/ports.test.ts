import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closedPort, freePort } from './ports';

describe('ports', () => {
  it('finds a port that can be listened on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it('finds a port where a connection is refused', async () => {
    const port = await closedPort();
    const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => reject(new Error('connected')));
      socket.once('error', resolve);
    });
    expect(error.code).toBe('ECONNREFUSED');
  });
});
