/**
 * Which tools the user switched off: MCP tools by server and tool name,
 * built-in tools by name. Kept in a small JSON file in the data folder
 * (`tool-switches.json`), written atomically on every change. Everything
 * not listed is on, so a tool a server adds later starts enabled. (A whole
 * server is switched with `disabled` in the MCP servers file, the format's
 * own key.)
 */
import { z } from 'zod';
import { readOptional, writeFileAtomic } from '../util/atomic-file';

const SwitchesFileSchema = z.object({
  disabledTools: z.record(z.string(), z.array(z.string())).default({}),
  disabledBuiltins: z.array(z.string()).default([]),
});

export class ToolSwitches {
  private constructor(
    private readonly file: string,
    private readonly disabledTools: Map<string, Set<string>>,
    private readonly disabledBuiltins: Set<string>,
  ) {}

  /** Reads the file; a missing or unreadable one is all tools on (`warn` says why for the latter). */
  static async open(file: string, warn: (message: string) => void): Promise<ToolSwitches> {
    let parsed: z.infer<typeof SwitchesFileSchema> = { disabledTools: {}, disabledBuiltins: [] };
    try {
      const text = await readOptional(file);
      if (text !== null) parsed = SwitchesFileSchema.parse(JSON.parse(text));
    } catch (error) {
      warn(`${file} could not be read (${error instanceof Error ? error.message : String(error)}); every tool is on.`);
    }
    const tools = new Map(Object.entries(parsed.disabledTools).map(([server, names]) => [server, new Set(names)]));
    return new ToolSwitches(file, tools, new Set(parsed.disabledBuiltins));
  }

  isToolEnabled(server: string, tool: string): boolean {
    return !this.disabledTools.get(server)?.has(tool);
  }

  isBuiltinEnabled(name: string): boolean {
    return !this.disabledBuiltins.has(name);
  }

  async setTool(server: string, tool: string, enabled: boolean): Promise<void> {
    const set = this.disabledTools.get(server) ?? new Set<string>();
    if (enabled) set.delete(tool);
    else set.add(tool);
    if (set.size) this.disabledTools.set(server, set);
    else this.disabledTools.delete(server);
    await this.save();
  }

  async setBuiltin(name: string, enabled: boolean): Promise<void> {
    if (enabled) this.disabledBuiltins.delete(name);
    else this.disabledBuiltins.add(name);
    await this.save();
  }

  /** Forgets a server's switches (it was removed) or moves them (it was renamed). */
  async renameServer(from: string, to: string | null): Promise<void> {
    const set = this.disabledTools.get(from);
    if (!set) return;
    this.disabledTools.delete(from);
    if (to !== null) this.disabledTools.set(to, set);
    await this.save();
  }

  private save(): Promise<void> {
    const content = {
      disabledTools: Object.fromEntries([...this.disabledTools].map(([server, names]) => [server, [...names].sort()])),
      disabledBuiltins: [...this.disabledBuiltins].sort(),
    };
    return writeFileAtomic(this.file, `${JSON.stringify(content, null, 2)}\n`);
  }
}
