/** Runs the fake OpenAI-compatible server on PORT (for e2e tests and benchmarks). */
import { startFakeOpenAIServer } from './fake-openai-server';

const port = Number(process.env.PORT ?? 5299);
const server = await startFakeOpenAIServer(port);
console.log(`Fake OpenAI-compatible server at ${server.url}`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
