import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { programDecision, programFingerprint, programRequest, ProgramApprovals } from './program-approval';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'program-approval-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('whether a program may run', () => {
  const fp = 'a'.repeat(64);
  const other = 'b'.repeat(64);
  it('at start-up, holds what was saved through the app and not allowed, and starts the rest (the user’s own)', () => {
    expect(programDecision({ trigger: 'load', fingerprint: fp, previous: null, unapproved: true, canAsk: true })).toBe('hold');
    expect(programDecision({ trigger: 'load', fingerprint: fp, previous: null, unapproved: false, canAsk: true })).toBe('start');
    expect(programDecision({ trigger: 'load', fingerprint: fp, previous: null, unapproved: true, canAsk: false })).toBe('hold');
  });

  it('on a save through the app, asks about a new or changed program where it can, and starts the same allowed one', () => {
    expect(programDecision({ trigger: 'save', fingerprint: fp, previous: null, unapproved: false, canAsk: true })).toBe('ask');
    expect(programDecision({ trigger: 'save', fingerprint: fp, previous: other, unapproved: false, canAsk: true })).toBe('ask');
    expect(programDecision({ trigger: 'save', fingerprint: fp, previous: fp, unapproved: false, canAsk: true })).toBe('start');
    // The same program, still not allowed (switched on again, "Start"): asked again.
    expect(programDecision({ trigger: 'save', fingerprint: fp, previous: fp, unapproved: true, canAsk: true })).toBe('ask');
  });

  it('without a dialog (the headless host), the save is the user’s say', () => {
    expect(programDecision({ trigger: 'save', fingerprint: fp, previous: null, unapproved: false, canAsk: false })).toBe('start');
    expect(programDecision({ trigger: 'save', fingerprint: fp, previous: fp, unapproved: true, canAsk: false })).toBe('start');
  });

  it('knows a program by its command, arguments, folder and the names of its environment, not the values', () => {
    const base = { command: 'npx', args: ['-y', 'server'], env: { TOKEN: 'one' } };
    const same = programFingerprint(base);
    expect(programFingerprint({ ...base, env: { TOKEN: 'two' } })).toBe(same);
    expect(programFingerprint({ ...base, disabled: true })).toBe(same);
    for (const changed of [{ ...base, command: 'sh' }, { ...base, args: ['-y', 'other'] }, { ...base, cwd: '/tmp' }, { ...base, env: { TOKEN: 'one', MORE: '' } }]) {
      expect(programFingerprint(changed)).not.toBe(same);
    }
    expect(programRequest('s', { ...base, env: { B: 'x', A: 'y' } })).toEqual({ server: 's', command: 'npx', args: ['-y', 'server'], cwd: null, envNames: ['A', 'B'] });
  });
});

describe('the record of programs not allowed', () => {
  const fp = 'c'.repeat(64);
  it('keeps what it is told across starts, and forgets programs no entry uses', async () => {
    const file = join(dir, 'program-approvals.json');
    const approvals = await ProgramApprovals.open(file);
    expect(approvals.problem).toBeNull();
    await approvals.holdAll([fp, 'd'.repeat(64)]);
    expect((await ProgramApprovals.open(file)).isUnapproved(fp)).toBe(true);
    await approvals.allow(fp);
    expect((await ProgramApprovals.open(file)).isUnapproved(fp)).toBe(false);
    await approvals.keepOnly(new Set());
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ unapproved: [] });
  });

  it('says when its file cannot be read, without a word of what is in it', async () => {
    const file = join(dir, 'program-approvals.json');
    await writeFile(file, "{ 'secret-looking-text");
    const approvals = await ProgramApprovals.open(file);
    expect(approvals.problem).toBe(`${file}: could not be read (not valid JSON); every program waits for you to allow it.`);
    expect(approvals.isUnapproved(fp)).toBe(false);
  });
});
