import { useEffect, useRef } from 'react';
import { AUDIO_LANES } from '../../../shared/turn-audio';
import { axisMsAt, axisPercent, LANE_LABEL, laneIntervals, laneText, positionText, preparingText, talkOver, type KeptAudio, type TurnAudioStatus } from './turn-audio';
import type { PlaybackState, TurnPlayback } from './use-turn-audio';

interface PlayerProps {
  turn: number | null;
  status: TurnAudioStatus;
  playback: TurnPlayback;
  /** Where the file starts on the turn's axis. */
  offsetMs: number;
  /** The speaker chosen in Settings (empty: the default one). */
  outputDeviceId: string;
}

/**
 * The chosen turn's audio: "Play turn N" (then "Pause turn N"), how far its
 * file has arrived, where it plays (said at each play, pause, seek and end),
 * or why it has none. The <audio> element plays the file.
 */
export function TurnAudioPlayer({ turn, status, playback: { state, toggle, attach, element }, offsetMs, outputDeviceId }: PlayerProps) {
  // On the speaker the assistant speaks on.
  useEffect(() => {
    element?.setSinkId(outputDeviceId).catch((error: unknown) => console.warn('The chosen speaker could not be used for turn audio; playing on the default one:', error));
  }, [element, outputDeviceId]);
  const name = `turn ${turn ?? ''}`.trim();
  return (
    <section className="turn-audio" aria-label={`Turn ${turn ?? ''} audio`}>
      {status.kind === 'kept' ? (
        <>
          <div className="turn-audio-controls">
            <button type="button" className="button secondary small" onClick={toggle} disabled={state.phase === 'loading'}>
              {state.playing ? `Pause ${name}` : `Play ${name}`}
            </button>
            <span className="hint" aria-live="polite">
              {state.phase === 'loading' ? preparingText(state.progress?.loaded ?? 0, state.progress?.total ?? null) : `${(status.audio.durationMs / 1_000).toFixed(1)} s of audio: what you said and what you heard`}
            </span>
            <span className="visually-hidden" role="status">
              {state.phase === 'ready' || state.positionS > 0 ? positionText(state.playing, state.ended, axisMsAt(state.positionS, offsetMs)) : ''}
            </span>
            <audio ref={attach} preload="none" />
          </div>
          {state.error && (
            <p className="field-error" role="alert">
              {state.error}
            </p>
          )}
        </>
      ) : status.kind === 'looking' ? (
        <p className="hint">Looking for this turn's audio…</p>
      ) : status.kind === 'failed' ? (
        <p className="field-error" role="alert">
          {status.text}
        </p>
      ) : (
        <p className="hint">{status.text}</p>
      )}
    </section>
  );
}

const bar = (fromMs: number, toMs: number, totalMs: number) => {
  const left = axisPercent(fromMs, totalMs);
  return { left: `${left}%`, width: `${Math.max(0.5, Math.round((axisPercent(toMs, totalMs) - left) * 1_000) / 1_000)}%` };
};

/** The turn's two lanes on the spans' axis, from the file's segments: where the user spoke, where the reply played, and where both did at once. */
export function AudioLanes({ audio, offsetMs, totalMs }: { audio: KeptAudio; offsetMs: number; totalMs: number }) {
  const lanes = laneIntervals(audio.segments, offsetMs);
  const both = talkOver(lanes);
  return (
    <ul className="audio-lanes" aria-label="Audio lanes">
      {AUDIO_LANES.map((lane) => (
        <li key={lane} className={`audio-lane audio-lane-${lane}`}>
          <span className="span-name" aria-hidden="true">
            {LANE_LABEL[lane]}
          </span>
          <span />
          <span />
          <span className="audio-lane-track" aria-hidden="true">
            {lanes[lane].map((i) => (
              <span key={i.fromMs} className="audio-sound" style={bar(i.fromMs, i.toMs, totalMs)} />
            ))}
            {lane === 'assistant' && both.map((i) => <span key={i.fromMs} className="audio-talk-over" style={bar(i.fromMs, i.toMs, totalMs)} />)}
          </span>
          <span className="visually-hidden">{laneText(LANE_LABEL[lane], lanes[lane])}</span>
        </li>
      ))}
      {both.length > 0 && <li className="audio-lanes-note hint">{laneText('Both at once (talk-over)', both)}</li>}
    </ul>
  );
}

/** A thin line over the lanes and the spans at the playing time; it follows the element each frame while playing. */
export function Playhead({ element, state, offsetMs, totalMs }: { element: HTMLAudioElement | null; state: PlaybackState; offsetMs: number; totalMs: number }) {
  const line = useRef<HTMLSpanElement>(null);
  const { playing, positionS } = state;
  useEffect(() => {
    if (!playing || !element) return;
    let frame = requestAnimationFrame(function follow() {
      if (line.current) line.current.style.left = `${axisPercent(axisMsAt(element.currentTime, offsetMs), totalMs)}%`;
      frame = requestAnimationFrame(follow);
    });
    return () => cancelAnimationFrame(frame);
  }, [element, playing, offsetMs, totalMs]);
  return (
    <div className="audio-playhead-layer" aria-hidden="true">
      <span className="audio-playhead-track">
        <span ref={line} className={`audio-playhead${playing ? ' playing' : ''}`} style={{ left: `${axisPercent(axisMsAt(positionS, offsetMs), totalMs)}%` }} />
      </span>
    </div>
  );
}
