import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { fileNameForKey } from './message-ids.ts';
import type { EmailSender, OutgoingEmail } from './outgoing-message.ts';
import { smtpDeliveryError } from './smtp-delivery-errors.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  requireTls: boolean;
  user?: string | undefined;
  password?: string | undefined;
  /**
   * PEM certificates to trust for the server's certificate instead of the system's roots (a
   * relay with a private CA or a self-signed certificate). Verification is never turned off.
   */
  ca?: string | undefined;
  /** Per connection phase; a stalled server must not hold the worker. */
  timeoutMs: number;
}

function toMail(email: OutgoingEmail): SendMailOptions {
  return {
    from: email.from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId: email.messageId,
    attachments: email.inlineImages.map((image) => ({
      cid: image.contentId,
      filename: image.filename,
      contentType: image.contentType,
      content: image.content,
      contentDisposition: 'inline' as const,
    })),
  };
}

/**
 * Email over SMTP with nodemailer. The connection is kept and reused (a pool of one: the worker
 * sends one message at a time), since opening it costs far more than a message does; a
 * connection the server dropped is opened again on the next message.
 */
export function createSmtpSender(settings: SmtpSettings): EmailSender {
  const options: SMTPPool.Options = {
    pool: true,
    maxConnections: 1,
    maxMessages: 100,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.requireTls,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    // Only a TLS 1.2+ session with a certificate that verifies; `ca` narrows whom to trust.
    tls: { rejectUnauthorized: true, minVersion: 'TLSv1.2', ...(settings.ca ? { ca: settings.ca } : {}) },
    ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
  };
  const transport = nodemailer.createTransport(options);
  const context = {
    host: `${settings.host}:${settings.port}`,
    user: settings.user,
    requireTls: settings.requireTls,
    hasCa: Boolean(settings.ca),
  };
  return {
    kind: 'smtp',
    async send(email) {
      try {
        await transport.sendMail(toMail(email));
        return { messageId: email.messageId };
      } catch (error) {
        throw smtpDeliveryError(error, context);
      }
    },
    async close() {
      transport.close();
    },
  };
}

/**
 * The demo's "mail server": each message is written as an .eml file (open it in any mail
 * program) named after its outbox row's key, so a re-send overwrites instead of doubling.
 */
export function createMailDropSender(dir: string): EmailSender {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'mail-drop',
    async send(email) {
      const info = await transport.sendMail(toMail(email));
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${fileNameForKey(email.messageId)}.eml`);
      // Written aside and renamed, so a reader never sees half a message.
      await writeFile(`${file}.partial`, info.message as Buffer);
      await rename(`${file}.partial`, file);
      return { messageId: email.messageId };
    },
    async close() {
      transport.close();
    },
  };
}
