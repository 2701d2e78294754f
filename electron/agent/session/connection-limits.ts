/**
 * What a client may use at most, over the headless host's WebSocket or the
 * desktop's MessagePort alike (the renderer is untrusted in both). A real page
 * stays far below every bound; a hostile or broken client meets one, and then
 * only its own connection closes, with the reason, while the others carry on.
 */
export interface Rate {
  /** Sustained: what flows in per second, for as long as the client likes. */
  perSecond: number;
  /** At once: what may arrive together after a quiet spell. */
  burst: number;
}

export interface HostLimits {
  maxSessions: number;
  messageRate: Rate;
  audioFrameRate: Rate;
  maxSendBufferBytes: number;
  heartbeatMs: number;
}

/**
 * Open sessions per host. Each holds an assistant (VAD, a pipeline, audio
 * buffers) and a conversation's history file; a person uses one tab, a few at
 * most, so 16 leaves room for several browsers and devices.
 */
export const MAX_SESSIONS = 16;

/**
 * Text messages per connection. The page sends a few a second at most
 * (playback reports, a batch of spans every 500 ms, a request per click); the
 * burst covers what it sends at once when it connects or reconnects.
 */
export const MESSAGE_RATE: Readonly<Rate> = { perSecond: 50, burst: 200 };

/**
 * Microphone frames per connection. The microphone sends 50 a second (20 ms
 * each): twice real time is allowed, and ten seconds of backlog at once, what
 * a stalled network delivers when it recovers.
 */
export const AUDIO_FRAME_RATE: Readonly<Rate> = { perSecond: 100, burst: 500 };

/**
 * What may wait unsent to one client, beyond what the operating system's
 * socket buffers hold: about 45 s of the assistant's voice (24 kHz, 16-bit)
 * and every message beside it. A client that reads keeps it near zero; one
 * that does not is dropped rather than growing the host's memory.
 */
export const MAX_SEND_BUFFER_BYTES = 2 * 1024 * 1024;

/** A ping every 15 s; a client that has not answered the previous one (with its own payload) is gone. */
export const HEARTBEAT_MS = 15_000;

export const HOST_LIMITS: Readonly<HostLimits> = {
  maxSessions: MAX_SESSIONS,
  messageRate: MESSAGE_RATE,
  audioFrameRate: AUDIO_FRAME_RATE,
  maxSendBufferBytes: MAX_SEND_BUFFER_BYTES,
  heartbeatMs: HEARTBEAT_MS,
};

/** A token bucket: `take()` turns false once a client goes faster than `perSecond` for longer than `burst` allows. */
export class RateLimit {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: Readonly<Rate>,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = rate.burst;
    this.last = now();
  }

  take(): boolean {
    if (this.rate.perSecond === Infinity) return true;
    const now = this.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.last) / 1000) * this.rate.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A connection's two rates: `admit()` says why it must close once either is exceeded, else null. */
export class ConnectionRates {
  private readonly messages: RateLimit;
  private readonly frames: RateLimit;

  constructor(
    private readonly limits: Pick<HostLimits, 'messageRate' | 'audioFrameRate'> = HOST_LIMITS,
    now?: () => number,
  ) {
    this.messages = new RateLimit(limits.messageRate, now);
    this.frames = new RateLimit(limits.audioFrameRate, now);
  }

  admit(kind: 'message' | 'audio'): string | null {
    if (kind === 'audio') return this.frames.take() ? null : tooFast('audio frames', this.limits.audioFrameRate);
    return this.messages.take() ? null : tooFast('messages', this.limits.messageRate);
  }
}

function tooFast(what: string, rate: Readonly<Rate>): string {
  return `Too many ${what}: more than ${rate.perSecond} a second.`;
}
