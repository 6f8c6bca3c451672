import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  createHttpSmsSender,
  createMailDropSender,
  createOutboxRepository,
  type OutboxRepository,
} from '../../../services/notifications/index.ts';
import { createScratchFolder } from '../../support/databases.ts';
import {
  type NotificationBed,
  openNotificationBed,
  placePackage,
  runUntil,
  testWorker,
} from './notification-fixtures.ts';

interface ProviderRequest {
  authorization: string | undefined;
  contentType: string | undefined;
  idempotencyKey: string | undefined;
  form: URLSearchParams;
}

/** A Twilio-like provider on loopback that answers each request with the next status. */
async function startProvider(statuses: (n: number) => number) {
  const requests: ProviderRequest[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    requests.push({
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
    });
    const status = statuses(requests.length);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status < 300 ? { sid: `SM${requests.length}` } : { message: 'try later' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/2010-04-01/Accounts/AC123/Messages.json`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('text messages through an HTTP provider', () => {
  let bed: NotificationBed;
  let outbox: OutboxRepository;
  const folder = createScratchFolder('parcelroom-mail-');
  const email = createMailDropSender(folder.path);
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    bed = await openNotificationBed();
    outbox = createOutboxRepository(bed.db);
  });
  after(async () => {
    for (const close of closers) await close();
    await bed?.close();
    folder.remove();
  });

  const smsFor = (url: string) =>
    createHttpSmsSender({
      url,
      from: '+15105550100',
      username: 'AC123',
      password: 'secret-token',
      timeoutMs: 3000,
    });

  test('a provider that answers 503 twice and then 201 gets one form POST that counts, with To, From, Body and basic auth', async () => {
    const provider = await startProvider((n) => (n <= 2 ? 503 : 201));
    closers.push(provider.close);
    const placed = await placePackage(bed, { email: null, phone: '+15105550123', slotId: 'C1-4' });
    const { worker } = testWorker(bed, { email, sms: smsFor(provider.url) });
    const id = placed.outboxIds[0]!;
    await runUntil(worker, async () => (await outbox.get(id))?.status === 'sent');
    for (let i = 0; i < 3; i++) await worker.runOnce();

    assert.equal(provider.requests.length, 3);
    const last = provider.requests[2]!;
    assert.equal(last.authorization, `Basic ${Buffer.from('AC123:secret-token').toString('base64')}`);
    assert.equal(last.contentType, 'application/x-www-form-urlencoded');
    assert.equal(last.form.get('To'), '+15105550123');
    assert.equal(last.form.get('From'), '+15105550100');
    const body = last.form.get('Body') ?? '';
    assert.match(body, /Shelf C, level 1 \(from the floor\), first from the right/);
    assert.match(body, new RegExp(`PIN ${placed.pin}`));
    // Every attempt of one row carries one key, so a provider that honours it can drop repeats.
    assert.equal(new Set(provider.requests.map((r) => r.idempotencyKey)).size, 1);
    const row = await outbox.get(id);
    assert.equal(row?.status, 'sent');
    assert.equal(row?.attempts, 3);
    assert.equal(row?.messageId, 'SM3');
  });

  test('a 400 from the provider parks the text at once with the answer as the reason', async () => {
    const provider = await startProvider(() => 400);
    closers.push(provider.close);
    const placed = await placePackage(bed, { email: null, phone: '+15105550124' });
    const { worker } = testWorker(bed, { email, sms: smsFor(provider.url) });
    await worker.runOnce();
    const row = await outbox.get(placed.outboxIds[0]!);
    assert.equal(row?.status, 'parked');
    assert.match(row?.lastError ?? '', /^refused: SMS provider answered 400/);
    assert.equal(provider.requests.length, 1);
  });

  test('a 429 from the provider is retried, not parked', async () => {
    const provider = await startProvider((n) => (n === 1 ? 429 : 200));
    closers.push(provider.close);
    const placed = await placePackage(bed, { email: null, phone: '+15105550125' });
    const { worker } = testWorker(bed, { email, sms: smsFor(provider.url) });
    const id = placed.outboxIds[0]!;
    await runUntil(worker, async () => (await outbox.get(id))?.status === 'sent');
    assert.equal(provider.requests.length, 2);
  });
});
