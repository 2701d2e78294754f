/**
 * Turns a conversation's events into metric points: the GenAI client metrics
 * for every chat, speech-to-text and text-to-speech call, and ours per turn.
 * Unlike spans, nothing here is sampled: latency percentiles stay exact
 * whatever the trace sampler keeps. One observer per conversation source (a
 * session's assistant): stage starts are remembered by turn.
 */
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { ATTR, INTERRUPTION_OUTCOME, METRIC } from '../../../../shared/telemetry';
import type { ConversationEvent, TurnInputKind, TurnStageEvent } from '../../pipeline/turn-events';
import { preemptiveOutcome } from './preemptive-outcome';
import { operationOf } from './stage-attributes';

/** The conventions' advice for the gen_ai.client.* duration histograms (seconds). */
export const GENAI_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** The conventions' advice for gen_ai.client.token.usage. */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864];
/** End of speech to confirmation: the silence window (a few hundred ms) and what a held reply's decision adds. */
export const END_OF_TURN_BUCKETS = [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1, 1.25, 1.5, 2, 3, 5, 10];
/** Voice to voice lives between a few hundred ms and a few s: finer steps there, for its percentiles. */
export const VOICE_TO_VOICE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 7.5, 10, 15, 20, 30, 60];

/** The instruments, made once per meter. */
export class VoiceMetrics {
  readonly duration: Histogram;
  readonly tokens: Histogram;
  readonly firstChunk: Histogram;
  readonly voiceToVoice: Histogram;
  readonly turns: Counter;
  readonly interruptions: Counter;
  readonly preemptiveOutcomes: Counter;
  readonly endOfTurnDelay: Histogram;

  // One declaration per instrument, alike in shape on purpose: each names its
  // own unit, description and buckets as the conventions give them.
  constructor(meter: Meter) {
    this.duration = meter.createHistogram(METRIC.operationDuration, {
      unit: 's',
      description: 'GenAI operation duration.',
      advice: { explicitBucketBoundaries: GENAI_DURATION_BUCKETS },
    });
    this.tokens = meter.createHistogram(METRIC.tokenUsage, {
      unit: '{token}',
      description: 'Number of input and output tokens used.',
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    });
    this.firstChunk = meter.createHistogram(METRIC.timeToFirstChunk, {
      unit: 's',
      description: 'Time from the request to the first chunk of the streamed response.',
      advice: { explicitBucketBoundaries: GENAI_DURATION_BUCKETS },
    });
    this.voiceToVoice = meter.createHistogram(METRIC.voiceToVoice, {
      unit: 's',
      description: 'From the user stopping speaking to the first reply audio playing.',
      advice: { explicitBucketBoundaries: VOICE_TO_VOICE_BUCKETS },
    });
    this.turns = meter.createCounter(METRIC.turns, { unit: '{turn}', description: 'Turns, by input and outcome.' });
    this.interruptions = meter.createCounter(METRIC.interruptions, {
      unit: '{interruption}',
      description: 'The user speaking over a playing reply: the reply stopped (confirmed) or went on (resumed).',
    });
    this.preemptiveOutcomes = meter.createCounter(METRIC.preemptiveOutcomes, {
      unit: '{turn}',
      description: 'Voice turns, by whether a reply prepared during the silence window was used, thrown away, or none was prepared.',
    });
    this.endOfTurnDelay = meter.createHistogram(METRIC.endOfTurnDelay, {
      unit: 's',
      description: "From the end of the user's speech to their turn being taken as finished.",
      advice: { explicitBucketBoundaries: END_OF_TURN_BUCKETS },
    });
  }
}

interface RunningStage {
  startedAt: number;
  firstOutputAt: number | null;
  attributes: Attributes;
  failed: string | null;
  cancelled: boolean;
}

export class ConversationMetrics {
  private readonly stages = new Map<string, RunningStage>();
  private readonly inputs = new Map<number, TurnInputKind>();
  /** Replies prepared for each turn not yet started. */
  private readonly preparations = new Map<number, number>();

  constructor(
    private readonly metrics: VoiceMetrics,
    /** Whether to record now (tracing on, metrics not switched off). */
    private readonly recording: () => boolean,
  ) {}

