/**
 * Errors a turn can end with, each with a message that says which stage
 * failed and what to do about it. Provider errors are classified here so that
 * every provider reports the same way.
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import type { StageName } from './stages';

export type StageErrorKind =
  | 'not_configured'
  | 'auth'
  | 'forbidden'
  | 'not_found'
  | 'rate_limit'
  | 'bad_request'
  | 'server'
  | 'timeout'
  | 'network'
  | 'bad_response'
  | 'empty'
  | 'cancelled';

export const STAGE_LABEL: Record<StageName, string> = {
  vad: 'Voice detection',
  stt: 'Speech-to-text',
  llm: 'The language model',
  tts: 'Text-to-speech',
};

const MODEL_VARIABLE: Record<StageName, string> = { vad: 'VAD_THRESHOLD', stt: 'STT_MODEL', llm: 'LLM_MODEL', tts: 'TTS_MODEL' };
const URL_VARIABLE: Record<StageName, string> = { vad: '', stt: 'STT_BASE_URL', llm: 'LLM_BASE_URL', tts: 'TTS_BASE_URL' };

export class StageError extends Error {
  constructor(
    readonly stage: StageName,
    readonly kind: StageErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StageError';
  }
}

export interface StageContext {
  stage: StageName;
  model: string;
  baseURL: string;
  /** Set when our own deadline (not the user) aborted the call. */
  timedOutAfterMs?: number | null;
}

/** A base URL for display: scheme, host and path, never user info or query. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/$/, '')}`;
  } catch {
    return '(invalid URL)';
  }
}

/** 0.4 s, 2 s, 15 s: whole seconds unless that would round a short deadline to nothing. */
function seconds(ms: number): string {
  return `${ms < 1_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`;
}

export function classifyError(error: unknown, context: StageContext): StageError {
  if (error instanceof StageError) return error;
  const { stage, model } = context;
  const label = STAGE_LABEL[stage];
  const where = displayUrl(context.baseURL);
  if (context.timedOutAfterMs) {
    return new StageError(stage, 'timeout', `${label} did not answer within ${seconds(context.timedOutAfterMs)} (${where}). Try again, or check that the server is not overloaded.`, { cause: error });
  }
  if (error instanceof APIUserAbortError || isAbort(error)) return new StageError(stage, 'cancelled', `${label} was cancelled.`, { cause: error });
  if (error instanceof APIConnectionTimeoutError)
    return new StageError(stage, 'timeout', `${label} timed out (${where}). Try again.`, { cause: error });
  if (error instanceof APIConnectionError)
    return new StageError(stage, 'network', `${label} could not reach ${where}: ${networkReason(error)}. Check the address (${URL_VARIABLE[stage] || 'OPENAI_BASE_URL'}) and that the server is running.`, { cause: error });
  if (error instanceof AuthenticationError)
    return new StageError(stage, 'auth', `${label} refused the API key (401 from ${where}). Check OPENAI_API_KEY.`, { cause: error });
  if (error instanceof PermissionDeniedError)
    return new StageError(stage, 'forbidden', `${label}: this API key may not use model "${model}" (403 from ${where}).`, { cause: error });
  if (error instanceof NotFoundError)
    return new StageError(stage, 'not_found', `${label}: model "${model}" or its endpoint was not found at ${where} (404). Check ${MODEL_VARIABLE[stage]} and ${URL_VARIABLE[stage]}.`, { cause: error });
  if (error instanceof RateLimitError)
    return new StageError(stage, 'rate_limit', `${label} is rate-limited (429 from ${where}) even after waiting once as asked. Wait a moment and try again.`, { cause: error });
  if (error instanceof APIError) {
    const status = error.status;
    if (status !== undefined && status >= 500)
      return new StageError(stage, 'server', `${label} failed on the server (${status} from ${where}). Try again in a moment.`, { cause: error });
    if (status === 400 || status === 422)
      return new StageError(stage, 'bad_request', `${label} rejected the request (${status} from ${where}): ${shorten(error.message)}.`, { cause: error });
    if (status === undefined)
      return new StageError(stage, 'bad_response', `${label} sent a reply that could not be read (${where}): ${shorten(error.message)}.`, { cause: error });
    return new StageError(stage, 'server', `${label} answered ${status} (${where}): ${shorten(error.message)}.`, { cause: error });
  }
  const dropped = networkReason(error);
  if (dropped !== 'connection error')
    return new StageError(stage, 'network', `${label}: ${dropped} (${where}) before the reply was complete. Try again.`, { cause: error });
  return new StageError(stage, 'bad_response', `${label} failed (${where}): ${shorten(error instanceof Error ? error.message : String(error))}.`, { cause: error });
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError');
}

/** Codes and messages of an error and its causes, for recognising network failures. */
function describeChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    const e = current as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown };
    parts.push(String(e.code ?? ''), String(e.name ?? ''), String(e.message ?? ''));
    current = e.cause;
  }
  return parts.join(' ');
}

function networkReason(error: unknown): string {
  const text = describeChain(error);
  if (/ECONNREFUSED/.test(text)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'the host name could not be resolved';
  if (/ECONNRESET|UND_ERR_SOCKET|socket hang up|terminated|other side closed/.test(text)) return 'the connection was dropped';
  if (/ETIMEDOUT/.test(text)) return 'the connection timed out';
  return 'connection error';
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 160 ? `${oneLine.slice(0, 157)}…` : oneLine;
}
