import { describe, expect, it } from 'vitest';
import { chosenModelFile, isModelFileStage, modelFileDialogOptions } from './model-file-dialog';

describe('the model file dialog', () => {
  it('picks one whisper.cpp .bin for speech-to-text and one .gguf for the language model', () => {
    expect(modelFileDialogOptions('stt')).toMatchObject({ properties: ['openFile', 'dontAddToRecent'], filters: [{ name: 'whisper.cpp model', extensions: ['bin'] }] });
    expect(modelFileDialogOptions('llm')).toMatchObject({ properties: ['openFile', 'dontAddToRecent'], filters: [{ name: 'GGUF model', extensions: ['gguf'] }] });
    expect(modelFileDialogOptions('llm').properties).not.toContain('multiSelections');
  });

  it('gives the chosen path, or null when cancelled', () => {
    expect(chosenModelFile({ canceled: false, filePaths: ['/models/qwen.gguf'] })).toBe('/models/qwen.gguf');
    expect(chosenModelFile({ canceled: true, filePaths: ['/models/qwen.gguf'] })).toBeNull();
    expect(chosenModelFile({ canceled: false, filePaths: [] })).toBeNull();
  });

  it('knows the stages that take a model file, and only those', () => {
    expect(isModelFileStage('stt')).toBe(true);
    expect(isModelFileStage('llm')).toBe(true);
    for (const other of ['tts', '', null, { stage: 'stt' }]) expect(isModelFileStage(other)).toBe(false);
  });
});
