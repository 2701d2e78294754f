import { context, trace, type Span } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { registerContextManager } from './context-manager';

afterEach(() => context.disable());

describe('registerContextManager', () => {
  it('keeps the active span across awaits and timers, once per process', async () => {
    expect(registerContextManager()).toBe(true);
    expect(registerContextManager()).toBe(false); // the first one stays
    const tracer = new TracerProvider().getTracer('test');
    const parent = tracer.startSpan('parent');
    const child = await context.with(trace.setSpan(context.active(), parent), async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return tracer.startSpan('child') as Span & { parentSpanContext?: { spanId: string } };
    });
    expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