  observe = (event: ConversationEvent): void => {
    switch (event.type) {
      case 'conversation.started':
      case 'conversation.ended':
        // Stages of a conversation that ended are not completed calls.
        this.stages.clear();
        this.inputs.clear();
        this.preparations.clear();
        return;
      case 'preemption.started':
        this.preparations.set(event.turn, (this.preparations.get(event.turn) ?? 0) + 1);
        return;
      case 'listening.abandoned':
        this.preparations.delete(event.turn);
        return;
      case 'turn.confirmed':
        if (event.endOfSpeechAt !== undefined && this.recording()) this.metrics.endOfTurnDelay.record(seconds(event.at - event.endOfSpeechAt));
        return;
      case 'interruption.confirmed':
      case 'interruption.resumed':
        if (this.recording())
          this.metrics.interruptions.add(1, {
            [METRIC.interruptionOutcome]: event.type === 'interruption.confirmed' ? INTERRUPTION_OUTCOME.confirmed : INTERRUPTION_OUTCOME.resumed,
          });
        return;
      case 'turn.started': {
        this.inputs.set(event.turn, event.input);
        const preparations = this.preparations.get(event.turn) ?? 0;
        this.preparations.delete(event.turn);
        if (event.input === 'voice' && this.recording())
          this.metrics.preemptiveOutcomes.add(1, { [METRIC.preemptiveOutcome]: preemptiveOutcome(event.preemptive === true, preparations) });
        return;
      }
      case 'turn.unavailable':
        this.countTurn(event.input, 'failed');
        return;
      case 'turn.playback_started':
        if (event.voiceToVoiceMs !== null && this.recording()) this.metrics.voiceToVoice.record(event.voiceToVoiceMs / 1_000, { [METRIC.turnInput]: this.inputs.get(event.turn) ?? 'voice' });
        return;
      case 'turn.ended':
        this.countTurn(this.inputs.get(event.turn) ?? 'voice', event.outcome);
        this.inputs.delete(event.turn);
        return;
      case 'stage.started':
      case 'stage.first_output':
      case 'stage.usage':
      case 'stage.cancelled':
      case 'stage.failed':
      case 'stage.ended':
        this.stage(event);
        return;
      default:
        return;
    }
  };

  private countTurn(input: TurnInputKind, outcome: 'completed' | 'interrupted' | 'failed'): void {
    if (this.recording()) this.metrics.turns.add(1, { [METRIC.turnInput]: input, [METRIC.turnOutcome]: outcome });
  }

  private stage(event: Exclude<TurnStageEvent, { type: 'context.aggregated' | 'tool.started' | 'tool.ended' }>): void {
    const key = `${event.turn}:${event.stage}`;
    if (event.type === 'stage.started') {
      this.stages.set(key, {
        startedAt: event.at,
        firstOutputAt: null,
        attributes: {
          [ATTR.operationName]: operationOf(event.stage),
          [ATTR.providerName]: event.provider,
          [ATTR.requestModel]: event.model,
          // The conventions name the server called on the client metrics too (API calls only).
          ...(event.server ? { [ATTR.serverAddress]: event.server.address, [ATTR.serverPort]: event.server.port } : {}),
        },
        failed: null,
        cancelled: false,
      });
      return;
    }
    const running = this.stages.get(key);
    if (!running) return;
    switch (event.type) {
      case 'stage.first_output':
        running.firstOutputAt ??= event.at;
        return;
      case 'stage.usage':
        if (!this.recording()) return;
        this.metrics.tokens.record(event.inputTokens, { ...running.attributes, [METRIC.tokenType]: 'input' });
        this.metrics.tokens.record(event.outputTokens, { ...running.attributes, [METRIC.tokenType]: 'output' });
        return;
      case 'stage.cancelled':
        running.cancelled = true;
        return;
      case 'stage.failed':
        running.failed = event.errorType ?? event.error.name ?? '_OTHER';
        return;
      case 'stage.ended':
        this.stages.delete(key);
        this.endStage(running, event.at);
        return;
    }
  }

  /**
   * A call stopped because its turn did (barge-in) is neither a complete call
   * nor an error: it is left out, so that the durations describe calls that ran
   * to their end or failed.
   */
  private endStage(running: RunningStage, endedAt: number): void {
    if (running.cancelled || !this.recording()) return;
    const attributes = running.failed ? { ...running.attributes, [ATTR.errorType]: running.failed } : running.attributes;
    this.metrics.duration.record(seconds(endedAt - running.startedAt), attributes);
    // Every stage streams (tokens, transcript deltas, audio chunks): the first chunk is its first output.
    if (running.firstOutputAt !== null) this.metrics.firstChunk.record(seconds(running.firstOutputAt - running.startedAt), attributes);
  }
}

function seconds(ms: number): number {
  return Math.max(0, ms) / 1_000;
}
