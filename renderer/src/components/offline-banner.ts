/**
 * What the main screen says about on-device models: the offer while a model a
 * stage waits for has not been asked for, then, once the user has chosen, only
 * a line per download (its progress, or its failure and a retry), and nothing
 * once every model is in place.
 */
import type { CatalogEntry, ModelsView } from '../../../shared/models';

export interface WaitingModel {
  stage: 'stt' | 'llm';
  model: CatalogEntry;
}

export type OfflineBannerView =
  | { layout: 'none' }
  /** Nothing chosen yet: why a model is needed, every model waited for, and how to fetch them. */
  | { layout: 'offer'; waiting: WaitingModel[]; toFetch: WaitingModel[] }
  /** Every model waited for was asked for: one line each for those still downloading or failed. */
  | { layout: 'progress'; lines: WaitingModel[] };

export function offlineBanner(models: ModelsView): OfflineBannerView {
  const waiting = (['stt', 'llm'] as const)
    .map((stage) => ({ stage, engine: models.engines[stage] }))
    .filter(({ engine }) => engine.provider === 'local' && !engine.ready && engine.needs)
    .map(({ stage, engine }) => ({ stage, model: models.catalog.find((m) => m.id === engine.needs) }))
    .filter((item): item is WaitingModel => item.model !== undefined);
  if (waiting.length === 0) return { layout: 'none' };
  // A cancelled download is "missing" again: the choice is the user's once more.
  if (waiting.some(({ model }) => model.status.state === 'missing')) {
    return { layout: 'offer', waiting, toFetch: waiting.filter(({ model }) => model.status.state === 'missing' || model.status.state === 'error') };
  }
  const lines = waiting.filter(({ model }) => model.status.state === 'downloading' || model.status.state === 'error');
  return lines.length === 0 ? { layout: 'none' } : { layout: 'progress', lines };
}
