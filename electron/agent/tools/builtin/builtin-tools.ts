/**
 * The built-in tools of one session as a `ToolProvider`: the current time
 * and countdown timers. Off-line and harmless; other providers (MCP servers)
 * are composed with this one.
 */
import type { Tool, ToolProvider } from '../tool';
import { CountdownTimers } from './countdown-timers';
import { currentTimeTool, type CurrentTimeOptions } from './current-time';

export interface BuiltinToolsOptions extends CurrentTimeOptions {
  /** Says that a timer ended. */
  announce(text: string): void;
}

export class BuiltinTools implements ToolProvider {
  private readonly timers: CountdownTimers;
  private readonly all: readonly Tool[];

  constructor(options: BuiltinToolsOptions) {
    this.timers = new CountdownTimers({ announce: options.announce });
    this.all = [currentTimeTool(options), this.timers.tool];
  }

  tools(): readonly Tool[] {
    return this.all;
  }

  dispose(): void {
    this.timers.dispose();
  }
}
