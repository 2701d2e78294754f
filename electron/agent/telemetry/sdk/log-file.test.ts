import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOG_FILE_NAME, LOG_FILES_KEPT, MAX_LOG_FILE_BYTES, RotatingLogFile } from './log-file';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { AppLogger } from '../../util/logger';
import { registerContextManager } from './context-manager';

const folders: string[] = [];
const files: RotatingLogFile[] = [];
afterEach(() => {
  for (const file of files.splice(0)) file.close();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function logFile(options: { maxBytes?: number; files?: number } = {}): RotatingLogFile {
  const folder = mkdtempSync(join(tmpdir(), 'log-file-'));
  folders.push(folder);
  const file = new RotatingLogFile(join(folder, 'logs'), options);
  files.push(file);
  return file;
}

const totalBytes = (file: RotatingLogFile) => readdirSync(file.folder).reduce((sum, name) => sum + statSync(join(file.folder, name)).size, 0);

describe('RotatingLogFile', () => {
  it('keeps 2 files of 5 MB by default', () => {
    expect(MAX_LOG_FILE_BYTES).toBe(5 * 1024 * 1024);
    expect(LOG_FILES_KEPT).toBe(2);
  });

  it('writes the terminal lines of a logger to the file, in a folder it makes', () => {
    const file = logFile();
    const logger = new AppLogger('main', [file.sink]);
    logger.warn('turn failed', { stage: 'llm' });
    const text = readFileSync(file.path, 'utf8');
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z warn {2}\[main\] turn failed \{"stage":"llm"\}\n$/);
  });

  it("ends a line made in a sampled span with its trace and span ids, and no other line", () => {
    registerContextManager();
    const file = logFile();
    const logger = new AppLogger('main', [file.sink]);
    const sampled = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED };
    const inSpan = trace.setSpanContext(ROOT_CONTEXT, sampled);
    context.with(inSpan, () => logger.warn('turn failed'));
    context.with(trace.setSpanContext(ROOT_CONTEXT, { ...sampled, traceFlags: TraceFlags.NONE }), () => logger.info('not sampled'));
    context.with(suppressTracing(inSpan), () => logger.warn('Trace export failed'));
    logger.info('outside');
    const lines = readFileSync(file.path, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/\] turn failed trace_id=a{32} span_id=b{16}$/);
    expect(lines.slice(1).map((l) => /trace_id/.test(l))).toEqual([false, false, false]);
  });

  it('never holds more than its files times their size, however much is logged, and keeps the newest lines', () => {
    const file = logFile({ maxBytes: 1_000, files: 2 });
    for (let i = 0; i < 500; i++) file.write(`line ${i} ${'x'.repeat(40)}`);
    expect(readdirSync(file.folder).sort()).toEqual([LOG_FILE_NAME, `${LOG_FILE_NAME}.1`]);
    expect(totalBytes(file)).toBeLessThanOrEqual(2_000);
    for (const name of readdirSync(file.folder)) expect(statSync(join(file.folder, name)).size).toBeLessThanOrEqual(1_000);
    const current = readFileSync(file.path, 'utf8');
    expect(current.trimEnd().split('\n').at(-1)).toMatch(/^line 499 /);
    // The previous file ends where the current one begins.
    const previous = readFileSync(`${file.path}.1`, 'utf8').trimEnd().split('\n');
    const first = Number(/^line (\d+)/.exec(current)![1]);
    expect(previous.at(-1)).toMatch(new RegExp(`^line ${first - 1} `));
  });

  it('keeps more files when asked, dropping the oldest', () => {
    const file = logFile({ maxBytes: 100, files: 3 });
    for (let i = 0; i < 50; i++) file.write(`line ${i} ${'y'.repeat(30)}`);
    expect(readdirSync(file.folder).sort()).toEqual([LOG_FILE_NAME, `${LOG_FILE_NAME}.1`, `${LOG_FILE_NAME}.2`]);
    expect(totalBytes(file)).toBeLessThanOrEqual(300);
  });

  it('cuts one line larger than a whole file to the file size', () => {
    const file = logFile({ maxBytes: 200 });
    file.write('z'.repeat(10_000));
    const text = readFileSync(file.path, 'utf8');
    expect(Buffer.byteLength(text)).toBe(200);
    expect(text.endsWith('…\n')).toBe(true);
  });

  it('appends to the file an earlier run left, counting its size', () => {
    const first = logFile({ maxBytes: 1_000 });
    first.write('from the last run');
    first.close();
    const second = new RotatingLogFile(first.folder, { maxBytes: 1_000 });
    files.push(second);
    second.write('x'.repeat(990));
    expect(readFileSync(`${second.path}.1`, 'utf8')).toBe('from the last run\n');
  });
});
