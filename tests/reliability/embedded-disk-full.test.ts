import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServerMessage } from '../../services/kiosk/index.ts';
import { KioskClient } from '../services/kiosk/kiosk-harness.ts';
import { logLines, type ServiceProcess, startServiceProcess } from '../support/service-process.ts';
import { until } from '../support/wait-until.ts';

const token = 'disk-full-test-kiosk-token-0123456789abcdef';

/**
 * The demo's embedded database on a small tmpfs that the test fills to the last byte while a
 * courier is at the kiosk: the service must live, say "one moment", keep what the cameras saw,
 * and carry on by itself once room is made. Mounting a tmpfs needs root, which CI is.
 */
describe('the embedded database on a disk that fills up', {
  skip: userInfo().uid !== 0 && 'mounting a tmpfs needs root (CI runs as root)',
}, () => {
  let mountPoint: string;
  let mounted = false;
  let service: ServiceProcess;
  let kiosk: KioskClient;
  let simulatorUrl: string;
  const filler = () => join(mountPoint, 'filler');

  const pushed = (match: (m: ServerMessage) => boolean, since: number, what: string) =>
    until(what, () => kiosk.received.slice(since).find((m) => m.replyTo === undefined && match(m))).catch(
      (error: Error) => {
        error.message += `\nkiosk got: ${JSON.stringify(kiosk.received.slice(since))}\nservice log:\n${service.stdout().slice(-4000)}`;
        throw error;
      },
    );
  const fillDisk = () => {
    // dd stops with ENOSPC once the tmpfs is full: that is the point.
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler()}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // "No space left on device".
    }
    assert.equal(statfsSync(mountPoint).bavail, 0, 'the disk is full');
  };

  before(async () => {
    mountPoint = mkdtempSync(join(tmpdir(), 'parcelroom-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=192m', 'tmpfs', mountPoint]);
    mounted = true;
    service = await startServiceProcess({
      PARCELROOM_DATA_DIR: join(mountPoint, 'pglite'),
      PARCELROOM_KIOSK_DEVICES: `kiosk-1:${token}`,
      PARCELROOM_SIMULATOR_SCENARIO: 'live',
      PARCELROOM_NOTIFICATIONS: 'false',
      PARCELROOM_OCR_LINE_ENGINE: 'none',
      PARCELROOM_OCR_WORKERS: '1',
    });
    await until('the room running', () => (logLines(service, 'room running').length ? true : undefined));
    simulatorUrl = logLines(service, 'simulated cameras streaming')[0]!.url as string;
    kiosk = await KioskClient.authenticated(
      `${service.url.replace(/^http/, 'ws')}/kiosk/ws`,
      'kiosk-1',
      token,
    );
  });
  after(async () => {
    kiosk?.ws.terminate();
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      const exited = once(service.child, 'exit');
      service.child.kill('SIGKILL');
      await exited;
    }
    if (mounted) execFileSync('umount', ['-l', mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  test('a placement seen on a full disk is kept and recorded once room is made; the kiosk waits meanwhile', async () => {
    assert.equal((await kiosk.request({ type: 'courier_login', rfid: '0004512345' })).type, 'session');
    const reading = (await kiosk.request({
      type: 'tracking_typed',
      trackingNumber: '1Z999AA10123456784',
    })) as {
      readingId: string;
      candidates: Array<{ residentId: string }>;
    };
    const search = (await kiosk.request({ type: 'resident_search', query: 'a' })) as {
      residents: Array<{ residentId: string }>;
    };
    const residentId = search.residents[0]!.residentId;
    const awaiting = await kiosk.request({
      type: 'recipient_confirm',
      readingId: reading.readingId,
      residentId,
    });
    assert.equal(awaiting.type, 'awaiting_placement', JSON.stringify(awaiting));
    const packageId = (awaiting as { packageId: string }).packageId;

    fillDisk();
    const since = kiosk.received.length;
    // The courier shelves the package: its placement (with the camera's pictures) cannot be written.
    const placed = await fetch(`${simulatorUrl}/scene/place`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slotId: 'B3-2' }),
    });
    assert.equal(placed.status, 202);
    const status = await pushed(
      (m) => m.type === 'service_status' && m.database === 'unavailable',
      since,
      'the kiosk told the records cannot take it',
    );
    assert.match((status as { message: string }).message, /One moment/);
    const ready = await fetch(`${service.url}/readyz`);
    // Reads still work on a full disk; readiness follows what the last write said.
    const body = (await ready.json()) as { checks: { database: string }; reason?: { database?: string } };
    assert.equal(ready.status, 503);
    assert.equal(body.checks.database, 'refusing writes');
    assert.match(body.reason?.database ?? '', /disk full|no space/i);
    await until('the observation held', () =>
      logLines(service, 'database unavailable: observations are held and committed in order when it is back')
        .length
        ? true
        : undefined,
    );
    // A second courier action while the disk is full: refused clearly, nothing half-done.
    const refused = await kiosk.request({ type: 'tracking_typed', trackingNumber: '1Z999AA10123456784' });
    if (refused.type === 'label_reading') {
      const confirm = await kiosk.request({
        type: 'recipient_confirm',
        readingId: (refused as { readingId: string }).readingId,
        residentId,
      });
      assert.equal(confirm.type, 'error', JSON.stringify(confirm));
      assert.equal((confirm as { code: string }).code, 'unavailable');
    } else {
      assert.equal((refused as { code: string }).code, 'unavailable', JSON.stringify(refused));
    }
    assert.equal(service.child.exitCode, null, 'the service lives on a full disk');

    // Room is made: the service finds out by itself and records what the cameras saw.
    rmSync(filler());
    const shown = (await pushed(
      (m) => m.type === 'placed' && m.package.packageId === packageId,
      since,
      'the placement recorded once room was made',
    )) as Extract<ServerMessage, { type: 'placed' }>;
    assert.equal(shown.package.slotId, 'B3-2');
    await pushed(
      (m) => m.type === 'service_status' && m.database === 'ok',
      since,
      'the kiosk told all is well',
    );
    assert.equal((await fetch(`${service.url}/readyz`)).status, 200);
    // And the courier carries on: the next package is taken.
    const next = (await kiosk.request({ type: 'tracking_typed', trackingNumber: '1Z999AA10123456784' })) as {
      readingId: string;
    };
    const again = await kiosk.request({ type: 'recipient_confirm', readingId: next.readingId, residentId });
    assert.equal(again.type, 'awaiting_placement', JSON.stringify(again));
    assert.deepEqual(logLines(service, 'unhandled rejection: a bug, the service carries on'), []);
    assert.equal(await service.stop(), 0, 'it stops cleanly, and its database with it');
  });
});
