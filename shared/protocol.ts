/**
 * The session protocol between a client (the renderer) and main. One protocol,
 * two carriers: Electron IPC (a MessagePort per session) and a WebSocket.
 *
 * JSON messages travel in an {@link Envelope}; audio travels as binary frames
 * (see ./audio-frame.ts). Everything is validated on receipt: the client is
 * untrusted, and main's replies are checked by the client as well.
 */
import type { z } from 'zod';
import { envelopeOf, parseEnvelope, type Envelope, type ParseResult } from './envelope';
import { ClientMessageSchema, type ClientMessage } from './client-messages';
import { ServerMessageSchema, type ServerMessage } from './server-messages';

export { EnvelopeWriter, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, TRACEPARENT_PATTERN, type Envelope, type ParseResult } from './envelope';
export * from './client-messages';
export * from './server-messages';

export const ClientEnvelopeSchema = envelopeOf(ClientMessageSchema);
export const ServerEnvelopeSchema = envelopeOf(ServerMessageSchema);
export type ClientEnvelope = Envelope<ClientMessage>;
export type ServerEnvelope = Envelope<ServerMessage>;

/** Validates a client envelope given as JSON text or as a structured-cloned object. */
export function parseClientEnvelope(raw: unknown): ParseResult<ClientEnvelope> {
  return parseEnvelope(ClientEnvelopeSchema as z.ZodType<ClientEnvelope>, raw);
}

export function parseServerEnvelope(raw: unknown): ParseResult<ServerEnvelope> {
  return parseEnvelope(ServerEnvelopeSchema as z.ZodType<ServerEnvelope>, raw);
}
