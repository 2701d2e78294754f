import { describe, expect, it } from 'vitest';
import { rejection } from './rejection';

class CustomError extends Error {
  readonly kind = 'custom';
}

describe('rejection', () => {
  it('returns the error a promise rejects with, typed by its class', async () => {
    const error = await rejection(Promise.reject(new CustomError('no')), CustomError);
    expect(error.kind).toBe('custom');
    expect(await rejection(Promise.reject(new Error('plain')))).toBeInstanceOf(Error);
  });

  it('fails when the promise resolves', async () => {
    await expect(rejection(Promise.resolve({ ok: true }), CustomError)).rejects.toThrow('expected a rejection with a CustomError, but it resolved with {"ok":true}');
  });

  it('fails when the error is of another class', async () => {
    await expect(rejection(Promise.reject(new TypeError('wrong')), CustomError)).rejects.toThrow('expected a rejection with a CustomError, got TypeError: wrong');
  });
});
