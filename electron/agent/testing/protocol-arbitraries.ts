/**
 * fast-check generators of input that the session protocol must refuse:
 * text that is not JSON, JSON that is not an envelope, envelopes of unknown
 * or wrongly typed messages, messages over the size limit, and binary frames
 * with a bad header, size or format. Every generated value is invalid by
 * construction, so each one must get exactly one error reply.
 */
import fc from 'fast-check';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import { FRAME_HEADER_BYTES, FrameKind, encodeAudioFrame } from '../../../shared/audio-frame';
import { MAX_MESSAGE_BYTES } from '../../../shared/protocol';

const KNOWN_TYPES = [
  'conversation.start',
  'conversation.end',
  'user.text',
  'audio.test',
  'playback',
  'telemetry.spans',
  'settings.update',
  'history.list',
  'history.open',
  'history.delete',
  'ptt',
  'models.download',
  'models.cancel',
  'models.remove',
  'models.pick',
  'models.unpick',
  'tools.server.enable',
  'tools.tool.enable',
  'tools.builtin.enable',
  'tools.server.save',
  'tools.server.remove',
  'traces.list',
  'traces.spans',
  'traces.watch',
];

const seq = fc.nat({ max: 2 ** 31 });
const notAnInteger = fc.oneof(fc.double({ noInteger: true }), fc.string(), fc.boolean(), fc.constant(null), fc.constant(-1));
const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));

/** Text that cannot parse as JSON: a letter can never start a JSON document other than true/false/null. */
const notJson = fc.string({ maxLength: 200 }).map((s) => `x${s}`);

/** JSON values that are not envelopes at all. */
const notAnEnvelope = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
  fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => !['v', 'seq', 'message', 'traceparent'].includes(k)), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 4 }),
);

/** A good message inside a broken envelope. */
const brokenEnvelope = fc.oneof(
  fc.record({ v: fc.oneof(fc.integer().filter((n) => n !== 1), fc.string(), fc.constant(null)), seq, message: fc.constant({ type: 'audio.test' }) }),
  fc.record({ v: fc.constant(1), seq: notAnInteger, message: fc.constant({ type: 'audio.test' }) }),
  fc.record({ v: fc.constant(1), seq, message: fc.constant({ type: 'audio.test' }), traceparent: fc.string({ maxLength: 60 }).filter((t) => !/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(t)) }),
  fc.record({ v: fc.constant(1), seq, message: fc.jsonValue({ maxDepth: 2 }).filter((m) => typeof m !== 'object' || m === null || Array.isArray(m)) }),
);

/** Messages of unknown types, or known types with wrong or extra fields. */
const badMessage = fc.oneof(
  fc.record({ type: fc.string({ maxLength: 30 }).filter((t) => !KNOWN_TYPES.includes(t)) }),
  fc.record({ type: fc.constant('user.text'), text: notAString }),
  fc.record({ type: fc.constant('user.text'), text: fc.constant('') }),
  fc.record({ type: fc.constant('playback'), event: fc.string({ maxLength: 10 }).filter((e) => !['started', 'drained', 'flushed'].includes(e)), stream: fc.nat(), playedMs: fc.nat() }),
  fc.record({ type: fc.constant('playback'), event: fc.constant('started'), stream: notAnInteger, playedMs: fc.nat() }),
  fc.record({ type: fc.constant('ptt'), pressed: notAString.filter((p) => typeof p !== 'boolean') }),
  fc.record({ type: fc.constant('history.open'), id: fc.oneof(fc.constant('../../etc/passwd'), fc.string({ maxLength: 40 }).filter((id) => !/^[0-9a-f-]{36}$/.test(id))) }),
  fc.record({ type: fc.constant('history.delete'), id: fc.constant('..%2F..%2Fsecrets') }),
  fc.record({ type: fc.constant('telemetry.spans'), spans: fc.oneof(fc.string(), fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 3 })) }),
  fc.record({ type: fc.constant('settings.update'), patch: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }),
  fc.record({ type: fc.constant('conversation.start'), extra: fc.jsonValue({ maxDepth: 1 }) }),
  fc.record({ type: fc.constantFrom('models.download', 'models.cancel', 'models.remove'), id: fc.oneof(fc.constant('../../etc/passwd'), fc.constant(''), notAString) }),
  fc.record({ type: fc.constant('models.pick'), stage: fc.string({ maxLength: 5 }).filter((s) => s !== 'stt' && s !== 'llm'), path: fc.constant('/tmp/x') }),
  fc.record({ type: fc.constantFrom('tools.server.enable', 'tools.builtin.enable'), name: fc.constant('web'), enabled: notAString.filter((e) => typeof e !== 'boolean') }),
  fc.record({ type: fc.constant('tools.server.save'), name: fc.constant('web'), previous: fc.constant(null), server: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }),
  fc.record({ type: fc.constant('tools.server.remove'), name: fc.oneof(fc.constant(''), notAString) }),
  fc.record({ type: fc.constant('traces.spans'), key: fc.oneof(fc.constant('../../etc/passwd'), fc.constant(''), notAString), from: fc.nat() }),
  fc.record({ type: fc.constant('traces.spans'), key: fc.constant('0'.repeat(32)), from: notAnInteger }),
  fc.record({ type: fc.constant('traces.watch'), on: notAString.filter((o) => typeof o !== 'boolean') }),
);

/** Every kind of refused text message, as it goes on the wire. */
export const refusedText: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: notJson },
  { weight: 2, arbitrary: notAnEnvelope.map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: brokenEnvelope.map((e) => JSON.stringify(e)) },
  { weight: 5, arbitrary: fc.tuple(seq, badMessage).map(([s, message]) => JSON.stringify({ v: 1, seq: s, message })) },
);

/** Messages over the protocol's limit (but under the socket's hard cap). */
export const oversizedText: fc.Arbitrary<string> = fc
  .integer({ min: MAX_MESSAGE_BYTES + 1, max: MAX_MESSAGE_BYTES * 4 })
  .map((size) => JSON.stringify({ v: 1, seq: 0, message: { type: 'user.text', text: 'a'.repeat(size) } }));

const goodFrame = () =>
  new Uint8Array(encodeAudioFrame({ kind: FrameKind.Microphone, seq: 0, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples: new Int16Array(FRAME_SAMPLES) }));

/** Binary frames the host must refuse. */
export const refusedFrame: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: FRAME_HEADER_BYTES - 1 }),
  fc.integer({ min: 0, max: 255 }).filter((k) => k !== FrameKind.Microphone).map((kind) => {
    const f = goodFrame();
    f[0] = kind;
    return f;
  }),
  fc.integer({ min: 0, max: 255 }).filter((v) => v !== 1).map((version) => {
    const f = goodFrame();
    f[1] = version;
    return f;
  }),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).filter((r) => r !== INPUT_SAMPLE_RATE).map((rate) => {
    const f = goodFrame();
    new DataView(f.buffer).setUint32(12, rate, true);
    return f;
  }),
  fc.integer({ min: FRAME_HEADER_BYTES, max: 8_000 }).filter((n) => n !== FRAME_HEADER_BYTES + FRAME_SAMPLES * 2).map((n) => {
    const f = new Uint8Array(n);
    f.set(goodFrame().subarray(0, FRAME_HEADER_BYTES));
    return f;
  }),
);
