import { describe, expect, it } from 'vitest';
import { EnvelopeWriter, type ServerMessage } from '../../../shared/protocol';
import { RecordingCarrier } from './recording-carrier';

describe('RecordingCarrier', () => {
  it('keeps what was sent and finds messages by type', () => {
    const carrier = new RecordingCarrier();
    const writer = new EnvelopeWriter<ServerMessage>();
    carrier.send(writer.wrap({ type: 'state', state: 'idle', conversationId: null }));
    carrier.send(writer.wrap({ type: 'state', state: 'listening', conversationId: 'c1' }));
    carrier.sendAudio(new ArrayBuffer(4));
    expect(carrier.kind).toBe('websocket');
    expect(carrier.messages('state').map((m) => m.state)).toEqual(['idle', 'listening']);
    expect(carrier.last('state')).toEqual({ type: 'state', state: 'listening', conversationId: 'c1' });
    expect(carrier.last('error')).toBeUndefined();
    expect(carrier.audio).toHaveLength(1);
    expect(carrier.summary()).toBe('state:idle,state:listening');
    carrier.send(writer.wrap({ type: 'transcript', id: 't1', role: 'assistant', text: 'Hel', final: true, interrupted: true }));
    carrier.send(writer.wrap({ type: 'audio.flush' }));
    expect(carrier.summary()).toBe('state:idle,state:listening,transcript:assistant!,audio.flush');
  });

  it('keeps a structured clone of each envelope when asked, as a MessagePort would deliver it', () => {
    const writer = new EnvelopeWriter<ServerMessage>();
    const sent = writer.wrap({ type: 'notice', level: 'info', text: 'before' });
    const cloning = new RecordingCarrier('ipc', { structuredClone: true });
    const plain = new RecordingCarrier();
    cloning.send(sent);
    plain.send(sent);
    (sent.message as { text: string }).text = 'changed after sending';
    expect(cloning.last('notice')?.text).toBe('before');
    expect(plain.last('notice')?.text).toBe('changed after sending');
    const uncloneable = { ...writer.wrap({ type: 'notice', level: 'info', text: 'x' }), extra: () => {} };
    expect(() => cloning.send(uncloneable)).toThrow(DOMException);
  });
});
