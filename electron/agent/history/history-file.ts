/**
 * A conversation's file as the recorder writes it: whole lines at a known
 * offset, synced, cut back when a failed write left part of a line behind.
 * Opened by path, so a recorder whose write failed can close it and open it
 * again for the next attempt. Tests open one whose writes fail on purpose.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export interface HistoryFile {
  /** Writes all of `data` at `position`. */
  write(data: Uint8Array, position: number): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export type OpenHistoryFile = (path: string) => Promise<HistoryFile>;

/** Opens (creating it, readable by the user only) without truncating: writes go where the recorder says. */
export const openHistoryFile: OpenHistoryFile = async (path) => {
  const handle = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  return {
    async write(data, position) {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
        done += bytesWritten;
      }
    },
    sync: () => handle.datasync(),
    truncate: (length) => handle.truncate(length),
    close: () => handle.close(),
  };
};
