import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvelopeWriter, type ClientMessage } from '../../../shared/protocol';
import { ATTR, SPAN } from '../../../shared/telemetry';
import { inMemoryTelemetry } from '../testing/in-memory-telemetry';
import { RecordingCarrier } from '../testing/recording-carrier';
import { until } from '../testing/until';
import { Session } from './session';

const conversationId = '00000000-0000-4000-8000-000000000009';

function setup(withTelemetry = true) {
  const memory = inMemoryTelemetry();
  const carrier = new RecordingCarrier();
  const session = new Session(carrier, withTelemetry ? { telemetry: memory.telemetry } : {});
  session.open();
  const writer = new EnvelopeWriter<ClientMessage>();
  const send = (message: ClientMessage) => {
    const envelope = writer.wrap(message);
    session.receiveMessage(JSON.stringify(envelope));
    return envelope.seq;
  };
  const tracer = memory.telemetry.tracer;
  const span = (name: string) => {
    const root = tracer.startSpan(SPAN.conversation, { root: true, attributes: { [ATTR.conversationId]: conversationId } });
    tracer.startSpan(name, { attributes: { [ATTR.conversationId]: conversationId } }, trace.setSpan(ROOT_CONTEXT, root)).end();
    return root;
  };
  cleanup.push(async () => {
    await session.close();
    await memory.telemetry.shutdown();
  });
  return { carrier, session, send, span, telemetry: memory.telemetry };
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0)) await done();
});

describe('the trace viewer over a session', () => {
  it('lists the store, pages a conversation from a cursor, and answers each with its request\'s ref', () => {
    const t = setup();
    t.span('chat m').end();
    const listRef = t.send({ type: 'traces.list' });
    const list = t.carrier.last('traces')!;
    expect(list.ref).toBe(listRef);
    expect(list.conversations).toEqual([expect.objectContaining({ key: conversationId, spans: 2, nextSeq: 2 })]);
    expect(list.resources.main['service.name']).toBe('voice-agent-stack');

    t.send({ type: 'traces.spans', key: conversationId, from: 1 });
    const page = t.carrier.last('traces.page')!;
    expect(page.spans.map((s) => s.name)).toEqual([SPAN.conversation]);
    expect(page.next).toBeNull();
  });

  it('refuses a conversation it no longer keeps, and says so when the host keeps no spans', () => {
    const t = setup();
    const ref = t.send({ type: 'traces.spans', key: conversationId, from: 0 });
    expect(t.carrier.last('error')).toMatchObject({ code: 'bad_message', ref, message: expect.stringMatching(/no longer kept/) });
    const bare = setup(false);
    bare.send({ type: 'traces.list' });
    expect(bare.carrier.last('error')).toMatchObject({ code: 'invalid_state', message: expect.stringMatching(/keeps no spans/) });
  });

  it('while watched, tells the page of changes in batches; not once it stops watching', async () => {
    const t = setup();
    t.send({ type: 'traces.watch', on: true });
    const root = t.span('chat m');
    t.span('chat n').end();
    root.end();
    await until(() => t.carrier.messages('traces').length > 0, { detail: () => t.carrier.summary() });
    // Four spans ended at once: one message.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(t.carrier.messages('traces')).toHaveLength(1);
    expect(t.carrier.last('traces')!.conversations[0]!.spans).toBe(4);
    t.send({ type: 'traces.watch', on: false });
    t.span('chat o').end();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(t.carrier.messages('traces')).toHaveLength(1);
  });
});
