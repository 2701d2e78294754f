/**
 * Closes an audio context for good. Closing one that is already closed (or
 * whose page is going away) rejects; closed is the state wanted, so that
 * rejection is no error to report.
 */
export async function closeAudioContext(context: AudioContext | null | undefined): Promise<void> {
  if (!context || context.state === 'closed') return;
  try {
    await context.close();
  } catch {
    // Already closed by the browser: nothing left to release.
  }
}
