/**
 * An accessibility audit with axe-core against WCAG 2.1 A and AA, of the page
 * as it is now, in the light and the dark colour scheme.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The violations axe finds in the page as it is now, one line each: "view (scheme): rule [impact] target". */
export async function audit(app: Page, view: string): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await app.emulateMedia({ colorScheme });
    // Legacy mode runs axe in the page alone: the window has no frames, and
    // the desktop window's context cannot open the blank page the default mode needs.
    const results = await new AxeBuilder({ page: app }).withTags(WCAG_21_AA).setLegacyMode().analyze();
    for (const violation of results.violations) {
      for (const node of violation.nodes) found.push(`${view} (${colorScheme}): ${violation.id} [${violation.impact ?? 'unknown'}] ${node.target.join(' ')}`);
    }
  }
  await app.emulateMedia({ colorScheme: null });
  if (found.length > 0) console.log(`Accessibility violations:\n${found.join('\n')}`);
  return found;
}

