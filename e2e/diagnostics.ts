/**
 * The audio figures (frames, level, voiced time, played time) live in the
 * Traces dialog's Diagnostics section, not on the main screen: these open it
 * and read a figure as a number.
 */
import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures';

/** Opens Traces and returns its Diagnostics section. */
export async function openDiagnostics(app: Page): Promise<Locator> {
  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  const section = app.getByRole('dialog', { name: 'Traces' }).getByRole('region', { name: 'Diagnostics' });
  await expect(section).toBeVisible();
  return section;
}

export async function closeDiagnostics(app: Page): Promise<void> {
  await app.getByRole('button', { name: 'Close traces' }).click();
  await expect(app.getByRole('dialog', { name: 'Traces' })).toBeHidden();
}

/** A figure of the section as a number ("1.7 s" -> 1.7, "-13 dBFS" -> -13, "–" -> NaN). */
export async function figure(diagnostics: Locator, testId: string): Promise<number> {
  return Number.parseFloat((await diagnostics.getByTestId(testId).textContent()) ?? 'NaN');
}

/** Opens the section, reads one figure, and closes it again. */
export async function readFigure(app: Page, testId: string): Promise<number> {
  const value = await figure(await openDiagnostics(app), testId);
  await closeDiagnostics(app);
  return value;
}
