/**
 * What the `openai` client's errors mean to the user: each becomes a
 * StageError that names the stage, the server (without credentials) and what
 * to do about it.
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
import { STAGE_LABEL, StageError } from '../pipeline/stage-error';
import type { StageName } from '../pipeline/stages';
import { displayUrl, errorMessage, formatSeconds, networkReason, shorten } from '../util/network-errors';

const MODEL_VARIABLE: Record<StageName, string> = { vad: 'VAD_THRESHOLD', stt: 'STT_MODEL', llm: 'LLM_MODEL', tts: 'TTS_MODEL' };
const URL_VARIABLE: Record<StageName, string> = { vad: '', stt: 'STT_BASE_URL', llm: 'LLM_BASE_URL', tts: 'TTS_BASE_URL' };
const KEY_VARIABLE: Record<StageName, string> = { vad: '', stt: 'STT_API_KEY', llm: 'LLM_API_KEY', tts: 'TTS_API_KEY' };

export interface StageContext {
  stage: StageName;
  model: string;
  baseURL: string;
  /** Set when our own deadline (not the user) aborted the call. */
  timedOutAfterMs?: number | null;
  /** Whether the request carried an API key (none is sent to a server no key was given for). */
  keySent?: boolean;
}

export function classifyError(error: unknown, context: StageContext): StageError {
  if (error instanceof StageError) return error;
  const { stage, model } = context;
  const label = STAGE_LABEL[stage];
  const where = displayUrl(context.baseURL);
  if (context.timedOutAfterMs) {
    return new StageError(stage, 'timeout', `${label} did not answer within ${formatSeconds(context.timedOutAfterMs)} (${where}). Try again, or check that the server is not overloaded.`, { cause: error });
  }
  if (error instanceof APIUserAbortError || isAbort(error)) return new StageError(stage, 'cancelled', `${label} was cancelled.`, { cause: error });
  if (error instanceof APIConnectionTimeoutError)
    return new StageError(stage, 'timeout', `${label} timed out (${where}). Try again.`, { cause: error });
  if (error instanceof APIConnectionError)
    return new StageError(stage, 'network', `${label} could not reach ${where}: ${networkReason(error) ?? 'connection error'}. Check the address (${URL_VARIABLE[stage] || 'OPENAI_BASE_URL'}) and that the server is running.`, { cause: error });
  if (error instanceof AuthenticationError && context.keySent === false)
    return new StageError(
      stage,
      'auth',
      `${label} needs an API key (401 from ${where}), and none was given for that server: type its key in Settings or set ${KEY_VARIABLE[stage]} (OPENAI_API_KEY goes only to OpenAI and OPENAI_BASE_URL).`,
      { cause: error },
    );
  if (error instanceof AuthenticationError)
    return new StageError(stage, 'auth', `${label} refused the API key (401 from ${where}). Check ${KEY_VARIABLE[stage] ? `${KEY_VARIABLE[stage]} or ` : ''}OPENAI_API_KEY.`, { cause: error });
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
  if (dropped !== null)
    return new StageError(stage, 'network', `${label}: ${dropped} (${where}) before the reply was complete. Try again.`, { cause: error });
  return new StageError(stage, 'bad_response', `${label} failed (${where}): ${shorten(errorMessage(error))}.`, { cause: error });
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError');
}
