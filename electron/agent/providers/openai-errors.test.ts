import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import { StageError } from '../pipeline/stage-error';
import { classifyError, type StageContext } from './openai-errors';

const context: StageContext = { stage: 'tts', model: 'gpt-4o-mini-tts', baseURL: 'https://user:pw@tts.example/v1/?key=secret' };

describe('classifyError', () => {
  it('passes a StageError through', () => {
    const error = new StageError('tts', 'empty', 'nothing');
    expect(classifyError(error, context)).toBe(error);
  });

  it('says our own deadline fired, in seconds, whatever the client made of it', () => {
    const error = classifyError(new APIUserAbortError(), { ...context, timedOutAfterMs: 1_500 });
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('Text-to-speech did not answer within 2 s (https://tts.example/v1). Try again, or check that the server is not overloaded.');
  });

  it('reads an abort as cancelled', () => {
    expect(classifyError(new APIUserAbortError(), context).kind).toBe('cancelled');
    expect(classifyError(Object.assign(new Error('x'), { name: 'AbortError' }), context).kind).toBe('cancelled');
  });

  it('names the reason a connection failed and the variable to check', () => {
    const cause = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' });
    const error = classifyError(new APIConnectionError({ cause }), context);
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/could not reach https:\/\/tts\.example\/v1: connection refused\. Check the address \(TTS_BASE_URL\)/);
  });

  it('reads a status', () => {
    expect(classifyError(APIError.generate(503, undefined, 'busy', new Headers()), context).message).toMatch(/failed on the server \(503 from/);
    expect(classifyError(APIError.generate(422, { message: 'bad voice' }, undefined, new Headers()), context).kind).toBe('bad_request');
  });

  it('tells a connection dropped mid-stream from a reply it could not read', () => {
    const dropped = new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(classifyError(dropped, context)).toMatchObject({ kind: 'network', message: expect.stringMatching(/the connection was dropped/) });
    expect(classifyError(new SyntaxError('Unexpected end of JSON input'), context)).toMatchObject({ kind: 'bad_response' });
  });

  it('never shows credentials or the query of the address', () => {
    const message = classifyError(new Error('odd'), context).message;
    expect(message).not.toMatch(/pw|secret/);
  });
});
