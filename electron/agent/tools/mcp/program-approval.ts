/**
 * Whether a stdio MCP server's program may run. A program saved through the
 * app (by whoever can reach it: the page, IPC, a client of the headless
 * host) runs only once the user allowed it; on the desktop, main asks in a
 * native dialog that shows the exact command line (`ProgramConfirmation`,
 * given by the shell: this folder imports no Electron). An entry the user
 * wrote in the MCP servers file by hand is their own and runs as it is.
 *
 * So the app remembers, in the data folder, the programs saved through it
 * that were not (yet) allowed: a fingerprint of what makes the program
 * (command, arguments, working folder, the names of its environment). Such an
 * entry stays stopped, at this start and the next, until the user allows it
 * or changes it by hand. The record is written before the MCP servers file,
 * so a crash in between leaves the program stopped, never running unasked.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { StdioServerConfig } from '../../../../shared/mcp-config';
import { readOptional, writeFileAtomic } from '../../util/atomic-file';

/** What the dialog shows and the user answers. */
export interface ProgramRequest {
  /** The server's name in the settings. */
  readonly server: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string | null;
  /** The names (never the values) of the environment it gets. */
  readonly envNames: readonly string[];
}

/** Asks the user whether a program may run; false when they refuse or the question is withdrawn (`signal`). */
export interface ProgramConfirmation {
  confirm(request: ProgramRequest, signal: AbortSignal): Promise<boolean>;
}

export function programRequest(server: string, config: StdioServerConfig): ProgramRequest {
  return { server, command: config.command, args: config.args ?? [], cwd: config.cwd ?? null, envNames: Object.keys(config.env ?? {}).sort() };
}

/** What identifies a program: change any of it and the user is asked again. Env values are secrets and may change freely. */
export function programFingerprint(config: StdioServerConfig): string {
  const request = programRequest('', config);
  return createHash('sha256').update(JSON.stringify([request.command, request.args, request.cwd, request.envNames])).digest('hex');
}

/**
 * What to do with a stdio entry: `start` it, `ask` the user first, or `hold`
 * it stopped (a program saved through the app that the user did not allow).
 * - At start-up (`load`): an entry recorded as not allowed is held; any
 *   other is the user's own (written by hand, or allowed before) and starts.
 * - On a save through the app (`save`): the same program as before, already
 *   allowed, starts (only a value of its environment, its name or its switch
 *   changed); a new or changed one is asked about where the app can ask (the
 *   desktop), and elsewhere starts: the save itself came from the user (the
 *   headless host's clients hold its access token).
 */
export type ProgramDecision = 'start' | 'ask' | 'hold';

export function programDecision(input: {
  readonly trigger: 'load' | 'save';
  readonly fingerprint: string;
  /** The fingerprint of the entry this save replaces (null: a new entry, or it was not a program). */
  readonly previous: string | null;
  /** Whether `fingerprint` is recorded as saved through the app and not allowed. */
  readonly unapproved: boolean;
  /** Whether the user can be asked here (a confirmation dialog exists). */
  readonly canAsk: boolean;
}): ProgramDecision {
  if (input.trigger === 'load') return input.unapproved ? 'hold' : 'start';
  if (input.previous === input.fingerprint && !input.unapproved) return 'start';
  return input.canAsk ? 'ask' : 'start';
}

const ApprovalsFileSchema = z.object({ unapproved: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(10_000) });

/**
 * The record of programs saved through the app and not allowed, in a small
 * JSON file in the data folder, written atomically. When the file cannot be
 * read, the owner holds every program of the MCP servers file (the safe
 * side: `holdAll`) and says so.
 */
export class ProgramApprovals {
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly unapproved: Set<string>,
    /** Why the file could not be read, for the settings' problems; null when it could. */
    readonly problem: string | null,
  ) {}

  static async open(file: string): Promise<ProgramApprovals> {
    try {
      const text = await readOptional(file);
      const parsed = text === null ? { unapproved: [] } : ApprovalsFileSchema.parse(JSON.parse(text));
      return new ProgramApprovals(file, new Set(parsed.unapproved), null);
    } catch (error) {
      const why = error instanceof SyntaxError ? 'not valid JSON' : error instanceof z.ZodError ? 'not a record of programs' : error instanceof Error ? error.message : String(error);
      return new ProgramApprovals(file, new Set(), `${file}: could not be read (${why}); every program waits for you to allow it.`);
    }
  }

  isUnapproved(fingerprint: string): boolean {
    return this.unapproved.has(fingerprint);
  }

  /** Records programs as not allowed (a new one before its entry is written; all of them when the record was lost). */
  async holdAll(fingerprints: Iterable<string>): Promise<void> {
    const added = [...fingerprints].filter((fingerprint) => !this.unapproved.has(fingerprint));
    if (!added.length) return;
    for (const fingerprint of added) this.unapproved.add(fingerprint);
    await this.save();
  }

  /** Records a program as allowed. */
  async allow(fingerprint: string): Promise<void> {
    if (!this.unapproved.has(fingerprint)) return;
    this.unapproved.delete(fingerprint);
    await this.save();
  }

  /** Forgets programs no entry uses any more. */
  async keepOnly(fingerprints: ReadonlySet<string>): Promise<void> {
    const gone = [...this.unapproved].filter((fingerprint) => !fingerprints.has(fingerprint));
    if (!gone.length) return;
    for (const fingerprint of gone) this.unapproved.delete(fingerprint);
    await this.save();
  }

  private save(): Promise<void> {
    const write = this.writing.then(async () => {
      await writeFileAtomic(this.file, `${JSON.stringify({ unapproved: [...this.unapproved] }, null, 2)}\n`);
    });
    this.writing = write.catch(() => {});
    return write;
  }
}
