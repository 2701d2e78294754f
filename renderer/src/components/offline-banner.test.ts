import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { CatalogEntry, ModelsView } from '../../../shared/models';
import { offlineBanner } from './offline-banner';
import { OfflineBanner, type ModelActions } from './OnDeviceModels';

type Status = CatalogEntry['status'];

const missing: Status = { state: 'missing', partialBytes: 0 };
const downloading: Status = { state: 'downloading', receivedBytes: 12e6, totalBytes: 142e6, bytesPerSecond: 4e6, secondsLeft: 33 };
const failed: Status = { state: 'error', message: 'Downloading ggml-base.en.bin failed: the server had an error (503). Try again in a moment.', partialBytes: 5e6 };
const ready: Status = { state: 'ready', sizeBytes: 142e6 };

function entry(id: string, stage: 'stt' | 'llm', status: Status): CatalogEntry {
  return { id, stage, title: `${id} title`, sizeBytes: 142e6, license: 'MIT', description: '', status };
}

/** Both stages on this computer and waiting for their model, unless `sttOnApi`. */
function models(stt: Status, llm: Status, sttOnApi = false): ModelsView {
  const local = (needs: string) => ({ provider: 'local' as const, label: 'on this computer', ready: false, needs });
  return {
    catalog: [entry('whisper', 'stt', stt), entry('qwen', 'llm', llm)],
    picked: { stt: null, llm: null },
    voices: [],
    engines: {
      stt: sttOnApi ? { provider: 'openai', label: 'at api.openai.com', ready: true } : local('whisper'),
      llm: local('qwen'),
      tts: { provider: 'local', label: 'Flite', ready: true },
    },
  };
}

const actions: ModelActions = { download() {}, cancel() {}, remove() {}, pick() {}, unpick() {} };
const render = (view: ModelsView) => renderToStaticMarkup(createElement(OfflineBanner, { models: view, actions }));

describe('the on-device models banner', () => {
  it('offers the models while one of them has not been asked for', () => {
    const view = offlineBanner(models(missing, downloading));
    expect(view.layout).toBe('offer');
    if (view.layout !== 'offer') return;
    expect(view.waiting.map((w) => w.model.id)).toEqual(['whisper', 'qwen']);
    expect(view.toFetch.map((w) => w.model.id)).toEqual(['whisper']);
    const html = render(models(missing, missing));
    expect(html).toContain('No API key is set');
    expect(html).toContain('Download all');
  });

  it('shrinks to a line per download once every model was asked for', () => {
    const view = offlineBanner(models(downloading, failed));
    expect(view).toMatchObject({ layout: 'progress', lines: [{ stage: 'stt' }, { stage: 'llm' }] });
    const html = render(models(downloading, failed));
    expect(html).not.toContain('No API key is set');
    expect(html).not.toContain('Download all');
    expect(html).toContain('Downloading whisper title');
    expect(html).toContain('<progress');
    expect(html).toContain('12.0 MB of 142 MB');
    expect(html).toContain('aria-label="Cancel whisper title"');
  });

  it('keeps a failed download’s message and offers a retry', () => {
    const html = render(models(ready, failed));
    expect(offlineBanner(models(ready, failed))).toMatchObject({ layout: 'progress', lines: [{ stage: 'llm' }] });
    expect(html).toContain('the server had an error (503)');
    expect(html).toContain('role="alert"');
    expect(html).toMatch(/aria-label="Retry qwen title"[^>]*>Retry</);
    expect(html).not.toContain('<progress');
  });

  it('offers again after a cancel (the model is missing once more, with what was fetched)', () => {
    const view = offlineBanner(models(ready, { state: 'missing', partialBytes: 20e6 }));
    expect(view.layout).toBe('offer');
    expect(render(models(ready, { state: 'missing', partialBytes: 20e6 }))).toContain('Resume (20.0 MB of 142 MB done)');
  });

  it('is gone when every model is in place, or when no stage runs on this computer', () => {
    expect(offlineBanner(models(ready, ready)).layout).toBe('none');
    expect(render(models(ready, ready))).toBe('');
    const none = models(missing, missing, true);
    none.engines.llm = { provider: 'openai', label: 'at api.openai.com', ready: true };
    expect(offlineBanner(none).layout).toBe('none');
  });

  it('leaves out a stage on an API even while its model is missing', () => {
    const view = offlineBanner(models(missing, downloading, true));
    expect(view).toMatchObject({ layout: 'progress', lines: [{ stage: 'llm' }] });
  });
});
