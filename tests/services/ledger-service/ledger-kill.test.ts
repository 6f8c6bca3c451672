import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openLedgerWorld, roomId, type World } from '../../store/ledger-store-harness.ts';
import { repoRoot } from '../../support/service-process.ts';
import { uuid } from '../ledger/ledger-fixtures.ts';

const script = fileURLToPath(new URL('./ledger-child-process.ts', import.meta.url));

interface Line {
  ready?: boolean;
  placed?: Record<string, string | null>;
  awaiting?: string[];
  ack?: string | null;
  ok?: boolean;
  decisions?: string[];
  error?: string;
}

/** The ledger service in a child process; `send` resolves with the acknowledgement. */
class LedgerProcess {
  private readonly waiting = new Map<string, (line: Line) => void>();
  readonly ready: Promise<Line>;
  stderr = '';

  constructor(readonly child: ChildProcess) {
    let resolveReady: (line: Line) => void;
    this.ready = new Promise((resolve) => {
      resolveReady = resolve;
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      this.stderr += c;
    });
    createInterface({ input: child.stdout! }).on('line', (text) => {
      if (!text.startsWith('{')) return;
      const line = JSON.parse(text) as Line;
      if (line.ready) resolveReady(line);
      else if (line.ack) this.waiting.get(line.ack)?.(line);
    });
  }

  static start(url: string): LedgerProcess {
    return new LedgerProcess(
      spawn(process.execPath, ['--import', 'tsx', script], {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          LEDGER_DATABASE_URL: url,
          LEDGER_ROOM_ID: roomId,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
  }

  send(message: Record<string, unknown> & { id: string }): Promise<Line> {
    const ack = new Promise<Line>((resolve) => this.waiting.set(message.id, resolve));
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
    return ack;
  }

  /** Writes without waiting: the acknowledgement may never come. */
  fire(message: Record<string, unknown> & { id: string }): void {
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }
}

describe('room ledger service killed in the middle of a delivery', () => {
  let w: World;
  let url: string;
  const processes: LedgerProcess[] = [];

  before(async () => {
    w = await openLedgerWorld();
    url = w.url!;
  });
  after(async () => {
    for (const p of processes) await p.kill('SIGKILL');
    await w?.db.close();
    await w?.scratch.drop();
  });

  test('loses nothing it acknowledged; after a restart the dead delivery is closed and the next courier gets their parcel', async () => {
    const session = uuid(100);
    const [p1, p2, p3, p4] = [uuid(1), uuid(2), uuid(3), uuid(4)];
    const first = LedgerProcess.start(url);
    processes.push(first);
    await first.ready;
    const acks = [
      await first.send({
        id: 'k1',
        submit: { type: 'delivery_started', sessionId: session, courierId: w.courier },
      }),
      await first.send({
        id: 'k2',
        submit: { type: 'package_registered', sessionId: session, packageId: p1, residentId: w.alice },
      }),
      await first.send({
        id: 'k3',
        submit: { type: 'package_registered', sessionId: session, packageId: p2, residentId: w.bob },
      }),
      await first.send({
        id: 'k4',
        submit: { type: 'package_registered', sessionId: session, packageId: p3, residentId: w.alice },
      }),
      await first.send({ id: 'o1', observe: { kind: 'appeared', slotId: 'A1-1' } }),
    ];
    assert.ok(
      acks.every((a) => a.ok),
      JSON.stringify(acks),
    );
    // The second package lands and the process dies at once: its commit may or may not be done.
    first.fire({ id: 'o2', observe: { kind: 'appeared', slotId: 'A1-2' } });
    await first.kill('SIGKILL');
    const landed = await w.store.ledger.wasApplied(roomId, 'o2');

    const second = LedgerProcess.start(url);
    processes.push(second);
    const ready = await second.ready;
    assert.equal(ready.placed?.[p1], 'A1-1', 'the acknowledged placement survived');
    assert.equal(ready.placed?.[p2], landed ? 'A1-2' : null);
    assert.deepEqual(ready.awaiting, [], 'nothing of the dead delivery waits for a shelf');
    // A resent acknowledged observation applies once.
    const again = await second.send({ id: 'o1', observe: { kind: 'appeared', slotId: 'A1-1' } });
    assert.ok(again.ok, again.error);
    assert.deepEqual(again.decisions, []);
    // The next courier: their package is the one the next object is taken for.
    const next = uuid(101);
    assert.ok(
      (
        await second.send({
          id: 'k5',
          submit: { type: 'delivery_started', sessionId: next, courierId: w.courier },
        })
      ).ok,
    );
    assert.ok(
      (
        await second.send({
          id: 'k6',
          submit: { type: 'package_registered', sessionId: next, packageId: p4, residentId: w.bob },
        })
      ).ok,
    );
    assert.ok((await second.send({ id: 'o3', observe: { kind: 'appeared', slotId: 'B1-1' } })).ok);
    assert.ok((await second.send({ id: 'k7', submit: { type: 'delivery_ended', sessionId: next } })).ok);
    await second.kill('SIGTERM');
    assert.equal(second.child.exitCode, 0, second.stderr);

    const packages = await w.store.packages.list({ roomId, limit: 10 });
    assert.deepEqual(Object.fromEntries(packages.map((p) => [p.id, [p.state, p.slotId]])), {
      [p1]: ['placed', 'A1-1'],
      [p2]: landed ? ['placed', 'A1-2'] : ['awaiting_placement', null],
      [p3]: ['awaiting_placement', null],
      [p4]: ['placed', 'B1-1'],
    });
    const { rows: flags } = await w.db.query<{ package_id: string }>(
      `SELECT package_id FROM flags WHERE kind = 'never_placed' AND status = 'open' ORDER BY package_id`,
    );
    assert.deepEqual(
      flags.map((f) => f.package_id),
      landed ? [p3] : [p2, p3],
    );
    const { rows: others } = await w.db.query(`SELECT kind FROM flags WHERE kind <> 'never_placed'`);
    assert.deepEqual(others, []);
    const { rows: outbox } = await w.db.query<{ package_id: string; resident_id: string }>(
      `SELECT DISTINCT payload->>'packageId' AS package_id, payload->>'residentId' AS resident_id
       FROM notification_outbox ORDER BY 1`,
    );
    assert.deepEqual(
      outbox,
      [
        { package_id: p1, resident_id: w.alice },
        ...(landed ? [{ package_id: p2, resident_id: w.bob }] : []),
        { package_id: p4, resident_id: w.bob },
      ],
      'only packages seen on a shelf are announced, each to its own resident',
    );
  });
});
