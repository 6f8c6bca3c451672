import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { fileNameForKey } from './message-ids.ts';
import { DeliveryError, type EmailSender, type OutgoingEmail } from './outgoing-message.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  requireTls: boolean;
  user?: string | undefined;
  password?: string | undefined;
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
    ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
  };
  const transport = nodemailer.createTransport(options);
  return {
    kind: 'smtp',
    async send(email) {
      try {
        await transport.sendMail(toMail(email));
        return { messageId: email.messageId };
      } catch (error) {
        throw smtpDeliveryError(error);
      }
    },
    async close() {
      transport.close();
    },
  };
}

/**
 * A 5xx reply to the envelope or the message is the server saying no for good; a 4xx, a
 * dropped connection, a timeout or a refused login may pass on a later try (a login refused
 * because of a wrong password passes once someone fixes the config).
 */
function smtpDeliveryError(error: unknown): DeliveryError {
  const e = error as { message?: string; responseCode?: number; code?: string; response?: string };
  const code = e.responseCode;
  const permanent =
    code !== undefined && code >= 500 && code < 600 && (e.code === 'EENVELOPE' || e.code === 'EMESSAGE');
  const what = code ? `SMTP ${code}` : (e.code ?? 'SMTP error');
  const detail = (e.response ?? e.message ?? String(error)).replace(/\s+/g, ' ').slice(0, 300);
  return new DeliveryError(`${what}: ${detail}`, permanent, { cause: error });
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
