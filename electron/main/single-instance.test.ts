/**
 * The single-instance path: the decision with a stand-in for Electron's app
 * (no binary here), and index.ts read as source to check that nothing starts
 * before the lock is won.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { startFirstInstance, type InstanceLockApp } from './single-instance';

/** Records what the start-up asks of Electron's app; `ready()` fires whenReady. */
function standInApp(lockWon: boolean) {
  const calls: string[] = [];
  const listeners: (() => void)[] = [];
  let fireReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (fireReady = resolve));
  const app: InstanceLockApp = {
    requestSingleInstanceLock: () => (calls.push('lock'), lockWon),
    quit: () => void calls.push('quit'),
    on: (_event, listener) => listeners.push(listener),
    whenReady: () => (calls.push('whenReady'), ready),
  };
  return { app, calls, listeners, fireReady: async () => (fireReady(), await ready) };
}

describe('a second instance', () => {
  it('quits before it starts anything, and does not answer later launches', async () => {
    const { app, calls, listeners, fireReady } = standInApp(false);
    const started: string[] = [];
    expect(startFirstInstance(app, { ready: async () => void started.push('services'), secondInstance: () => started.push('window') })).toBe(false);
    await fireReady();
    await Promise.resolve();
    expect(calls).toEqual(['lock', 'quit']);
    expect(listeners).toEqual([]);
    expect(started).toEqual([]);
  });
});

describe('the first instance', () => {
  it('starts once Electron is ready, and shows its window when another launch is refused', async () => {
    const { app, calls, listeners, fireReady } = standInApp(true);
    const started: string[] = [];
    let servicesStarted!: () => void;
    const servicesDone = new Promise<void>((resolve) => (servicesStarted = resolve));
    expect(
      startFirstInstance(app, {
        ready: async () => {
          started.push('services');
          servicesStarted();
        },
        secondInstance: () => started.push('window shown'),
      }),
    ).toBe(true);
    expect(started).toEqual([]);
    await fireReady();
    await servicesDone;
    listeners.forEach((listener) => listener());
    expect(calls).toEqual(['lock', 'whenReady']);
    expect(started).toEqual(['services', 'window shown']);
  });
});

describe("main's start-up (index.ts)", () => {
  const file = join(import.meta.dirname, 'index.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const text = source.getText();

  /** The function declaration named `name` at the top level of index.ts. */
  function declaration(name: string): ts.FunctionDeclaration | undefined {
    return source.statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name);
  }

  /** Names of the top-level functions whose bodies call `callee(`. */
  function callers(callee: string): string[] {
    return source.statements.flatMap((s) => (ts.isFunctionDeclaration(s) && s.body && new RegExp(`\\b${callee}\\(`).test(s.body.getText()) ? [s.name!.text] : []));
  }

  it('asks for the lock through startFirstInstance only, and waits for Electron there alone', () => {
    expect(text).not.toMatch(/requestSingleInstanceLock|whenReady|on\('ready'/);
    const start = source.statements.filter((s) => ts.isExpressionStatement(s) && /^startFirstInstance\(/.test(s.expression.getText()));
    expect(start).toHaveLength(1);
    expect(start[0]!.getText()).toMatch(/^startFirstInstance\(app, \{ ready: startApp, secondInstance: showWindow \}\);$/);
  });

  it('opens the services and the window from startApp alone, so a second instance never does', () => {
    expect(declaration('startApp')).toBeDefined();
    expect(callers('openServices')).toEqual(['startApp']);
    expect(callers('startAppServices')).toEqual(['openServices']);
    // Nothing at the top level starts a service, a window or a handler itself.
    const topLevel = source.statements.filter((s) => !ts.isFunctionDeclaration(s) && !ts.isImportDeclaration(s)).map((s) => s.getText());
    for (const started of ['openServices(', 'startAppServices(', 'createWindow(', 'startApp(', 'new DesktopShell(', 'ipcMain.', 'protocol.handle('])
      expect(topLevel.filter((statement) => statement.includes(started) && !/^app\.on\(/.test(statement))).toEqual([]);
  });
});
