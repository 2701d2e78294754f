import { describe, expect, it } from 'vitest';
import { notificationFor } from './notifications';

describe('notificationFor', () => {
  it('tells of a failed turn while the window is hidden, with what went wrong', () => {
    expect(notificationFor({ kind: 'turn-failed', detail: 'Speech-to-text: the API key was refused (401). Check STT_API_KEY.' }, false)).toEqual({
      title: 'The reply failed',
      body: 'Speech-to-text: the API key was refused (401). Check STT_API_KEY.',
    });
  });

  it('tells of a finished model download while the window is hidden', () => {
    expect(notificationFor({ kind: 'model-downloaded', title: 'Whisper base (English)' }, false)).toEqual({
      title: 'Model downloaded',
      body: 'Whisper base (English) is ready to use on this computer.',
    });
  });

  it('stays quiet while the window is in view: it shows both itself', () => {
    expect(notificationFor({ kind: 'turn-failed', detail: 'x' }, true)).toBeNull();
    expect(notificationFor({ kind: 'model-downloaded', title: 'x' }, true)).toBeNull();
  });

  it('keeps the body to one short line', () => {
    const body = notificationFor({ kind: 'turn-failed', detail: `a\n\n${'b'.repeat(500)}` }, false)!.body;
    expect(body).toMatch(/^a b+…$/);
    expect(body.length).toBe(200);
  });
});
