/**
 * The system file picker behind "Use file" for an on-device model: one file,
 * filtered to the engine's format (whisper.cpp's .bin, llama.cpp's .gguf).
 */
import type { OpenDialogOptions, OpenDialogReturnValue } from 'electron';

export type ModelFileStage = 'stt' | 'llm';

const FORMATS: Record<ModelFileStage, { title: string; filter: { name: string; extensions: string[] } }> = {
  stt: { title: 'Choose a speech-to-text model (whisper.cpp .bin)', filter: { name: 'whisper.cpp model', extensions: ['bin'] } },
  llm: { title: 'Choose a language model (.gguf)', filter: { name: 'GGUF model', extensions: ['gguf'] } },
};

export function isModelFileStage(value: unknown): value is ModelFileStage {
  return value === 'stt' || value === 'llm';
}

export function modelFileDialogOptions(stage: ModelFileStage): OpenDialogOptions {
  const { title, filter } = FORMATS[stage];
  return { title, buttonLabel: 'Use file', properties: ['openFile', 'dontAddToRecent'], filters: [filter] };
}

/** The path the user chose, or null when the dialog was cancelled. */
export function chosenModelFile(result: Pick<OpenDialogReturnValue, 'canceled' | 'filePaths'>): string | null {
  if (result.canceled) return null;
  return result.filePaths[0] ?? null;
}
