import { DeliveryError } from './outgoing-message.ts';

/** What the SMTP sender knows about its own setup, to word a failure so staff can act on it. */
export interface SmtpErrorContext {
  host: string;
  user?: string | undefined;
  requireTls: boolean;
  /** Whether a CA file is configured (a certificate error then means that CA did not sign it). */
  hasCa: boolean;
}

/** The fields nodemailer puts on the errors of an SMTP session. */
interface NodemailerError {
  message?: string;
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

const certificateProblem = /certificate|self[- ]signed|altnames|CERT_|issuer/i;

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * Turns a nodemailer failure into the reason stored on the outbox row (`last_error`, what staff
 * read) and whether trying again can help:
 *
 * - a 5xx reply to the envelope or the message (550 no such mailbox) is final;
 * - a 5xx reply to the login (535 wrong password) is final too: the next attempt would send the
 *   same credentials and be refused the same way, and a message parked at once tells staff
 *   within one attempt instead of after an hour of retries; they fix the config and requeue;
 * - a refused STARTTLS, an untrusted certificate, a 4xx, a dropped connection or a timeout may
 *   pass on a later try (a relay restarting, a certificate being renewed, a middlebox stripping
 *   STARTTLS for a while), so those are retried and parked only after the last attempt.
 */
export function smtpDeliveryError(error: unknown, context: SmtpErrorContext): DeliveryError {
  const e = error as NodemailerError;
  const code = e.responseCode;
  const reply = oneLine(e.response ?? '');
  const detail = oneLine(e.response ?? e.message ?? String(error));
  const fail = (reason: string, permanent: boolean) => new DeliveryError(reason, permanent, { cause: error });

  if (e.code === 'EAUTH') {
    const who = context.user ? `"${context.user}"` : 'the configured user';
    if (code !== undefined && code >= 500 && code < 600) {
      return fail(
        `SMTP ${code} login refused for ${who} by ${context.host}: ${reply || detail}; ` +
          'correct PARCELROOM_SMTP_USER / PARCELROOM_SMTP_PASSWORD, then requeue the message',
        true,
      );
    }
    return fail(`${code ? `SMTP ${code}` : 'EAUTH'} login failed for ${who}: ${detail}`, false);
  }

  const message = oneLine(e.message ?? String(error));
  // A failed certificate check surfaces as ETLS or as ESOCKET, depending on when TLS begins.
  if ((e.code === 'ETLS' || e.code === 'ESOCKET') && certificateProblem.test(message)) {
    const hint = context.hasCa
      ? 'it is not signed by the CA in PARCELROOM_SMTP_CA_FILE or does not name the host'
      : 'set PARCELROOM_SMTP_CA_FILE to the CA that signed it if the server uses a private one';
    return fail(`TLS: the certificate of ${context.host} is not trusted (${message}); ${hint}`, false);
  }
  if (e.code === 'ETLS') {
    if (e.command === 'STARTTLS' && reply) {
      const why = context.requireTls
        ? 'PARCELROOM_SMTP_REQUIRE_TLS is set, so nothing was sent in the clear'
        : 'the connection could not be encrypted';
      return fail(`STARTTLS refused by ${context.host} (${reply}); ${why}`, false);
    }
    return fail(`TLS with ${context.host} failed: ${message}`, false);
  }

  const permanent =
    code !== undefined && code >= 500 && code < 600 && (e.code === 'EENVELOPE' || e.code === 'EMESSAGE');
  const what = code ? `SMTP ${code}` : (e.code ?? 'SMTP error');
  return fail(`${what}: ${detail}`, permanent);
}
