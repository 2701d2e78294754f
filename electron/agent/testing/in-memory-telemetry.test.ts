import { describe, expect, it } from 'vitest';
import { inMemoryTelemetry } from './in-memory-telemetry';

describe('inMemoryTelemetry', () => {
  it('traces into memory and hands back the ended spans', async () => {
    const { telemetry, finishedSpans } = inMemoryTelemetry();
    try {
      expect(telemetry.tracingState.enabled).toBe(true);
      telemetry.tracer.startSpan('one').end();
      expect((await finishedSpans()).map((span) => span.name)).toEqual(['one']);
    } finally {
      await telemetry.shutdown(1_000);
    }
  });
});
