/**
 * Staff review: a sign-in with the production argon2id cost, the flag queue and one flag's
 * detail with 200 open flags, one flag action (transaction with event and audit row), and how
 * soon another staff page hears of it on the live stream. Real PostgreSQL (scratch database),
 * the real HTTP app on loopback.
 */
import argon2 from 'argon2';
import { hashSecret } from '../../services/staff/index.ts';
import { box } from '../services/ledger/ledger-fixtures.ts';
import { call, login, startStaffApp } from '../services/staff/staff-harness.ts';
import { DurableLedger, openLedgerWorld, pictures } from '../store/ledger-store-harness.ts';
import { type BenchRow, median, percentile, report } from './bench-report.ts';

const flagCount = 200;
const w = await openLedgerWorld('server');
const rows: BenchRow[] = [];
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
try {
  // The production hash cost, as the seed and the account routes use it.
  await w.store.people.addStaffUser({
    username: 'bench',
    displayName: 'Bench',
    passwordHash: await hashSecret('bench-password-1'),
    role: 'staff',
  });
  const ledger = await DurableLedger.open(w.store);
  const slots = ['A1-1', 'A1-2', 'A1-3', 'A2-1', 'A2-2', 'B1-1'];
  const picture = await pictures(7);
  for (let i = 0; i < flagCount; i++) {
    // Two seconds apart: no burst, one unregistered_object flag each.
    await ledger.feed({
      type: 'observed',
      atMs: 10_000 + i * 2_000,
      observation: {
        kind: 'appeared',
        slotId: slots[i % slots.length]!,
        slots: [slots[i % slots.length]!],
        cameraId: 'cam-1',
        box,
        confidence: 0.9,
        pictures: picture,
      },
    });
  }
  const app = await startStaffApp(w.store, { feedPollMs: 1000 });
  try {
    const loginMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const start = process.hrtime.bigint();
      await login(app.url, 'bench', 'bench-password-1');
      loginMs.push(ms(start));
    }
    const hashMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = process.hrtime.bigint();
      await argon2.hash('bench-password-1', { type: argon2.argon2id });
      hashMs.push(ms(start));
    }
    rows.push(
      { name: 'sign-in (argon2id verify, session row), median', value: median(loginMs), unit: 'ms' },
      {
        name: 'argon2id hash, default cost, median',
        value: median(hashMs),
        unit: 'ms',
        note: 'what a guess costs the server',
      },
    );

    const session = await login(app.url, 'bench', 'bench-password-1');
    const queueMs: number[] = [];
    let flagIds: string[] = [];
    for (let i = 0; i < 30; i++) {
      const start = process.hrtime.bigint();
      const reply = await call(app.url, 'get', '/api/staff/flags?limit=500', { session });
      queueMs.push(ms(start));
      flagIds = reply.body.flags.map((f: { id: string }) => f.id);
    }
    if (flagIds.length !== flagCount)
      throw new Error(`expected ${flagCount} open flags, got ${flagIds.length}`);
    rows.push(
      { name: `flag queue, ${flagCount} open flags, median`, value: median(queueMs), unit: 'ms' },
      { name: `flag queue, ${flagCount} open flags, p95`, value: percentile(queueMs, 95), unit: 'ms' },
    );

    const detailMs: number[] = [];
    for (let i = 0; i < 30; i++) {
      const start = process.hrtime.bigint();
      await call(app.url, 'get', `/api/staff/flags/${flagIds[i]}`, { session });
      detailMs.push(ms(start));
    }
    rows.push(
      { name: 'one flag: evidence, timeline, candidates, median', value: median(detailMs), unit: 'ms' },
      { name: 'one flag: evidence, timeline, candidates, p95', value: percentile(detailMs, 95), unit: 'ms' },
    );

    // A second page listens; each action should reach it without waiting for the poll.
    const controller = new AbortController();
    const stream = await fetch(`${app.url}/api/staff/flags/stream`, {
      headers: { cookie: session.cookie },
      signal: controller.signal,
    });
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    const nextEvent = async () => {
      for (;;) {
        const match = /event: flags\ndata: (.*)\n\n/.exec(buffered);
        if (match) {
          buffered = buffered.slice(match.index + match[0].length);
          return JSON.parse(match[1]!) as { openCount: number };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffered += decoder.decode(value, { stream: true });
      }
    };
    await nextEvent();
    const actionMs: number[] = [];
    const heardMs: number[] = [];
    for (let i = 0; i < 60; i++) {
      const start = process.hrtime.bigint();
      const heard = nextEvent().then(() => ms(start));
      const reply = await call(app.url, 'post', `/api/staff/flags/${flagIds[i]}/actions`, {
        session,
        body: i % 2 ? { action: 'confirm' } : { action: 'not_a_package' },
      });
      actionMs.push(ms(start));
      if (reply.status !== 200) throw new Error(`action refused: ${reply.text}`);
      heardMs.push(await heard);
    }
    controller.abort();
    rows.push(
      { name: 'flag action (flag, event, audit in one tx), median', value: median(actionMs), unit: 'ms' },
      { name: 'flag action, p95', value: percentile(actionMs, 95), unit: 'ms' },
      {
        name: 'action to the other page’s live stream, median',
        value: median(heardMs),
        unit: 'ms',
        note: 'nudged; other writers are seen within the 1000 ms poll',
      },
      { name: 'action to the other page’s live stream, p95', value: percentile(heardMs, 95), unit: 'ms' },
    );
  } finally {
    await app.close();
  }
} finally {
  await w.db.close();
  await w.scratch.drop();
}
report({ benchmark: 'staff-review', rows });
