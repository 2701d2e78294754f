/**
 * Settings -> On-device models' requests to main: download (resuming a
 * partial file), cancel, remove, use a file on the host's disk for a stage
 * (chosen with the system's file picker on the desktop) or stop using it.
 * Progress arrives in `models`; the answer to a pick in `modelsResult`.
 */
import type { ModelStageName } from '../../../shared/models';
import { failureMessage, type RequestLink } from './request-link';

export interface ModelActions {
  download(id: string): void;
  cancel(id: string): void;
  remove(id: string): void;
  pick(stage: ModelStageName, path: string): void;
  unpick(stage: ModelStageName): void;
  /** Whether the system's file picker chooses model files (the desktop); else the page asks for a path. */
  readonly choosesFiles: boolean;
  /** Opens the system's file picker for a model file, and uses the file chosen. */
  chooseFile(stage: ModelStageName): Promise<void>;
}

/** The desktop's file picker; null in the browser. */
export type ModelFilePicker = ((stage: ModelStageName) => Promise<string | null>) | null;

export function modelRequests(link: RequestLink, picker: ModelFilePicker): ModelActions {
  const result = (ok: boolean, message: string) => link.dispatch({ type: 'local.modelsResult', result: { ok, message } });
  const pick = (stage: ModelStageName, path: string) => {
    link.dispatch({ type: 'local.modelsResult', result: null });
    link.ask({ type: 'models.pick', stage, path }, (error) => result(false, failureMessage(error)));
  };
  return {
    download: (id) => {
      link.dispatch({ type: 'local.modelsResult', result: null });
      if (!link.connected()) {
        link.dispatch({ type: 'local.alert', alert: 'Not connected to the app; the download did not start.' });
        return;
      }
      link.ask({ type: 'models.download', id });
    },
    cancel: (id) => link.ask({ type: 'models.cancel', id }),
    remove: (id) => link.ask({ type: 'models.remove', id }),
    pick,
    unpick: (stage) => link.ask({ type: 'models.unpick', stage }),
    choosesFiles: picker !== null,
    chooseFile: async (stage) => {
      if (!picker) return;
      let path: string | null;
      try {
        path = await picker(stage);
      } catch (error) {
        result(false, `The file picker could not open (${String(error)}).`);
        return;
      }
      if (path) pick(stage, path);
    },
  };
}
