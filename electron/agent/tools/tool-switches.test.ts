import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolSwitches } from './tool-switches';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tool-switches-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('ToolSwitches', () => {
  it('keeps what was switched off, and moves or forgets a server’s switches', async () => {
    const file = join(dir, 'tool-switches.json');
    const switches = await ToolSwitches.open(file, () => {});
    expect(switches.isToolEnabled('web', 'add')).toBe(true);
    await switches.setTool('web', 'add', false);
    await switches.setBuiltin('set_timer', false);
    const again = await ToolSwitches.open(file, () => {});
    expect(again.isToolEnabled('web', 'add')).toBe(false);
    expect(again.isToolEnabled('web', 'other')).toBe(true);
    expect(again.isBuiltinEnabled('set_timer')).toBe(false);
    await again.renameServer('web', 'site');
    expect(again.isToolEnabled('site', 'add')).toBe(false);
    expect(again.isToolEnabled('web', 'add')).toBe(true);
    await again.renameServer('site', null);
    await again.setBuiltin('set_timer', true);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ disabledTools: {}, disabledBuiltins: [] });
  });

  it('says why a file it cannot read is ignored, and turns every tool on', async () => {
    const file = join(dir, 'tool-switches.json');
    await writeFile(file, '{ not json');
    const warnings: string[] = [];
    const switches = await ToolSwitches.open(file, (message) => warnings.push(message));
    expect(warnings).toEqual([expect.stringMatching(/^.*tool-switches\.json could not be read \(.+\); every tool is on\.$/)]);
    expect(switches.isBuiltinEnabled('get_current_time')).toBe(true);
  });
});
