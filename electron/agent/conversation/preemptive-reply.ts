/**
 * A reply prepared while the user pauses: speech-to-text on the utterance so
 * far, the model on its transcript and speech for the first phrase all run
 * during the silence window, but everything they produce is held here:
 * nothing reaches the client, the conversation or its context, and no tool
 * runs, until the window confirms the utterance (`confirm`). If the user goes
 * on instead, `cancel` aborts every request and engine it started.
 *
 * The prepared work is only used for the audio it was prepared from
 * (`matches`): the utterance that ends must be exactly the paused one.
 */
import type { Tool } from '../tools/tool';
import { eventTime } from '../pipeline/turn-events';
import { abortReason } from '../util/abort';
import type { Utterance } from './listener';
import type { SpokenSegment } from '../pipeline/spoken-text';
import type { TurnTools } from '../pipeline/tool-calls';
import type { TurnResult, TurnSink } from '../pipeline/turn-run';

/** Runs the turn's pipeline into the reply's `sink`, under its `signal`, filling its `segments`. */
export type PreparedRun = (reply: PreemptiveReply) => Promise<TurnResult>;

export class PreemptiveReply {
  /** Sentences and their audio, filled as the pipeline synthesises (the confirmed turn's segments). */
  readonly segments: SpokenSegment[] = [];
  /** The pipeline's result; settles soon after `cancel`. */
  readonly result: Promise<TurnResult>;
  /** When the work started (event time). */
  readonly startedAt = eventTime();
  /** Stage requests the pipeline started before confirmation. */
  requests = 0;
  /** When the pipeline produced its first audio, if it has. */
  private firstAudioAt: number | null = null;
  private readonly controller = new AbortController();
  /** What the pipeline produced before confirmation, in order. */
  private held: ((sink: TurnSink) => void)[] = [];
  private target: TurnSink | null = null;
  private resolveConfirmation!: () => void;
  private readonly confirmation = new Promise<void>((resolve) => (this.resolveConfirmation = resolve));
  /** Where the pipeline puts what it produces: held until confirmation, then passed through. */
  readonly sink: TurnSink = this.holdingSink();

  constructor(
    readonly utterance: Utterance,
    run: PreparedRun,
  ) {
    this.result = run(this);
  }

  get isConfirmed(): boolean {
    return this.target !== null;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * How much earlier the first audio is ready, confirmed at `confirmedAt`, than had the same work
   * started then, from this work's own timings: had it started at confirmation, its first audio would
   * come (first audio - start) later than that; prepared, it comes at the later of the two. So the
   * saving is min(confirmation, first audio) - start: the whole time to first audio when that was ready
   * by confirmation, else the time the work ran before it. Milliseconds, rounded.
   */
  savedMsAt(confirmedAt: number): number {
    const ready = this.firstAudioAt !== null && this.firstAudioAt < confirmedAt ? this.firstAudioAt : confirmedAt;
    return Math.max(0, Math.round(ready - this.startedAt));
  }

  /** Whether `audio` is exactly the audio this reply was prepared from. */
  matches(audio: Int16Array): boolean {
    const own = this.utterance.audio;
    if (own.length !== audio.length) return false;
    for (let i = 0; i < own.length; i++) if (own[i] !== audio[i]) return false;
    return true;
  }

  /** The user went on (or the conversation moved on): everything started is aborted; nothing held is used. */
  cancel(reason: string): void {
    if (this.isConfirmed) return;
    this.held = [];
    this.controller.abort(new Error(reason));
  }

  /**
   * The utterance is over: what was held goes to `sink` now, in order, and
   * the rest as it comes; `signal` (the turn's) stops the pipeline from now on.
   */
  confirm(sink: TurnSink, signal: AbortSignal): void {
    if (this.isConfirmed || this.controller.signal.aborted) throw new Error('a cancelled or confirmed reply cannot be confirmed');
    this.target = sink;
    const held = this.held;
    this.held = [];
    for (const deliver of held) deliver(sink);
    if (signal.aborted) this.controller.abort(signal.reason);
    else signal.addEventListener('abort', () => this.controller.abort(signal.reason), { once: true });
    this.resolveConfirmation();
  }

  /** The turn's tools, each call waiting for the confirmation: nothing with an effect runs ahead of time. */
  holdTools(tools: TurnTools | undefined): TurnTools | undefined {
    if (!tools) return undefined;
    return { ...tools, tools: tools.tools.map((tool) => this.heldTool(tool)) };
  }

  private heldTool(tool: Tool): Tool {
    const call: Tool['call'] = async (args, context) => {
      await this.confirmed(context.signal);
      return tool.call(args, context);
    };
    return Object.assign(Object.create(tool) as Tool, { call });
  }

  /** Resolves once confirmed; rejects when `signal` or the cancellation comes first. */
  private confirmed(signal: AbortSignal): Promise<void> {
    if (this.isConfirmed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const signals = [signal, this.controller.signal];
      const onAbort = () => reject(abortReason(signal.aborted ? signal : this.controller.signal));
      if (signals.some((s) => s.aborted)) return onAbort();
      for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
      void this.confirmation.then(() => {
        for (const s of signals) s.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  private holdingSink(): TurnSink {
    const pass = (deliver: (sink: TurnSink) => void) => {
      if (this.target) deliver(this.target);
      else if (!this.controller.signal.aborted) this.held.push(deliver);
    };
    return {
      userText: (text) => pass((sink) => sink.userText(text)),
      replyText: (text) => pass((sink) => sink.replyText(text)),
      audio: (samples, sampleRate) => {
        this.firstAudioAt ??= eventTime();
        pass((sink) => sink.audio(samples, sampleRate));
      },
      toolsRunning: (names) => pass((sink) => sink.toolsRunning?.(names)),
      toolCalls: (calls) => pass((sink) => sink.toolCalls?.(calls)),
      notice: (text) => pass((sink) => sink.notice?.(text)),
    };
  }
}
