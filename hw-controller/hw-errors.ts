import type { ErrorCode } from './protocol/messages.ts';

/** Everything the hw-controller throws on purpose; the CLI prints these as one line. */
export class HwControllerError extends Error {
  override readonly name: string = 'HwControllerError';
}

/** The daemon answered a request with an error reply: the request changed nothing. */
export class HwCommandError extends HwControllerError {
  override readonly name = 'HwCommandError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(`hw-controller refused the request (${code}): ${message}`);
  }
}

/** No ack arrived after every attempt: the daemon is down, or the link is. */
export class HwLinkTimeoutError extends HwControllerError {
  override readonly name = 'HwLinkTimeoutError';
}

/** A newer command (a new aim, or `off`) replaced this one before it was acknowledged. */
export class HwSupersededError extends HwControllerError {
  override readonly name = 'HwSupersededError';
}

/** The client was closed while the request was pending. */
export class HwClosedError extends HwControllerError {
  override readonly name = 'HwClosedError';
}

/** A driver could not reach or drive its hardware (serial port missing, device silent, simulator down). */
export class HwDriverError extends HwControllerError {
  override readonly name = 'HwDriverError';
}
