/**
 * The renderer's context manager: the SDK's StackContextManager, the one a
 * browser has without zone.js. It tracks the active span through synchronous
 * code (`context.with`), which is what the renderer's own code needs: its
 * spans are parented explicitly on the contexts main sends, and nothing of
 * the page awaits inside an active span.
 */
import { context } from '@opentelemetry/api';
import { StackContextManager } from '@opentelemetry/sdk-trace';

/** Registers the manager once per page; false when another was registered first (it stays). */
export function registerRendererContextManager(): boolean {
  const manager = new StackContextManager().enable();
  const registered = context.setGlobalContextManager(manager);
  if (!registered) manager.disable();
  return registered;
}
