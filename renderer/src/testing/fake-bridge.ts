/**
 * A bridge for tests: the test accepts, refuses and drops its sessions by
 * hand, sees every envelope sent, and plays main's part.
 */
import type { DesktopApi, DesktopCommand, DesktopStatus, SessionPort } from '../../../shared/bridge';
import type { ClientEnvelope, ServerEnvelope, ServerMessage } from '../../../shared/protocol';
import type { Bridge, BridgeHandlers } from '../bridge/bridge';

export const welcome: ServerMessage = { type: 'welcome', sessionId: 's1', protocolVersion: 1, audioIn: { sampleRate: 16_000, frameSamples: 320 } };

export class FakeBridge implements Bridge {
  readonly transport = 'websocket' as const;
  opens = 0;
  handlers: BridgeHandlers | null = null;
  sent: ClientEnvelope[] = [];
  audio: ArrayBuffer[] = [];
  closed = 0;
  private serverSeq = 0;
  private pending: { resolve(port: SessionPort): void; reject(error: Error): void } | null = null;

  open(handlers: BridgeHandlers): Promise<SessionPort> {
    this.opens++;
    this.handlers = handlers;
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  accept(): void {
    this.take().resolve({
      send: (envelope) => this.sent.push(envelope),
      sendAudio: (frame) => this.audio.push(frame),
      close: () => this.closed++,
    });
  }

  refuse(): void {
    this.take().reject(new Error('Could not connect to the app.'));
  }

  /** Main sends a message (with the traceparent of the span it belongs to, if given). */
  reply(message: ServerMessage, traceparent?: string): void {
    this.handlers!.onMessage({ v: 1, seq: this.serverSeq++, message, ...(traceparent ? { traceparent } : {}) } as ServerEnvelope);
  }

  /** The seq of the last envelope sent with a message of this type. */
  seqOf(type: ClientEnvelope['message']['type']): number {
    const envelope = this.sent.findLast((e) => e.message.type === type);
    if (!envelope) throw new Error(`nothing of type ${type} was sent`);
    return envelope.seq;
  }

  lose(reason = 'connection lost (code 1006)'): void {
    this.handlers!.onClose(reason);
  }

  private take() {
    const pending = this.pending;
    if (!pending) throw new Error('no open() is waiting');
    this.pending = null;
    return pending;
  }
}

/** The desktop shell's side of the preload API: the test plays main (commands, status, the file picker's answer). */
export class FakeDesktop implements DesktopApi {
  readonly platform = 'linux';
  readonly commandListeners = new Set<(command: DesktopCommand) => void>();
  readonly statusListeners = new Set<(status: DesktopStatus) => void>();
  readonly picks: ('stt' | 'llm')[] = [];
  /** What the next pick resolves to (null: cancelled), or an error it rejects with. */
  nextPick: string | null | Error = null;

  onCommand(listener: (command: DesktopCommand) => void): () => void {
    this.commandListeners.add(listener);
    return () => this.commandListeners.delete(listener);
  }

  onStatus(listener: (status: DesktopStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  async pickModelFile(stage: 'stt' | 'llm'): Promise<string | null> {
    this.picks.push(stage);
    if (this.nextPick instanceof Error) throw this.nextPick;
    return this.nextPick;
  }

  command(command: DesktopCommand): void {
    for (const listener of this.commandListeners) listener(command);
  }

  status(status: DesktopStatus): void {
    for (const listener of this.statusListeners) listener(status);
  }
}

/** A bridge of the desktop app: IPC, with the shell's API. */
export class FakeDesktopBridge extends FakeBridge {
  readonly desktop = new FakeDesktop();
}
