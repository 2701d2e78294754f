/**
 * Builds the assistant's providers from the pipeline configuration: per
 * stage, an OpenAI-compatible API or the engine on this computer ("auto"
 * picks the API when the stage has a key or a server, else this computer).
 */
import type { ModelSource } from '../../../shared/telemetry';
import type { AssistantDeps } from './assistant';
import { ignoreFailure } from '../util/ignore-failure';
import type { ModelManager } from '../on-device-models/model-manager';
import { localModelFile } from '../on-device-models/models-service';
import { isConfigured, resolveProvider, type PipelineConfig, type Provider } from '../pipeline/pipeline-config';
import { STAGE_LABEL, StageError } from '../pipeline/stage-error';
import type { LanguageModel, ModelLoadObserver, SpeechToText, StageInfo, TextToSpeech } from '../pipeline/stages';
import type { PipelineStages } from '../pipeline/turn-run';
import { LocalLanguageModel } from '../providers/local-llm';
import { LocalSpeechToText } from '../providers/local-stt';
import { LocalTextToSpeech } from '../providers/local-tts';
import { OpenAILanguageModel, OpenAISpeechToText, OpenAITextToSpeech } from '../providers/openai';
import { SileroVoiceActivity } from '../providers/silero-vad';

const SETUP_HINT: Record<'stt' | 'llm' | 'tts', string> = {
  stt: 'No speech-to-text provider is configured: set OPENAI_API_KEY, or STT_BASE_URL (or OPENAI_BASE_URL) for an OpenAI-compatible server, or choose "On this computer" in Settings.',
  llm: 'No language model is configured: set OPENAI_API_KEY, or LLM_BASE_URL (or OPENAI_BASE_URL) for an OpenAI-compatible server such as Ollama, or choose "On this computer" in Settings.',
  tts: 'No text-to-speech provider is configured: set OPENAI_API_KEY, or TTS_BASE_URL (or OPENAI_BASE_URL) for an OpenAI-compatible server, or choose "On this computer" in Settings.',
};

export interface AssistantDepsOptions {
  /** The on-device models; without them a stage set to run locally says so. */
  models?: ModelManager;
  /** The tools beside the built-in ones (the MCP servers'); see `AssistantDeps.tools`. */
  tools?: AssistantDeps['tools'];
  /** Told whenever an on-device engine loads its model (the model.load span). */
  onModelLoad?: ModelLoadObserver;
}

type Plan = { [S in 'stt' | 'llm' | 'tts']: { provider: Provider; modelPath?: string; source?: ModelSource; missing?: StageError } };

/**
 * A local stage whose model is not there yet: it fails with the reason when
 * used, so that the other stages still serve (typed messages work while the
 * speech model downloads).
 */
function unavailable(error: StageError): SpeechToText & LanguageModel & TextToSpeech {
  return {
    provider: 'local',
    model: 'not available',
    voice: '',
    sampleRate: 16_000,
    transcribe: () => Promise.reject(error),
    // eslint-disable-next-line require-yield
    chat: async function* () {
      throw error;
    },
    // eslint-disable-next-line require-yield
    synthesize: async function* () {
      throw error;
    },
  };
}

/**
 * `config` may be a function (the settings store's snapshot, the same object
 * until a setting changes): the configuration is then read again for every
 * turn, so a provider changed in Settings takes effect for the next turn.
 * Providers are kept while their configuration is unchanged (a local model
 * stays loaded), and disposed when replaced.
 */
export function assistantDeps(config: PipelineConfig | (() => PipelineConfig), options: AssistantDepsOptions = {}): AssistantDeps {
  const current = typeof config === 'function' ? config : () => config;
  let cached: { key: string; stages: PipelineStages } | null = null;

  const plan = (c: PipelineConfig): Plan | StageError => {
    const out: Partial<Plan> = {};
    for (const stage of ['stt', 'llm', 'tts'] as const) {
      const provider = resolveProvider(c.engines[stage].choice, c[stage]);
      if (provider === 'openai') {
        if (!isConfigured(c[stage])) return new StageError(stage, 'not_configured', SETUP_HINT[stage]);
        out[stage] = { provider };
        continue;
      }
      if (stage === 'tts') {
        out.tts = { provider };
        continue;
      }
      if (!options.models) return new StageError(stage, 'not_configured', `${STAGE_LABEL[stage]} is set to run on this computer, but this host has no on-device models.`);
      const file = localModelFile(options.models, stage, c.engines[stage].localModel);
      out[stage] = file.ok
        ? { provider, modelPath: file.path, source: file.source }
        : {
            provider,
            missing: new StageError(
              stage,
              'not_configured',
              `${STAGE_LABEL[stage]} runs on this computer, but ${file.reason}. ${file.needs ? 'Download it with the button above (or in Settings → On-device models)' : 'Choose a model in Settings → On-device models'}, or set OPENAI_API_KEY to use OpenAI.`,
            ),
          };
    }
    return out as Plan;
  };

  const build = (c: PipelineConfig, p: Plan): PipelineStages => {
    const t = c.timeouts;
    const loads = options.onModelLoad ? { onModelLoad: options.onModelLoad } : {};
    const stt: SpeechToText = p.stt.missing
      ? unavailable(p.stt.missing)
      : p.stt.provider === 'local'
        ? new LocalSpeechToText({ modelPath: p.stt.modelPath!, ...(p.stt.source ? { source: p.stt.source } : {}), ...loads })
        : new OpenAISpeechToText(c.stt, t.sttMs);
    const llm: LanguageModel = p.llm.missing
      ? unavailable(p.llm.missing)
      : p.llm.provider === 'local'
        ? new LocalLanguageModel({ modelPath: p.llm.modelPath!, ...(p.llm.source ? { source: p.llm.source } : {}), ...loads })
        : new OpenAILanguageModel(c.llm, t.llmFirstTokenMs, t.llmIdleMs);
    const tts: TextToSpeech = p.tts.provider === 'local' ? new LocalTextToSpeech({ voice: c.engines.tts.localVoice, ...loads }) : new OpenAITextToSpeech(c.tts, t.ttsFirstByteMs, t.ttsIdleMs);
    return { stt, llm, tts };
  };

  return {
    get config() {
      return current();
    },
    stages() {
      const c = current();
      const p = plan(c);
      if (p instanceof StageError) return p;
      const key = JSON.stringify([p, c.stt, c.llm, c.tts, c.timeouts, c.engines], (k, v: unknown) => (v instanceof StageError ? v.message : v));
      if (cached?.key !== key) {
        let stages: PipelineStages;
        try {
          stages = build(c, p);
        } catch (error) {
          if (error instanceof StageError) return error;
          throw error;
        }
        const previous = cached?.stages;
        cached = { key, stages };
        // A replaced local model leaves memory; one still in use (same file) is kept by the new instance's own load.
        // Nothing uses a replaced engine any more, so a failure to free it has no one to tell.
        if (previous) for (const stage of Object.values(previous)) void ignoreFailure(stage.dispose?.());
      }
      return cached.stages;
    },
    createVad: () => SileroVoiceActivity.load(current().vad.threshold, options.onModelLoad),
    warmUp() {
      const stages = this.stages();
      if (stages instanceof StageError) return;
      // A model that fails to load here fails again, with its reason, in the turn that uses it.
      for (const stage of Object.values(stages) as (StageInfo & { load?: () => Promise<void> })[]) void ignoreFailure(stage.load?.());
    },
    ...(options.tools ? { tools: options.tools } : {}),
  };
}
