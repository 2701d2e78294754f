/**
 * The HTTP client instrumentation of the API calls (undici, which Node's
 * fetch is), off by default: a span per request, with connect, TLS and
 * server time split out, under the stage span that is active while the call
 * runs. It makes spans only under a span of ours (never a trace of its own
 * for a stray request), through main's tracer provider, so tracing off or a
 * trace not sampled gives nothing. Headers are never recorded (API keys ride
 * in `authorization`), and query values are redacted from the URL.
 */
import type { TracerProvider } from '@opentelemetry/api';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

export class HttpClientSpans {
  private instrumentation: UndiciInstrumentation | null = null;

  constructor(
    private readonly provider: TracerProvider,
    enabled: boolean,
  ) {
    this.set(enabled);
  }

  get enabled(): boolean {
    return this.instrumentation?.isEnabled() ?? false;
  }

  /** Switches the instrumentation on or off; requests that start afterwards follow. */
  set(enabled: boolean): void {
    if (enabled === this.enabled) return;
    if (!enabled) {
      this.instrumentation?.disable();
      return;
    }
    if (this.instrumentation) {
      this.instrumentation.enable();
      return;
    }
    // Enabled on construction (its own `enabled: false` would stay in its config and refuse every request later).
    this.instrumentation = new UndiciInstrumentation({
      requireParentforSpans: true,
      headersToSpanAttributes: { requestHeaders: [], responseHeaders: [] },
      startSpanHook: (request) => {
        const url = redactedUrl(`${request.origin}${request.path}`);
        return url ? { 'url.full': url.full, 'url.query': url.query } : {};
      },
    });
    this.instrumentation.setTracerProvider(this.provider);
  }
}

/** The URL with every query value replaced: some APIs take keys and signatures there. */
export function redactedUrl(raw: string): { full: string; query: string } | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  url.username = '';
  url.password = '';
  for (const key of new Set(url.searchParams.keys())) url.searchParams.set(key, 'REDACTED');
  return { full: url.toString(), query: url.search };
}
