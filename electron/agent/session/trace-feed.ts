/**
 * A session's view of the span store behind the trace viewer: the list of
 * conversations and pages of their spans on request, and, while the page
 * watches, the list again whenever the store changed, at most every
 * TRACE_FEED_INTERVAL_MS (the page then asks for the spans it lacks).
 */
import type { ServerMessage } from '../../../shared/protocol';
import { TRACE_FEED_INTERVAL_MS } from '../../../shared/trace-viewer';
import type { SessionTraceStore } from './session-services';

type TracesMessage = Extract<ServerMessage, { type: 'traces' }>;
type PageMessage = Extract<ServerMessage, { type: 'traces.page' }>;

export class TraceFeed {
  private unsubscribe: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly store: SessionTraceStore | undefined,
    private readonly send: (message: TracesMessage) => void,
    private readonly intervalMs = TRACE_FEED_INTERVAL_MS,
  ) {}

  get available(): boolean {
    return this.store !== undefined;
  }

  get watching(): boolean {
    return this.unsubscribe !== null;
  }

  list(): Omit<TracesMessage, 'ref'> {
    const store = this.required();
    return { type: 'traces', conversations: store.list(), resources: store.resources };
  }

  /** Null when the store no longer holds that conversation. */
  page(key: string, from: number): Omit<PageMessage, 'ref'> | null {
    const page = this.required().page(key, from);
    return page ? { type: 'traces.page', key, spans: page.spans, ...(page.logs?.length ? { logs: page.logs } : {}), next: page.next } : null;
  }

  watch(on: boolean): void {
    const store = this.required();
    if (on === this.watching) return;
    if (!on) return this.stop();
    this.unsubscribe = store.onChange(() => this.changed());
  }

  close(): void {
    this.stop();
  }

  private changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.watching) this.send(this.list());
    }, this.intervalMs);
    this.timer.unref?.();
  }

  private stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private required(): SessionTraceStore {
    if (!this.store) throw new Error('this host keeps no spans');
    return this.store;
  }
}
