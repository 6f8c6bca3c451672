import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileNameForKey } from './message-ids.ts';
import { DeliveryError, type SmsSender } from './outgoing-message.ts';

export interface HttpSmsSettings {
  /** e.g. https://api.twilio.com/2010-04-01/Accounts/<sid>/Messages.json */
  url: string;
  from: string;
  username?: string | undefined;
  password?: string | undefined;
  timeoutMs: number;
}

/**
 * Text messages through an HTTP provider the way Twilio takes them: a form POST of `To`,
 * `From`, `Body` with HTTP basic auth. Most SMS gateways accept the same shape.
 */
export function createHttpSmsSender(settings: HttpSmsSettings): SmsSender {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (settings.username) {
    headers.authorization = `Basic ${Buffer.from(`${settings.username}:${settings.password ?? ''}`).toString('base64')}`;
  }
  return {
    kind: 'http',
    async send(sms) {
      const body = new URLSearchParams({ To: sms.to, From: settings.from, Body: sms.body });
      let response: Response;
      try {
        response = await fetch(settings.url, {
          method: 'POST',
          headers: { ...headers, 'idempotency-key': sms.idempotencyKey },
          body,
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
      } catch (error) {
        const reason =
          (error as Error).name === 'TimeoutError'
            ? `no answer within ${settings.timeoutMs} ms`
            : (error as Error).message;
        throw new DeliveryError(`SMS provider unreachable: ${reason}`, false, { cause: error });
      }
      const text = await response.text().catch(() => '');
      if (response.ok) {
        let providerId: string | null = null;
        try {
          const parsed = JSON.parse(text) as { sid?: unknown; id?: unknown };
          const id = parsed.sid ?? parsed.id;
          providerId = typeof id === 'string' ? id : null;
        } catch {
          // A provider that answers 2xx without JSON still took the message.
        }
        return { providerId };
      }
      // 408, 429 and 5xx pass on a later try; any other 4xx is this message or this account.
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      throw new DeliveryError(
        `SMS provider answered ${response.status}: ${text.replace(/\s+/g, ' ').slice(0, 300)}`,
        !retryable,
      );
    },
    async close() {},
  };
}

/** The demo's SMS gateway: each text becomes a small file next to the dropped mail. */
export function createSmsDropSender(dir: string): SmsSender {
  return {
    kind: 'sms-drop',
    async send(sms) {
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${fileNameForKey(sms.idempotencyKey)}.sms.txt`);
      await writeFile(`${file}.partial`, `To: ${sms.to}\n\n${sms.body}\n`);
      await rename(`${file}.partial`, file);
      return { providerId: null };
    },
    async close() {},
  };
}
