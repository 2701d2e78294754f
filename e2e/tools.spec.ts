import { collected, configureProviders, expect, providerRequests, resetCollector, sendText, setSettingsSwitch, setTracing, test, type CollectedSpan } from './fixtures';


const operation = (spans: CollectedSpan[], name: string) => spans.filter((s) => s.attributes['gen_ai.operation.name'] === name);

test.afterEach(async ({ app }) => {
  await setTracing(app, false);
  await resetCollector();
});

test('a typed request that needs a tool is answered with its result, spoken, shown and traced', async ({ app }) => {
  await resetCollector();
  // The model asks for the built-in clock, then answers with what it said.
  await configureProviders({ toolSteps: [[{ name: 'get_current_time', arguments: '{}' }]], ttsMsPerChar: 5 });
  await setTracing(app, true);

  await sendText(app, 'What time is it?');
  const reply = app.getByRole('log', { name: 'Conversation' }).locator('.entry-assistant').last();
  await expect(reply).toContainText('The tools said: ');
  await expect(reply.getByText('Used get_current_time (built-in)')).toBeVisible();
  // Content capture is off: no disclosure of arguments and result.
  await expect(reply.getByRole('group')).toHaveCount(0);
  await expect(app.getByRole('status')).toHaveText(/Idle|Listening/);

  const { requests } = await providerRequests();
  const chats = requests.filter((r) => r.endpoint === 'chat');
  expect(chats).toHaveLength(2);
  const toolMessage = (chats[1]!.body.messages as { role: string; content: string }[]).at(-1)!;
  expect(toolMessage.role).toBe('tool');
  // The clock's answer: a day of the week, a date and a time in this computer's zone.
  expect(toolMessage.content).toMatch(/^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d{1,2} \w+ \d{4}, \d{2}:\d{2} \(/);
  await expect(reply).toContainText(`The tools said: ${toolMessage.content}.`);
  // Spoken: the answer went to text-to-speech.
  expect(requests.filter((r) => r.endpoint === 'speech').map((r) => String(r.body.input)).join(' ')).toContain(toolMessage.content.split(',')[0]!);

  await expect.poll(async () => operation((await collected()).spans, 'execute_tool').length, { timeout: 15_000 }).toBe(1);
  await expect.poll(async () => (await collected()).spans.filter((s) => s.name === 'audio.playback').length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  const { spans } = await collected();
  const [tool] = operation(spans, 'execute_tool');
  expect(tool!.name).toBe('execute_tool get_current_time');
  expect(tool!.attributes['gen_ai.tool.name']).toBe('get_current_time');
  expect(tool!.attributes['gen_ai.tool.type']).toBe('function');
  expect(tool!.attributes['gen_ai.tool.call.id']).toMatch(/^call_/);
  expect(tool!.attributes['gen_ai.tool.call.result']).toBeUndefined();
  const turn = spans.find((s) => s.spanId === tool!.parentSpanId);
  expect(turn?.name).toBe('turn');
  expect(turn!.attributes['turn.tool_calls']).toBe(1);
  // The renderer's playback span of this turn is in the same trace.
  const playback = spans.filter((s) => s.name === 'audio.playback' && s.traceId === tool!.traceId);
  expect(playback.length).toBeGreaterThanOrEqual(1);
  expect(playback[0]!.attributes['app.process']).toBe('renderer');
});

test('with content capture on, the arguments and result are behind a disclosure under the reply', async ({ app }) => {
  await configureProviders({ toolSteps: [[{ name: 'set_timer', arguments: '{"seconds": 600, "label": "tea"}' }]], ttsMsPerChar: 5 });
  await setSettingsSwitch(app, 'Capture content', true);
  try {
    await sendText(app, 'Set a timer for ten minutes for my tea.');
    const reply = app.getByRole('log', { name: 'Conversation' }).locator('.entry-assistant').last();
    await expect(reply).toContainText('set for 10 minutes');
    const disclosure = reply.getByRole('group');
    await disclosure.getByText('Used set_timer (built-in)').click();
    await expect(disclosure).toContainText('{"seconds": 600, "label": "tea"}');
    await expect(disclosure).toContainText('Timer 1 (tea) set for 10 minutes');
    await app.screenshot({ path: test.info().outputPath('tool-disclosure.png') });
  } finally {
    await setSettingsSwitch(app, 'Capture content', false);
  }
});
