import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStore, migrateToLatest, openDatabase } from '../../services/store/index.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { type ServiceProcess, startServiceProcess } from '../support/service-process.ts';

/** The JSON log line with this message, once the service has written it. */
async function logLine(
  service: ServiceProcess,
  msg: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = service
      .stdout()
      .split('\n')
      .find((l) => l.includes(`"msg":"${msg}"`));
    if (line) return JSON.parse(line) as Record<string, unknown>;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no "${msg}" in the log:\n${service.stdout().slice(-3000)}`);
}

describe('a restarted demo service checks the shelves it rebuilt against the cameras', () => {
  let scratch: ScratchDatabase;
  const env = () => ({ DATABASE_URL: scratch.url, PARCELROOM_SIMULATOR_SCENARIO: 'live' });

  before(async () => {
    scratch = await createScratchDatabase();
    // A first start creates the schema, the room and the demo people.
    const first = await startServiceProcess(env());
    await first.stop();
  });
  after(async () => scratch?.drop());

  test('the recorded package is set up on its shelf and found there; no state mismatch is raised', async () => {
    const db = await openDatabase({ url: scratch.url, dataDir: 'unused', poolSize: 2 });
    let packageId: string;
    try {
      await migrateToLatest(db);
      const store = createStore(db);
      const [resident] = await store.people.listResidents();
      const registered = await store.packages.register({ roomId: 'demo', residentId: resident!.id });
      await store.packages.recordPlacement({
        packageId: registered.id,
        slotId: 'C3-2',
        observedAt: new Date(),
      });
      packageId = registered.id;
    } finally {
      await db.close();
    }
    const service = await startServiceProcess(env());
    try {
      const setUp = await logLine(service, 'simulated shelves set up as the database records them');
      assert.equal(setUp.packages, 1);
      const checked = await logLine(service, 'room state checked against the cameras');
      assert.equal(checked.flags, 0, 'the package is where the database says');
      assert.deepEqual(checked.cameras, ['cam-1', 'cam-2', 'cam-3']);
      const scene = (await (
        await fetch(
          `${
            JSON.parse(
              service
                .stdout()
                .split('\n')
                .find((l) => l.includes('"simulated cameras streaming"'))!,
            ).url
          }/scene`,
        )
      ).json()) as {
        freeSlots: string[];
      };
      assert.ok(!scene.freeSlots.includes('C3-2'), 'the simulated room shows the package on C3-2');
    } finally {
      await service.stop();
    }
    const check = await openDatabase({ url: scratch.url, dataDir: 'unused', poolSize: 1 });
    try {
      const { rows } = await check.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM flags WHERE kind = 'state_mismatch' AND package_id = $1`,
        [packageId],
      );
      assert.equal(rows[0]!.n, 0);
    } finally {
      await check.close();
    }
  });
});
