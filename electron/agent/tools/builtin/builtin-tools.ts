/**
 * The built-in tools of one session as a `ToolProvider`: the current time,
 * countdown timers, and (while tracing is on) a description of the last
 * turns' timings. Off-line and harmless; other providers (MCP servers) are
 * composed with this one.
 */
import type { Tool, ToolProvider } from '../tool';
import { CountdownTimers } from './countdown-timers';
import { currentTimeTool, type CurrentTimeOptions } from './current-time';
import { describeRecentTurnsTool, type RecentTurnsSource } from './describe-recent-turns';

export interface BuiltinToolsOptions extends CurrentTimeOptions {
  /** Says that a timer ended. */
  announce(text: string): void;
  /** What describe_recent_turns reads; without it that tool is listed but never offered. */
  recentTurns?: RecentTurnsSource;
}

const NO_TRACING: RecentTurnsSource = { tracing: () => false, turns: () => [] };

export class BuiltinTools implements ToolProvider {
  private readonly timers: CountdownTimers;
  private readonly all: readonly Tool[];
  private readonly whenTracing: Tool;
  private readonly recentTurns: RecentTurnsSource;

  constructor(options: BuiltinToolsOptions) {
    this.timers = new CountdownTimers({ announce: options.announce });
    this.recentTurns = options.recentTurns ?? NO_TRACING;
    this.whenTracing = describeRecentTurnsTool(this.recentTurns);
    this.all = [currentTimeTool(options), this.timers.tool, this.whenTracing];
  }

  /** The tools offered now: describe_recent_turns only while tracing is on. */
  tools(): readonly Tool[] {
    return this.recentTurns.tracing() ? this.all : this.all.filter((tool) => tool !== this.whenTracing);
  }

  /** Every built-in tool, offered now or not (the settings list them all). */
  listed(): readonly Tool[] {
    return this.all;
  }

  dispose(): void {
    this.timers.dispose();
  }
}
