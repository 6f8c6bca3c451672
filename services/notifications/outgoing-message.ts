/** An email ready to hand to a transport. */
export interface OutgoingEmail {
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  /** Stable per outbox row, so a re-send after a crash carries the same Message-ID. */
  messageId: string;
  /** Images referenced from the HTML as `cid:<contentId>`. */
  inlineImages: Array<{ contentId: string; filename: string; contentType: string; content: Buffer }>;
}

export interface OutgoingSms {
  to: string;
  body: string;
  /** Stable per outbox row; sent as `Idempotency-Key` for providers that honour one. */
  idempotencyKey: string;
}

export interface EmailSender {
  readonly kind: string;
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  close(): Promise<void>;
}

export interface SmsSender {
  readonly kind: string;
  send(sms: OutgoingSms): Promise<{ providerId: string | null }>;
  close(): Promise<void>;
}

/**
 * A send that did not go through. `permanent` means trying again cannot help (the server refused
 * the recipient or the message for good); anything else is retried with backoff.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
