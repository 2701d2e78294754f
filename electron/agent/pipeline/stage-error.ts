/**
 * Errors a turn can end with, each with a message that says which stage
 * failed and what to do about it. Each provider turns its own failures into
 * these (see providers/), so that every stage reports the same way and the
 * pipeline knows no vendor.
 */
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
