/**
 * The only bridge between the page and main: one typed API object. Each
 * session gets its own MessagePort; audio frames are transferred, not copied
 * as JSON.
 */
import { contextBridge, ipcRenderer } from 'electron';
import {
  IPC_DESKTOP_COMMAND,
  IPC_DESKTOP_STATUS,
  IPC_OPEN_EXTERNAL,
  IPC_OPEN_SESSION,
  IPC_PICK_MODEL_FILE,
  PRELOAD_API_KEY,
  type DesktopCommand,
  type DesktopStatus,
  type PortPayload,
  type PreloadApi,
} from '../../shared/bridge';

const api: PreloadApi = {
  transport: 'ipc',
  platform: process.platform,
  openSession(handlers) {
    const channel = new MessageChannel();
    const port = channel.port1;
    let open = true;
    port.onmessage = (event: MessageEvent<unknown>) => {
      const data = event.data;
      if (data instanceof ArrayBuffer) handlers.onAudio(data);
      else if (ArrayBuffer.isView(data)) handlers.onAudio(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
      else if (isMessagePayload(data)) handlers.onMessage(data.envelope as never);
    };
    port.start();
    ipcRenderer.postMessage(IPC_OPEN_SESSION, null, [channel.port2]);
    return {
      send(envelope) {
        if (open) port.postMessage({ kind: 'message', envelope } satisfies PortPayload);
      },
      sendAudio(frame) {
        if (open) port.postMessage(frame, [frame]);
      },
      close() {
        if (!open) return;
        open = false;
        port.close();
        handlers.onClose('closed by the page');
      },
    };
  },
  openExternal(url) {
    if (typeof url === 'string') ipcRenderer.send(IPC_OPEN_EXTERNAL, url);
  },
  desktop: {
    platform: process.platform,
    // The page gets the command or status alone, never the IPC event (it carries the sender).
    onCommand(listener) {
      const forward = (_event: unknown, command: DesktopCommand) => listener(command);
      ipcRenderer.on(IPC_DESKTOP_COMMAND, forward);
      return () => void ipcRenderer.removeListener(IPC_DESKTOP_COMMAND, forward);
    },
    onStatus(listener) {
      const forward = (_event: unknown, status: DesktopStatus) => listener(status);
      ipcRenderer.on(IPC_DESKTOP_STATUS, forward);
      // Main answers with the status it has, so a listener added late still gets it.
      ipcRenderer.send(IPC_DESKTOP_STATUS);
      return () => void ipcRenderer.removeListener(IPC_DESKTOP_STATUS, forward);
    },
    async pickModelFile(stage) {
      const path: unknown = await ipcRenderer.invoke(IPC_PICK_MODEL_FILE, stage);
      return typeof path === 'string' ? path : null;
    },
  },
};

function isMessagePayload(data: unknown): data is { kind: 'message'; envelope: unknown } {
  return typeof data === 'object' && data !== null && (data as { kind?: unknown }).kind === 'message';
}

contextBridge.exposeInMainWorld(PRELOAD_API_KEY, api);
