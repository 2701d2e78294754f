import { useState } from 'react';
import type { TurnAudioActions } from '../session/turn-audio-requests';
import { audioFileName, preparingText } from './turn-audio';
import { requestFailure } from './use-turn-audio';

interface Props {
  source: TurnAudioActions;
  /** The conversation whose audio is kept (its id). */
  audioKey: string;
  traceId: string;
  /** The chosen turn (its file), or null: the whole conversation's. */
  turn: number | null;
  /** False when nothing of it is kept: the button is there, disabled. */
  available: boolean;
}

/** "Download audio (turn N)" or "(conversation)": the file, one FLAC a person can play, fetched with its progress shown. */
export function DownloadAudio({ source, audioKey, traceId, turn, available }: Props) {
  const [progress, setProgress] = useState<{ loaded: number; total: number | null } | null>(null);
  // Said of the file it is about only: another turn's button starts clean.
  const target = `${audioKey} ${turn}`;
  const [failed, setError] = useState<{ target: string; text: string } | null>(null);
  const error = failed?.target === target ? failed.text : null;

  const download = () => {
    setError(null);
    setProgress({ loaded: 0, total: null });
    const name = audioFileName(traceId, turn);
    source.readAudio(audioKey, turn, (loaded, total) => setProgress({ loaded, total })).then(
      (blob) => {
        setProgress(null);
        const url = URL.createObjectURL(blob);
        const link = document.createElement('a');
        link.href = url;
        link.download = name;
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      },
      (failure: unknown) => {
        setProgress(null);
        setError({ target, text: `The audio could not be downloaded: ${requestFailure(failure)}` });
      },
    );
  };

  return (
    <>
      <button type="button" className="button secondary small" onClick={download} disabled={!available || progress !== null}>
        {turn === null ? 'Download audio (conversation)' : `Download audio (turn ${turn})`}
      </button>
      {progress && (
        <span className="hint" role="status">
          {preparingText(progress.loaded, progress.total)}
        </span>
      )}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
