import { describe, expect, it, vi } from 'vitest';
import { closeAudioContext } from './close-audio-context';

const fakeContext = (state: AudioContextState, close: () => Promise<void>) => ({ state, close: vi.fn(close) }) as unknown as AudioContext & { close: ReturnType<typeof vi.fn> };

describe('closeAudioContext', () => {
  it('closes a running context', async () => {
    const context = fakeContext('running', async () => {});
    await closeAudioContext(context);
    expect(context.close).toHaveBeenCalledOnce();
  });

  it('leaves a closed context alone, and resolves when the browser closed it meanwhile', async () => {
    const closed = fakeContext('closed', async () => {});
    await closeAudioContext(closed);
    expect(closed.close).not.toHaveBeenCalled();
    const racing = fakeContext('suspended', () => Promise.reject(new DOMException('Cannot close a closed AudioContext.', 'InvalidStateError')));
    await expect(closeAudioContext(racing)).resolves.toBeUndefined();
    await expect(closeAudioContext(null)).resolves.toBeUndefined();
  });
});
