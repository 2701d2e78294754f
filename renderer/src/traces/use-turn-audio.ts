/**
 * The viewer's turn audio as React state: what is kept of the shown
 * conversation (asked again as its turns end, or another turn is chosen),
 * and the chosen turn's playback. A turn's file is fetched on the first
 * Play, played from an object URL in an <audio> element, and let go (the
 * playback stopped, the URL revoked) when the turn, the conversation or the
 * dialog changes.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { RequestError } from '../session/pending-requests';
import { failureMessage } from '../session/request-link';
import type { TurnAudioActions } from '../session/turn-audio-requests';
import { decodeFailure, type AudioTurnsList, type KeptAudio } from './turn-audio';

export type AudioTurnsListing = { list: AudioTurnsList } | { error: string; unavailable: boolean } | null;

export function requestFailure(error: unknown): string {
  return error instanceof RequestError ? failureMessage(error) : String(error);
}

/** What is kept of conversation `key`'s turns (null: none asked, or the answer not here yet); asked again when `refresh` changes. */
export function useAudioTurns(source: TurnAudioActions, key: string | null, refresh: string): AudioTurnsListing {
  const [state, setState] = useState<{ key: string; value: NonNullable<AudioTurnsListing> } | null>(null);
  useEffect(() => {
    if (!key) return;
    let current = true;
    source.audioTurns(key).then(
      (reply) => current && setState({ key, value: { list: reply } }),
      // Main saying it keeps no audio here (`invalid_state`) is an answer, not a failure.
      (error: unknown) => current && setState({ key, value: { error: requestFailure(error), unavailable: error instanceof RequestError && error.code === 'invalid_state' } }),
    );
    return () => {
      current = false;
    };
  }, [source, key, refresh]);
  return state && state.key === key ? state.value : null;
}

export interface PlaybackState {
  phase: 'idle' | 'loading' | 'ready';
  playing: boolean;
  ended: boolean;
  /** Where playback is, or starts from, in seconds of the file: set at each play, pause, seek and end (the playhead reads the element while playing). */
  positionS: number;
  progress: { loaded: number; total: number } | null;
  error: string | null;
}

const IDLE: PlaybackState = { phase: 'idle', playing: false, ended: false, positionS: 0, progress: null, error: null };

export interface TurnPlayback {
  state: PlaybackState;
  /** The <audio> element that plays (its ref callback, and the element once mounted). */
  attach(element: HTMLAudioElement | null): void;
  element: HTMLAudioElement | null;
  /** Play (fetching the file the first time), or pause. */
  toggle(): void;
  /** Plays from `seconds` into the file (where the next Play starts, while paused). */
  seek(seconds: number): void;
}

/** The chosen turn's playback; `audio` null (no audio, or the dialog closed) stops and lets go of what played. */
export function useTurnPlayback(source: TurnAudioActions, key: string | null, audio: KeptAudio | null): TurnPlayback {
  const identity = key && audio ? `${key} ${audio.turn} ${audio.startAt}` : null;
  const turn = audio?.turn ?? null;
  const [element, attach] = useState<HTMLAudioElement | null>(null);
  // Kept with the turn it is of: another turn's state is not this one's.
  const [saved, setSaved] = useState<{ identity: string | null; state: PlaybackState }>({ identity: null, state: IDLE });
  const state = saved.identity === identity && identity !== null ? saved.state : IDLE;
  const current = useRef(identity);
  const controls = useRef<{ toggle(): void; seek(seconds: number): void } | null>(null);

  const update = useCallback((of: string, change: (state: PlaybackState) => Partial<PlaybackState>) => {
    setSaved((s) => {
      if (of !== current.current) return s;
      const base = s.identity === of ? s.state : IDLE;
      return { identity: of, state: { ...base, ...change(base) } };
    });
  }, []);

  // Another turn (or none): the one that played stops, its file is let go.
  useEffect(() => {
    current.current = identity;
    if (!identity || !element || !key || turn === null) return;
    const abort = new AbortController();
    let url: string | null = null;
    let phase: PlaybackState['phase'] = 'idle';
    let startFrom = 0;
    const events: [keyof HTMLMediaElementEventMap, () => void][] = [
      ['play', () => update(identity, () => ({ playing: true, ended: false, error: null, positionS: element.currentTime }))],
      ['pause', () => update(identity, () => ({ playing: false, positionS: element.currentTime }))],
      ['seeked', () => update(identity, () => ({ positionS: element.currentTime }))],
      ['ended', () => update(identity, () => ({ playing: false, ended: true, positionS: element.currentTime }))],
      ['error', () => update(identity, () => ({ playing: false, error: decodeFailure(element.error) }))],
    ];
    for (const [name, listener] of events) element.addEventListener(name, listener);
    const play = () => {
      element.play().catch((error: unknown) => {
        // A pause, or another turn, before it started is not a failure; a file that does not decode is said by the element's error event.
        if (error instanceof DOMException && (error.name === 'AbortError' || error.name === 'NotSupportedError')) return;
        update(identity, () => ({ playing: false, error: `The audio could not be played: ${error instanceof Error ? error.message : String(error)}` }));
      });
    };
    const load = () => {
      phase = 'loading';
      update(identity, () => ({ phase, progress: null, error: null }));
      source.readAudio(key, turn, (loaded, total) => update(identity, () => ({ progress: { loaded, total } })), abort.signal).then(
        (blob) => {
          if (abort.signal.aborted) return;
          url = URL.createObjectURL(blob);
          element.src = url;
          element.currentTime = startFrom;
          phase = 'ready';
          update(identity, () => ({ phase, progress: null }));
          play();
        },
        (error: unknown) => {
          if (abort.signal.aborted) return;
          phase = 'idle';
          update(identity, () => ({ phase, progress: null, error: `The audio could not be fetched: ${requestFailure(error)}` }));
        },
      );
    };
    controls.current = {
      toggle: () => {
        if (!element.paused) element.pause();
        else if (phase === 'ready') {
          // Played to the end: again from the start.
          if (element.ended) element.currentTime = 0;
          play();
        }
        else if (phase === 'idle') load();
      },
      seek: (seconds) => {
        startFrom = seconds;
        if (phase === 'ready') element.currentTime = seconds;
        update(identity, () => ({ positionS: seconds, ended: false }));
      },
    };
    return () => {
      abort.abort();
      controls.current = null;
      for (const [name, listener] of events) element.removeEventListener(name, listener);
      element.pause();
      element.removeAttribute('src');
      element.load();
      if (url) URL.revokeObjectURL(url);
      // Chosen again later, the turn starts afresh.
      setSaved((s) => (s.identity === identity ? { identity: null, state: IDLE } : s));
    };
  }, [identity, element, key, turn, source, update]);

  const toggle = useCallback(() => controls.current?.toggle(), []);
  const seek = useCallback((seconds: number) => controls.current?.seek(seconds), []);

  return { state, attach, element, toggle, seek };
}
