/**
 * Keeps the spans of the conversations the page shows up to date: while
 * tracing is on the page watches the store; each time main lists it, every
 * followed conversation that has spans the page lacks is fetched, page by
 * page from its cursor, one request at a time per conversation.
 */
import type { ServerMessage } from '../../../shared/protocol';
import { behind, type TracesState } from './traces-state';

type TracesReply = Extract<ServerMessage, { type: 'traces' | 'traces.page' }>;

export interface TraceFollowerDeps {
  list(): Promise<TracesReply>;
  page(key: string, from: number): Promise<TracesReply>;
  watch(on: boolean): void;
  state(): TracesState;
  apply(reply: TracesReply): void;
  /** The conversations the page shows besides the selected one (the replies' badges). */
  shown(): Iterable<string>;
}

export class TraceFollower {
  private selected: string | null = null;
  private readonly fetching = new Set<string>();
  private watching = false;

  constructor(private readonly deps: TraceFollowerDeps) {}

  /** A new session: it watches nothing yet, whatever the old one did. */
  sessionChanged(): void {
    this.watching = false;
    this.fetching.clear();
  }

  /** Tracing is on or off in main (each session says so when it opens, and on every change). */
  setTracing(enabled: boolean): void {
    if (enabled === this.watching) return;
    this.fetching.clear();
    this.watching = enabled;
    this.deps.watch(enabled);
    if (enabled) this.refresh();
  }

  /** Asks main for the list now (the dialog opens). */
  refresh(): void {
    if (!this.watching) return;
    this.deps.list().then(
      (reply) => this.listed(reply),
      (error: unknown) => console.warn('The trace viewer could not list the conversations:', error),
    );
  }

  select(key: string | null): void {
    this.selected = key;
    if (key) this.follow(key);
  }

  /** Main listed the store (on its own or when asked). */
  listed(reply: TracesReply): void {
    this.deps.apply(reply);
    const keys = new Set(this.deps.shown());
    if (this.selected) keys.add(this.selected);
    for (const key of keys) this.follow(key);
  }

  private follow(key: string): void {
    if (this.fetching.has(key) || !behind(this.deps.state(), key)) return;
    this.fetching.add(key);
    const from = this.deps.state().cursors[key] ?? 0;
    this.deps.page(key, from).then(
      (reply) => {
        this.fetching.delete(key);
        this.deps.apply(reply);
        this.follow(key);
      },
      // Dropped from the store meanwhile: the next list says so.
      () => this.fetching.delete(key),
    );
  }
}
