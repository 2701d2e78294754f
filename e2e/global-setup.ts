import { generateSpeechWav } from './speech-fixture';

export default function globalSetup(): void {
  generateSpeechWav();
}
