import type { KeyboardEvent } from 'react';

/** Arrow keys move the focus between the items `selector` finds in the list around the event's target; Home and End to the ends. */
export function moveFocus(event: KeyboardEvent<HTMLElement>, list: HTMLElement | null, selector: string): void {
  if (!list || !['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) return;
  const items = [...list.querySelectorAll<HTMLElement>(selector)];
  const index = items.indexOf(event.currentTarget);
  if (index < 0) return;
  const next = event.key === 'Home' ? 0 : event.key === 'End' ? items.length - 1 : index + (event.key === 'ArrowDown' ? 1 : -1);
  const target = items[Math.max(0, Math.min(items.length - 1, next))];
  if (!target) return;
  event.preventDefault();
  target.focus();
}
