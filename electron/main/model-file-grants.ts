/**
 * On the desktop, a model file is used only when the user chose it in main's
 * own file dialog: the dialog's answer is granted here, and the window's
 * `models.pick` is accepted only for that path, once. A page that asks to use
 * any other path (a compromised page, a script in the renderer) is refused,
 * so nothing but the user's own choice makes an engine read a file.
 */
import type { ModelStageName } from '../../shared/models';
import type { SessionModels } from '../agent/session/session';

export const UNGRANTED_MODEL_FILE = 'Choose the model file with "Use file": the app only uses a file picked in its own file dialog.';

export class ModelFileGrants {
  private readonly granted = new Map<ModelStageName, string>();

  /** The path the file dialog returned for `stage` (replacing an unused earlier one). */
  grant(stage: ModelStageName, path: string): void {
    this.granted.set(stage, path);
  }

  /** Whether `path` is the file the dialog returned for `stage`; a grant is used up by the asking. */
  take(stage: ModelStageName, path: string): boolean {
    const granted = this.granted.get(stage);
    if (granted === undefined || granted !== path) return false;
    this.granted.delete(stage);
    return true;
  }
}

/** The models a desktop session sees: all as they are, except that a pick needs a grant. */
export function dialogGatedModels(models: SessionModels, grants: ModelFileGrants): SessionModels {
  return {
    view: () => models.view(),
    onChange: (listener) => models.onChange(listener),
    download: (id) => models.download(id),
    cancel: (id) => models.cancel(id),
    remove: (id) => models.remove(id),
    unpick: (stage) => models.unpick(stage),
    pick: async (stage, path) => (grants.take(stage, path) ? models.pick(stage, path) : { ok: false, message: UNGRANTED_MODEL_FILE }),
  };
}
