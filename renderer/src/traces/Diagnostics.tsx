import type { AudioStats } from '../../../shared/protocol';
import type { SessionSnapshot } from '../session/reducer';

/** A dBFS figure, or a dash while there is no sound to measure. */
function formatDb(value: number | undefined): string {
  return value === undefined || value <= -100 ? '–' : `${value.toFixed(0)} dBFS`;
}

const seconds = (ms: number | undefined, digits: number) => `${((ms ?? 0) / 1000).toFixed(digits)} s`;

interface Figure {
  label: string;
  testId: string;
  value(stats: AudioStats | null, snapshot: SessionSnapshot): string;
}

const MICROPHONE: Figure[] = [
  { label: 'Frames sent', testId: 'frames-sent', value: (_, s) => String(s.framesSent) },
  { label: 'Frames received', testId: 'frames-received', value: (stats) => String(stats?.framesReceived ?? 0) },
  { label: 'Frames dropped', testId: 'frames-dropped', value: (stats) => String(stats?.framesDropped ?? 0) },
  { label: 'Level', testId: 'level', value: (stats) => formatDb(stats?.levelDbfs) },
  { label: 'Peak', testId: 'peak', value: (stats) => formatDb(stats?.peakDbfs) },
  { label: 'Voiced', testId: 'voiced', value: (stats) => seconds(stats?.voicedMs, 1) },
  { label: 'Dynamics', testId: 'dynamics', value: (stats) => `${(stats?.dynamicsDb ?? 0).toFixed(1)} dB` },
  { label: 'Longest utterance', testId: 'longest-voiced', value: (stats) => seconds(stats?.longestVoicedMs, 2) },
];

const PLAYBACK: Figure[] = [
  { label: 'Chunks sent', testId: 'chunks-sent', value: (stats) => String(stats?.chunksSent ?? 0) },
  { label: 'Played', testId: 'played', value: (stats) => seconds(stats?.playedMs, 1) },
];

function Figures({ label, figures, snapshot }: { label: string; figures: Figure[]; snapshot: SessionSnapshot }) {
  return (
    <>
      <h4>{label}</h4>
      <dl className="traces-figures diagnostics-figures">
        {figures.map((f) => (
          <div key={f.testId}>
            <dt>{f.label}</dt>
            <dd data-testid={f.testId}>{f.value(snapshot.stats, snapshot)}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}

/**
 * What the audio path measures, live: the microphone as main receives it
 * (this conversation) and the assistant's voice as this window plays it.
 * For finding out why the assistant does not hear or is not heard.
 */
export function Diagnostics({ snapshot }: { snapshot: SessionSnapshot }) {
  return (
    <section className="diagnostics" aria-labelledby="diagnostics-title">
      <h3 id="diagnostics-title">Diagnostics</h3>
      <p className="hint">
        Microphone: {snapshot.microphoneLabel ?? 'not in use'}. Figures of the running conversation, as the app receives and plays its audio.
      </p>
      <Figures label="Microphone" figures={MICROPHONE} snapshot={snapshot} />
      <Figures label="Playback" figures={PLAYBACK} snapshot={snapshot} />
    </section>
  );
}
