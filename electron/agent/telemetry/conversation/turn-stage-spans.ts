/**
 * One turn's stage spans (`speech_to_text`, `context.aggregate`, `chat`,
 * `text_to_speech`) under the turn span, from the stage events: opened at
 * `stage.started` with the GenAI conventions' attributes (stage-attributes.ts),
 * filled in as output, usage and the response come, and ended when the stage
 * ends (after the turn, for an interrupted turn's stages that end cancelled).
 */
import { SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR, SPAN } from '../../../../shared/telemetry';
import { elapsedMs, type StageKind, type TurnStageEvent } from '../../pipeline/turn-events';
import { engineAttributes, outputMessages, stageSpanOptions, startAttributes } from './stage-attributes';

/** The finish reason of a transcript, and of a reply whose model did not say. */
const FINISHED = 'stop';

/** What a stage span is told: every stage event but the tool calls'. */
export type StageSpanEvent = Exclude<TurnStageEvent, { type: 'tool.started' | 'tool.ended' }>;

interface OpenStage {
  span: Span;
  /** The turn's context with this stage's span active. */
  context: Context;
  startedAt: number;
  finishReason?: string;
}

export class TurnStageSpans {
  private readonly open = new Map<StageKind, OpenStage>();

  constructor(
    private readonly tracer: Tracer,
    /** The turn span's context: the stages' parent. */
    private readonly parent: Context,
  ) {}

  get isEmpty(): boolean {
    return this.open.size === 0;
  }

  /** The context a stage's provider call runs in (its span active), if the stage is open. */
  contextOf(stage: StageKind): Context | undefined {
    return this.open.get(stage)?.context;
  }

  /** Records a stage event; answers the failed stage's context when the event is a failure (its log lines go there). */
  record(event: StageSpanEvent, conversationId: string | undefined, captureContent: boolean): Context | undefined {
    if (event.type === 'context.aggregated') {
      const attributes = { [ATTR.contextMessages]: event.messages, [ATTR.contextDropped]: event.dropped, [ATTR.contextTokens]: event.estimatedTokens };
      this.tracer.startSpan(SPAN.contextAggregate, { startTime: event.at, attributes }, this.parent).end(event.at);
      return undefined;
    }
    if (event.type === 'stage.started') {
      const { name, kind } = stageSpanOptions(event);
      const span = this.tracer.startSpan(name, { kind, startTime: event.at, attributes: startAttributes(event, conversationId, captureContent) }, this.parent);
      if (event.preemptive) span.setAttribute(ATTR.turnPreemptive, true);
      this.open.set(event.stage, { span, context: trace.setSpan(this.parent, span), startedAt: event.at });
      return undefined;
    }
    const running = this.open.get(event.stage);
    if (!running) return undefined;
    const { span } = running;
    switch (event.type) {
      case 'stage.first_output':
        // The conventions' time to first chunk is in seconds; ours (other stages) in milliseconds.
        if (event.stage === 'llm') span.setAttribute(ATTR.timeToFirstChunk, Math.round(event.at - running.startedAt) / 1000);
        else span.setAttribute(ATTR.ttfbMs, elapsedMs(running.startedAt, event.at));
        return undefined;
      case 'stage.usage':
        span.setAttributes({
          [ATTR.inputTokens]: event.inputTokens,
          [ATTR.outputTokens]: event.outputTokens,
          ...(event.cacheReadTokens !== undefined ? { [ATTR.cacheReadTokens]: event.cacheReadTokens } : {}),
          ...(event.reasoningTokens !== undefined ? { [ATTR.reasoningTokens]: event.reasoningTokens } : {}),
        });
        return undefined;
      case 'stage.response':
        if (event.id) span.setAttribute(ATTR.responseId, event.id);
        if (event.model) span.setAttribute(ATTR.responseModel, event.model);
        if (event.finishReason) {
          running.finishReason = event.finishReason;
          span.setAttribute(ATTR.finishReasons, [event.finishReason]);
        }
        return undefined;
      case 'stage.engine':
        span.setAttributes(engineAttributes(event));
        return undefined;
      case 'stage.cancelled':
        span.setAttribute(ATTR.stageCancelled, true);
        return undefined;
      case 'stage.failed':
        markFailed(span, event.error, event.errorType, event.at);
        return running.context;
      case 'stage.ended':
        if (event.stage === 'tts' && event.audioSeconds !== undefined) span.setAttribute(ATTR.ttsAudioSeconds, event.audioSeconds);
        if (event.stage === 'stt' && event.language) span.setAttribute(ATTR.speechInputLanguage, event.language);
        if (captureContent && event.output !== undefined && event.stage !== 'tts')
          span.setAttribute(ATTR.outputMessages, outputMessages(event.output, running.finishReason ?? FINISHED, event.toolCalls));
        span.end(event.at);
        this.open.delete(event.stage);
        return undefined;
    }
  }
}

/** Status ERROR with the exception recorded, and its kind when it is known. */
export function markFailed(span: Span, error: Error, errorType: string | undefined, at: number): void {
  span.recordException(error, at);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  if (errorType) span.setAttribute(ATTR.errorType, errorType);
}
