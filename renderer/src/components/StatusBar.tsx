import type { SessionSnapshot } from '../session/reducer';

const STATE_TEXT: Record<SessionSnapshot['state'], string> = {
  connecting: 'Connecting',
  idle: 'Idle',
  listening: 'Listening',
  thinking: 'Thinking',
  speaking: 'Speaking',
  error: 'Error',
};

/** Microphone meter range, dBFS. */
const METER_FLOOR = -70;

/**
 * What the assistant is doing, and how loud the microphone is. Only the
 * state: what went wrong is said in the conversation, once; the audio
 * figures are in the Traces dialog's Diagnostics.
 */
export function StatusBar({ snapshot }: { snapshot: SessionSnapshot }) {
  const level = Math.max(METER_FLOOR, Math.min(0, snapshot.micLevelDbfs));
  const listening = snapshot.microphoneLabel !== null;

  return (
    <div className="status-bar">
      <div className={`status status-${snapshot.state}`} role="status" aria-live="polite">
        <span className="status-dot" aria-hidden="true" />
        {STATE_TEXT[snapshot.state]}
      </div>
      <meter
        className="meter"
        min={METER_FLOOR}
        max={0}
        low={-45}
        high={-6}
        optimum={-20}
        value={level}
        aria-label="Microphone level"
        aria-valuetext={listening ? `${Math.round(level)} dBFS` : 'microphone off'}
      />
    </div>
  );
}
