/**
 * The main process's context manager: AsyncLocalStorage, so that the active
 * span follows async work (awaits, timers, streams). With it, spans that
 * libraries start inside a stage's provider call (HTTP client
 * instrumentation) nest under that stage's span.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/** Registers the manager once per process; false when another was registered first (it stays). */
export function registerContextManager(): boolean {
  const manager = new AsyncLocalStorageContextManager().enable();
  const registered = context.setGlobalContextManager(manager);
  if (!registered) manager.disable();
  return registered;
}
