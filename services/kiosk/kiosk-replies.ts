import type { KioskProtocolError, ServerMessage } from './kiosk-protocol.ts';

/** The `replyTo` of an answer: only a message that carried an id is answered by name. */
export const replyTo = (id: string | undefined) => (id === undefined ? {} : { replyTo: id });

export function errorMessage(error: KioskProtocolError, id: string | undefined): ServerMessage {
  return { type: 'error', code: error.code, message: error.message, ...error.extra, ...replyTo(id) };
}
