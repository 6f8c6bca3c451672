import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { type LoginLimitSettings, LoginLimits } from '../../../services/kiosk/index.ts';
import { type Database, migrateToLatest, openDatabase } from '../../../services/store/index.ts';
import { type BackendKind, createScratchBackend, type ScratchBackend } from '../../support/databases.ts';

const settings: LoginLimitSettings = {
  freeTries: 3,
  firstBackoffMs: 60_000,
  maxBackoffMs: 60_000,
  forgetOneTryMs: 600_000,
};

for (const kind of ['server', 'embedded'] as BackendKind[]) {
  describe(`kiosk login limits on the ${kind} database`, () => {
    let backend: ScratchBackend;
    let db: Database;
    before(async () => {
      backend = await createScratchBackend(kind);
      db = await openDatabase(backend.settings);
      await migrateToLatest(db, pino({ level: 'silent' }));
    });
    after(async () => {
      await db?.close();
      await backend?.dispose();
    });

    test('80 tries reserved at once let exactly the free tries and one more through', async () => {
      const limits = new LoginLimits(db, settings);
      const results = await Promise.all(
        Array.from({ length: 80 }, () => limits.reserve('resident', 'kiosk-1')),
      );
      const allowed = results.filter((r) => r.allowed);
      assert.equal(allowed.length, 4);
      assert.deepEqual(allowed.map((r) => r.state.tries).sort(), [1, 2, 3, 4]);
      for (const r of results)
        if (!r.allowed) assert.ok(r.retryAfterMs > 0 && r.retryAfterMs <= settings.maxBackoffMs);
    });

    test('another kiosk and the other kind of login are counted apart', async () => {
      const limits = new LoginLimits(db, settings);
      assert.equal((await limits.reserve('resident', 'kiosk-2')).allowed, true);
      assert.equal((await limits.reserve('courier', 'kiosk-1')).allowed, true);
      assert.equal((await limits.reserve('resident', 'kiosk-1')).allowed, false);
    });

    test('a second counter over the same database, as after a restart, sees the same wait', async () => {
      const again = new LoginLimits(db, settings);
      const r = await again.reserve('resident', 'kiosk-1');
      assert.equal(r.allowed, false);
      const { rows } = await db.query<{ tries: number }>(
        `SELECT tries FROM kiosk_login_limits WHERE device_id = 'kiosk-1' AND kind = 'resident'`,
      );
      assert.equal(rows[0]!.tries, 4);
    });

    test('a right login gives one counted try back and leaves the wait', async () => {
      const limits = new LoginLimits(db, settings);
      await limits.right('resident', 'kiosk-1');
      const { rows } = await db.query<{ tries: number; locked_until: Date }>(
        `SELECT tries, locked_until FROM kiosk_login_limits WHERE device_id = 'kiosk-1' AND kind = 'resident'`,
      );
      assert.equal(rows[0]!.tries, 3);
      assert.ok(rows[0]!.locked_until.getTime() > Date.now());
      assert.equal((await limits.reserve('resident', 'kiosk-1')).allowed, false);
    });
  });
}
