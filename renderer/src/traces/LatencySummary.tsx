import { formatFactor, formatRate, type EngineSummary } from './engine-speed';
import { DecisionFigures } from './DecisionMarkers';
import type { DecisionSummary } from './turn-decisions';
import { formatMs, type Stat, type TurnRow, type TurnsSummary } from './trace-view';

const FIGURES: { key: keyof TurnsSummary; label: string }[] = [
  { key: 'voiceToVoice', label: 'Voice-to-voice' },
  { key: 'stt', label: 'Speech-to-text' },
  { key: 'firstToken', label: 'First token' },
  { key: 'firstAudio', label: 'First audio' },
];

const text = (s: Stat | null) => (s ? `${formatMs(s.median)} / ${formatMs(s.p95)}` : '–');

const ENGINE_FIGURES: { key: Exclude<keyof EngineSummary, 'promptTokens'>; label: string; format: (value: number) => string }[] = [
  { key: 'sttRealTimeFactor', label: 'Speech-to-text speed', format: formatFactor },
  { key: 'promptTokensPerSecond', label: 'Prompt evaluation', format: formatRate },
  { key: 'outputTokensPerSecond', label: 'Generation', format: formatRate },
  { key: 'ttsRealTimeFactor', label: 'Text-to-speech speed', format: formatFactor },
];

/** The on-device engines' speed: real-time factors (processing time ÷ audio), token rates and prompt reuse. */
export function EngineFigures({ engine }: { engine: EngineSummary }) {
  const shown = ENGINE_FIGURES.filter((f) => engine[f.key] !== null);
  return (
    <dl className="traces-figures" aria-label="On-device engines">
      {shown.map((f) => {
        const s = engine[f.key]!;
        return (
          <div key={f.key}>
            <dt>{f.label}</dt>
            <dd>
              {`${f.format(s.median)} / ${f.format(s.p95)}`}
              <span className="hint"> median / p95</span>
            </dd>
          </div>
        );
      })}
      {engine.promptTokens && (
        <div>
          <dt>Prompt tokens</dt>
          <dd>
            {`${engine.promptTokens.evaluated} evaluated, ${engine.promptTokens.cached} reused`}
            <span className="hint"> from the context</span>
          </dd>
        </div>
      )}
    </dl>
  );
}

/** Median and 95th percentile over the conversation, and voice-to-voice per turn as bars labelled with their value. */
export function LatencySummary({
  summary,
  rows,
  engine = null,
  decisions = null,
}: {
  summary: TurnsSummary;
  rows: readonly TurnRow[];
  engine?: EngineSummary | null;
  decisions?: DecisionSummary | null;
}) {
  const bars = rows.map((row, i) => ({ label: String(row.number ?? i + 1), ms: row.voiceToVoiceMs ?? row.replyMs, typed: row.voiceToVoiceMs === null }));
  const max = Math.max(1, ...bars.map((b) => b.ms ?? 0));
  const width = Math.max(200, bars.length * 44);
  const height = 120;
  const chartHeight = 80;
  return (
    <section className="traces-summary" aria-label="Summary">
      <dl className="traces-figures">
        {FIGURES.map((f) => (
          <div key={f.key}>
            <dt>{f.label}</dt>
            <dd>
              {text(summary[f.key])}
              <span className="hint"> median / p95</span>
            </dd>
          </div>
        ))}
      </dl>
      {decisions && <DecisionFigures summary={decisions} />}
      {engine && <EngineFigures engine={engine} />}
      {bars.length > 0 && (
        <div className="traces-chart-wrap">
          <svg className="traces-chart" role="img" aria-label="Voice-to-voice per turn" viewBox={`0 0 ${width} ${height}`} width={width} height={height}>
            <defs>
              <pattern id="traces-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                <rect width="6" height="6" className="hatch-ground" />
                <line x1="0" y1="0" x2="0" y2="6" className="hatch-line" />
              </pattern>
            </defs>
            {bars.map((bar, i) => {
              const h = bar.ms === null ? 0 : Math.max(2, (bar.ms / max) * chartHeight);
              const x = i * 44 + 10;
              const y = 16 + chartHeight - h;
              return (
                <g key={i}>
                  <title>{`Turn ${bar.label}: ${bar.ms === null ? 'no figure' : `${Math.round(bar.ms)} ms`}${bar.typed && bar.ms !== null ? ' (typed: reply time)' : ''}`}</title>
                  {/* Typed turns' reply times are hatched, not only coloured differently. */}
                  <rect x={x} y={y} width={28} height={h} className={bar.typed ? 'bar typed' : 'bar'} />
                  <text x={x + 14} y={y - 4} textAnchor="middle" className="bar-value">
                    {bar.ms === null ? '–' : Math.round(bar.ms)}
                  </text>
                  <text x={x + 14} y={height - 4} textAnchor="middle" className="bar-label">
                    {bar.typed ? `${bar.label}*` : bar.label}
                  </text>
                </g>
              );
            })}
            <line x1={0} x2={width} y1={16 + chartHeight} y2={16 + chartHeight} className="axis" />
          </svg>
          <p className="hint">Milliseconds per turn; * typed turn (reply time).</p>
        </div>
      )}
    </section>
  );
}
