/**
 * Where one turn's pipeline output goes in the conversation: the words the
 * user said and the reply shown as they come, the status while tools run,
 * the tools used under the reply. Nothing reaches the view once the turn is
 * over (interrupted or failed).
 */
import type { SessionState, ToolUse } from '../../../shared/protocol';
import type { ToolCallResult } from '../pipeline/tool-calls';
import type { Turn } from './turn';
import type { TurnTranscript } from './turn-transcript';
import type { TurnInput, TurnSink } from '../pipeline/turn-run';

export interface TurnView {
  state(state: SessionState, detail?: string): void;
  notice(level: 'error' | 'info', text: string): void;
}

export function turnSink(turn: Turn, input: TurnInput['kind'], transcript: TurnTranscript, view: TurnView, captureContent: boolean): TurnSink {
  let toolStatus = false;
  return {
    // A typed message was written as it was sent; a voice turn's words are known now.
    userText: (text) => {
      if (input === 'voice' && !turn.isOver) transcript.user(text);
    },
    replyText: (text) => {
      if (!turn.isOver) transcript.replyShown(text);
    },
    audio: (samples, sampleRate) => turn.sendAudio(samples, sampleRate),
    toolsRunning: (names) => {
      if (turn.isOver || (!names.length && !toolStatus)) return;
      toolStatus = names.length > 0;
      view.state(turn.playbackStarted === null ? 'thinking' : 'speaking', names.length ? `Using ${names.join(', ')}…` : undefined);
    },
    toolCalls: (calls) => {
      if (!turn.isOver) transcript.toolsUsed(calls.map((call) => toolUse(call, captureContent)));
    },
    notice: (text) => view.notice('info', text),
  };
}

/** A call as the conversation shows it; what went in and out only with content capture on. */
function toolUse(call: ToolCallResult, capture: boolean): ToolUse {
  return {
    name: call.tool?.displayName ?? call.call.name,
    source: call.tool?.source ?? 'unknown',
    ok: call.outcome === 'ok',
    ...(capture ? { arguments: call.call.arguments.slice(0, 4_000), result: call.text.slice(0, 8_000) } : {}),
  };
}
