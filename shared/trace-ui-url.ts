/**
 * TRACE_UI_URL: the address of a trace UI with `{traceId}` where the trace's
 * id goes (Jaeger: `http://localhost:16686/trace/{traceId}`). Checked by the
 * settings schema on both sides; the link is made in the page.
 */
import { isHttpUrl } from './config-values';

export const TRACE_ID_PLACEHOLDER = '{traceId}';

/** Why a template is refused, or null when it is a valid one. */
export function traceUiTemplateProblem(template: string): string | null {
  if (!template.includes(TRACE_ID_PLACEHOLDER)) return `must contain ${TRACE_ID_PLACEHOLDER} where the trace id goes`;
  if (!isHttpUrl(traceUiLink(template, '0'.repeat(32)))) return 'must be an http:// or https:// address';
  return null;
}

/** The template with the trace id in place of every `{traceId}`. */
export function traceUiLink(template: string, traceId: string): string {
  return template.split(TRACE_ID_PLACEHOLDER).join(encodeURIComponent(traceId));
}
