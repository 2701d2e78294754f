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

export function StatusBar({ snapshot }: { snapshot: SessionSnapshot }) {
  const { stats } = snapshot;
  const level = Math.max(METER_FLOOR, Math.min(0, snapshot.micLevelDbfs));
  const stateText = STATE_TEXT[snapshot.state] + (snapshot.stateDetail ? `: ${snapshot.stateDetail}` : '');

  return (
    <div className="status-bar">
      <div className={`status status-${snapshot.state}`} role="status" aria-live="polite">
        <span className="status-dot" aria-hidden="true" />
        {stateText}
      </div>
      <label className="meter">
        <span className="visually-hidden">Input level</span>
        <meter min={METER_FLOOR} max={0} low={-45} high={-6} optimum={-20} value={level} aria-label="Input level" />
      </label>
      <dl className="audio-stats" data-testid="audio-stats">
        <div>
          <dt>Frames received</dt>
          <dd data-testid="frames-received">{stats?.framesReceived ?? 0}</dd>
        </div>
        <div>
          <dt>Level</dt>
          <dd data-testid="level">{formatDb(stats?.levelDbfs)}</dd>
        </div>
        <div>
          <dt>Peak</dt>
          <dd data-testid="peak">{formatDb(stats?.peakDbfs)}</dd>
        </div>
        <div>
          <dt>Voiced</dt>
          <dd data-testid="voiced">{((stats?.voicedMs ?? 0) / 1000).toFixed(1)} s</dd>
        </div>
        <div>
          <dt>Dynamics</dt>
          <dd data-testid="dynamics">{(stats?.dynamicsDb ?? 0).toFixed(1)} dB</dd>
        </div>
        <div>
          <dt>Longest utterance</dt>
          <dd data-testid="longest-voiced">{((stats?.longestVoicedMs ?? 0) / 1000).toFixed(2)} s</dd>
        </div>
        <div>
          <dt>Played</dt>
          <dd data-testid="played">{((stats?.playedMs ?? 0) / 1000).toFixed(1)} s</dd>
        </div>
      </dl>
    </div>
  );
}

function formatDb(value: number | undefined): string {
  return value === undefined || value <= -100 ? '–' : `${value.toFixed(0)} dBFS`;
}
