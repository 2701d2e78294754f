import { duration } from '../electron/agent/tools/builtin/describe-recent-turns';
import { collected, configureProviders, expect, providerRequests, resetCollector, sendText, setTracing, test } from './fixtures';

test.afterEach(async ({ app }) => {
  await setTracing(app, false);
  await resetCollector();
});

const offered = async () =>
  (await providerRequests()).requests.filter((r) => r.endpoint === 'chat').map((r) => ((r.body.tools ?? []) as { function: { name: string } }[]).map((t) => t.function.name));

test('with tracing on, "why was that so slow?" is answered with the last turn\'s figures', async ({ app }) => {
  await resetCollector();
  const conversation = app.getByRole('log', { name: 'Conversation' });
  const status = app.getByRole('status');

  // Tracing off: the tool is not offered.
  await configureProviders({ ttsMsPerChar: 5 });
  await sendText(app, 'Hello there.');
  await expect(conversation.locator('.entry-assistant').last()).toContainText('You said: Hello there.');
  await expect(status).toHaveText(/Idle|Listening/);
  expect((await offered()).flat()).not.toContain('describe_recent_turns');

  await setTracing(app, true);
  await configureProviders({ ttsMsPerChar: 5 });
  await sendText(app, 'Tell me a story.');
  await expect(conversation.locator('.entry-assistant').last()).toContainText('You said: Tell me a story.');
  await expect(status).toHaveText(/Idle|Listening/);
  // The turn has ended (its span is exported once it has): its figure is what the answer must say.
  await expect.poll(async () => (await collected()).spans.filter((s) => s.name === 'turn').length, { timeout: 15_000 }).toBe(1);
  const [turn] = (await collected()).spans.filter((s) => s.name === 'turn');
  const firstAudio = turn!.attributes['turn.phase.first_audio_playing_ms'];
  expect(typeof firstAudio).toBe('number');
  expect((await offered())[0]).toContain('describe_recent_turns');

  await configureProviders({ toolSteps: [[{ name: 'describe_recent_turns', arguments: '{}' }]], ttsMsPerChar: 5 });
  await sendText(app, 'Why was that so slow?');
  const reply = conversation.locator('.entry-assistant').last();
  await expect(reply).toContainText('The tools said: Only one turn has finished');
  await expect(reply).toContainText(`the reply started playing ${duration(firstAudio as number)} after your message.`);
  await expect(reply).toContainText("The model's first token came after");
  await expect(reply.getByText('Used describe_recent_turns (built-in)')).toBeVisible();
  // Content capture is off: what the user typed is not in the answer.
  await expect(reply).not.toContainText('Tell me a story');

  await expect.poll(async () => (await collected()).spans.filter((s) => s.name === 'execute_tool describe_recent_turns').length, { timeout: 15_000 }).toBe(1);
  const tool = (await collected()).spans.find((s) => s.name === 'execute_tool describe_recent_turns')!;
  expect(tool.attributes['gen_ai.tool.type']).toBe('function');
  expect(tool.attributes['voice_agent.tool.source']).toBe('built-in');
});
