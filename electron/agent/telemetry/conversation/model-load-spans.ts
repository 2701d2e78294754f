/**
 * The `model.load` span of an on-device engine loading its model. Its parent
 * is whatever span is active where the load begins: a load a turn waits for
 * (the first transcription of a model not loaded yet) sits under that turn's
 * stage span, which explains the slow stage; a load at start-up, after a
 * download or a settings change belongs to no conversation (one loaded model
 * serves every session) and is the root of a trace of its own.
 */
import { context, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ATTR, SPAN } from '../../../../shared/telemetry';
import { StageError } from '../../pipeline/stage-error';
import type { ModelLoadObserver } from '../../pipeline/stages';

export function modelLoadSpans(tracer: Tracer): ModelLoadObserver {
  return (load) => {
    const span = tracer.startSpan(
      SPAN.modelLoad,
      {
        attributes: {
          [ATTR.modelId]: load.model,
          [ATTR.modelStage]: load.stage,
          [ATTR.modelEngine]: load.engine,
          [ATTR.modelSource]: load.source,
          ...(load.sizeBytes !== undefined ? { [ATTR.modelFileSize]: load.sizeBytes } : {}),
        },
      },
      context.active(),
    );
    let ended = false;
    return (error) => {
      if (ended) return;
      ended = true;
      if (error) {
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        if (error instanceof StageError) span.setAttribute(ATTR.errorType, error.kind);
      }
      span.end();
    };
  };
}
