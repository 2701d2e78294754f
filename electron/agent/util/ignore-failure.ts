/**
 * For a clean-up step whose failure changes nothing for the caller: closing a
 * file after the error that is being reported, cancelling a body that will
 * not be read, disposing of something already replaced. Anything else that
 * fails is logged or reported, never silenced.
 */
export async function ignoreFailure(step: Promise<unknown> | undefined): Promise<void> {
  try {
    await step;
  } catch {
    // Deliberately ignored: see above.
  }
}
