import { describe, expect, it } from 'vitest';
import { ATTR } from '../../../../shared/telemetry';
import { TurnPhases, phaseOf } from './turn-phases';

describe('TurnPhases', () => {
  it('names the phase each event marks, and none for the rest', () => {
    expect(phaseOf({ type: 'stage.ended', at: 1, turn: 1, stage: 'stt', output: 'hi' })).toBe('transcript');
    expect(phaseOf({ type: 'stage.ended', at: 1, turn: 1, stage: 'stt' })).toBeNull(); // failed or cancelled: no transcript
    expect(phaseOf({ type: 'stage.first_output', at: 1, turn: 1, stage: 'llm' })).toBe('first_token');
    expect(phaseOf({ type: 'stage.first_output', at: 1, turn: 1, stage: 'tts' })).toBeNull();
    expect(phaseOf({ type: 'stage.started', at: 1, turn: 1, stage: 'tts', provider: 'p', model: 'm', voice: 'v', text: 'Hi,' })).toBe('first_phrase');
    expect(phaseOf({ type: 'turn.audio_sent', at: 1, turn: 1 })).toBe('first_audio_sent');
    expect(phaseOf({ type: 'turn.playback_started', at: 1, turn: 1, voiceToVoiceMs: 3 })).toBe('first_audio_playing');
    expect(phaseOf({ type: 'turn.started', at: 1, turn: 1, input: 'voice' })).toBeNull();
  });

  it('counts each phase once, from the first origin given, never before an origin', () => {
    const phases = new TurnPhases();
    const tts = (at: number) => ({ type: 'stage.started', at, turn: 1, stage: 'tts', provider: 'p', model: 'm', voice: 'v', text: 'A.' }) as const;
    expect(phases.record(tts(5))).toBeNull();
    phases.setOrigin(100);
    phases.setOrigin(150); // the turn starting after the end of speech does not move the origin
    expect(phases.record(tts(340.26))).toEqual({ attribute: ATTR.phaseFirstPhraseMs, ms: 240.3 });
    expect(phases.record(tts(900))).toBeNull(); // the second sentence is not the first phrase
  });
});
