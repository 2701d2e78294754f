/**
 * Conversation files on a disk that can be made full: while `full`, a write
 * puts down half of its data, as a disk running out of room does, then fails
 * with ENOSPC. Counts the files opened and closed, so a test sees a leak.
 */
import { openHistoryFile, type OpenHistoryFile } from '../history/history-file';

export class FailingDisk {
  full = false;
  opened = 0;
  closed = 0;
  writesRefused = 0;

  /** Files opened and not closed. */
  get openFiles(): number {
    return this.opened - this.closed;
  }

  readonly open: OpenHistoryFile = async (path) => {
    const file = await openHistoryFile(path);
    this.opened++;
    return {
      write: async (data, position) => {
        if (!this.full) return file.write(data, position);
        this.writesRefused++;
        await file.write(data.subarray(0, Math.ceil(data.length / 2)), position);
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
      sync: () => file.sync(),
      truncate: (length) => file.truncate(length),
      close: async () => {
        this.closed++;
        await file.close();
      },
    };
  };
}
