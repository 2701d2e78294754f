import { useEffect, useState } from 'react';

export interface DeviceOption {
  id: string;
  label: string;
}

/** The microphones and speakers the browser reports (labels appear once the microphone was allowed). */
export function useAudioDevices(): { inputs: DeviceOption[]; outputs: DeviceOption[]; canChooseOutput: boolean } {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  useEffect(() => {
    const media = navigator.mediaDevices;
    if (!media?.enumerateDevices) return;
    const refresh = () => void media.enumerateDevices().then(setDevices, () => setDevices([]));
    refresh();
    media.addEventListener('devicechange', refresh);
    return () => media.removeEventListener('devicechange', refresh);
  }, []);
  const options = (kind: MediaDeviceKind) =>
    devices
      .filter((d) => d.kind === kind && d.deviceId && d.deviceId !== 'default' && d.deviceId !== 'communications')
      .map((d, i) => ({ id: d.deviceId, label: d.label || `${kind === 'audioinput' ? 'Microphone' : 'Speaker'} ${i + 1}` }));
  return { inputs: options('audioinput'), outputs: options('audiooutput'), canChooseOutput: 'setSinkId' in AudioContext.prototype };
}

/** A readable name for a KeyboardEvent.code ("Space", "F8", "Right Ctrl"). */
export function keyName(code: string): string {
  if (code.startsWith('Key')) return code.slice(3);
  if (code.startsWith('Digit')) return code.slice(5);
  return code.replace(/^(Control|Shift|Alt|Meta)(Left|Right)$/, '$2 $1').replace('Control', 'Ctrl');
}
