import { describe, expect, it, vi } from 'vitest';
import type { Session } from '../agent/session/session';
import { PortCarrier, routePortMessage } from './port-carrier';

function fakeSession() {
  return { receiveAudio: vi.fn(), receiveMessage: vi.fn() } as unknown as Session & {
    receiveAudio: ReturnType<typeof vi.fn>;
    receiveMessage: ReturnType<typeof vi.fn>;
  };
}

describe('port routing', () => {
  it('sends buffers to the audio path and envelopes to the message path', () => {
    const session = fakeSession();
    const buffer = new ArrayBuffer(8);
    routePortMessage(session, buffer);
    routePortMessage(session, new Uint8Array(4));
    routePortMessage(session, { kind: 'message', envelope: { v: 1 } });
    routePortMessage(session, 'stray');
    expect(session.receiveAudio).toHaveBeenCalledTimes(2);
    expect(session.receiveMessage).toHaveBeenNthCalledWith(1, { v: 1 });
    expect(session.receiveMessage).toHaveBeenNthCalledWith(2, 'stray');
  });

  it('wraps envelopes for the port', () => {
    const postMessage = vi.fn();
    const carrier = new PortCarrier({ postMessage } as never);
    carrier.send({ v: 1, seq: 0, message: { type: 'audio.flush' } });
    const audio = new ArrayBuffer(4);
    carrier.sendAudio(audio);
    expect(postMessage).toHaveBeenNthCalledWith(1, { kind: 'message', envelope: { v: 1, seq: 0, message: { type: 'audio.flush' } } });
    expect(postMessage).toHaveBeenNthCalledWith(2, audio);
  });
});
