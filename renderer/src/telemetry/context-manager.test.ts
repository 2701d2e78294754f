import { ROOT_CONTEXT, context, createContextKey } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { registerRendererContextManager } from './context-manager';

afterEach(() => context.disable());

describe('registerRendererContextManager', () => {
  it('makes the context given to context.with the active one while the callback runs', () => {
    expect(registerRendererContextManager()).toBe(true);
    const key = createContextKey('test');
    const inner = ROOT_CONTEXT.setValue(key, 'inside');
    expect(context.with(inner, () => context.active().getValue(key))).toBe('inside');
    expect(context.active().getValue(key)).toBeUndefined();
  });

  it('keeps a manager already registered', () => {
    expect(registerRendererContextManager()).toBe(true);
    expect(registerRendererContextManager()).toBe(false);
  });
});
