import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { loadLayoutFile, pointInPolygon, type RoomLayout } from '../../calibration/index.ts';
import { demoCouriers, demoResidents } from '../../services/seed/index.ts';
import { generateLabel, type LabelTruth } from '../../simulator/index.ts';
import { launchChromium } from '../support/chromium.ts';
import { createScratchDatabase, createScratchFolder, type ScratchDatabase } from '../support/databases.ts';
import { screenshotFolder } from '../support/screenshots.ts';
import { repoRoot, type ServiceProcess, startServiceProcess } from '../support/service-process.ts';

/**
 * The whole room, as a visitor meets it: the real service in its own process against a real
 * PostgreSQL database, the simulated cameras in live mode, and Debian's Chromium at the kiosk. A
 * courier registers three labelled packages and puts them on the shelves; a resident picks one up
 * while the laser points at it. Each kiosk screen is saved under docs/images/.
 */

const screenshotsDir = screenshotFolder();
const waitMs = 30_000;
/** One slot on each unit (middle, low, high), where a courier would put things. */
const shelfSpots = ['C3-2', 'A2-3', 'B4-1'];

interface Receipt {
  slotId: string;
  packageId: string;
  changesAtMs: number;
  doneAtMs: number;
}

// A deadline for the whole walk, generous for a loaded machine; each step waits for what it needs.
describe('kiosk end to end', { timeout: 600_000 }, () => {
  let database: ScratchDatabase;
  let folder: ReturnType<typeof createScratchFolder>;
  let service: ServiceProcess;
  let serviceEnv: Record<string, string>;
  let browser: Browser;
  let page: Page;
  let layout: RoomLayout;
  let simulatorUrl: string;
  let courierPin: string;
  let db: pg.Client;
  const labels: LabelTruth[] = [];
  const placedSlots = new Map<string, string>();
  /** Tracking number → the simulator's id of the package it put on the shelf. */
  const simulatedIds = new Map<string, string>();

  before(async () => {
    layout = await loadLayoutFile(join(repoRoot, 'calibration/rooms/demo-room.yaml'));
    database = await createScratchDatabase();
    folder = createScratchFolder('parcelroom-e2e-');
    serviceEnv = {
      DATABASE_URL: database.url,
      PARCELROOM_SIMULATOR_SCENARIO: 'live',
      PARCELROOM_SIMULATOR_FPS: '10',
      PARCELROOM_MAIL_DROP_DIR: join(folder.path, 'mail'),
      PARCELROOM_NOTIFY_POLL_MS: '200',
      PARCELROOM_OCR_WORKERS: '1',
    };
    service = await startServiceProcess(serviceEnv);
    // A visitor arrives once the room runs: the hardware daemon (a child process of its own) linked up.
    await logged(service, ['"hw-controller link up"', '"room running"'], 90_000);
    const streaming = service
      .stdout()
      .split('\n')
      .find((line) => line.includes('"simulated cameras streaming"'));
    assert.ok(streaming, 'the service runs the simulated room');
    simulatorUrl = (JSON.parse(streaming) as { url: string }).url;
    // The first start prints the demo couriers' PINs once; a courier reads them off the terminal.
    const pin = await service.waitForStderr(/PIN (\d{4,10})/);
    assert.ok(pin, `the first start prints courier PINs:\n${service.stderr()}`);
    courierPin = pin[1]!;
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    // Three labels for three different residents, so the pickup below is about exactly one package.
    for (let index = 0; labels.length < 3; index++) {
      const label = await generateLabel({ seed: 8, index, difficulty: 'clean', outsiderRate: 0 });
      if (labels.some((l) => l.recipient.residentIndex === label.truth.recipient.residentIndex)) continue;
      labels.push(label.truth);
      writeFileSync(labelFile(label.truth), label.image);
    }
    writeFileSync(labelFile(labels[0]!, 'mjpeg'), readFileSync(labelFile(labels[0]!)));
    // The first label is held up to the kiosk's camera: Chromium's fake camera plays it (MJPEG, one frame).
    browser = await launchChromium([`--use-file-for-fake-video-capture=${labelFile(labels[0]!, 'mjpeg')}`]);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(waitMs);
    mkdirSync(screenshotsDir, { recursive: true });
  });

  after(async () => {
    // The service's own log, for when a step fails: PARCELROOM_E2E_LOG=FILE keeps it.
    if (process.env.PARCELROOM_E2E_LOG && service)
      writeFileSync(process.env.PARCELROOM_E2E_LOG, `${service.stdout()}\n${service.stderr()}`);
    await browser?.close();
    await db?.end();
    const code = await service?.stop();
    await database?.drop();
    folder?.remove();
    assert.equal(code ?? 0, 0, 'the service stops cleanly');
  });

  const labelFile = (label: LabelTruth, extension = 'jpg') => join(folder.path, `${label.id}.${extension}`);
  const screen = (name: string) => page.waitForSelector(`body[data-screen="${name}"]`);
  /**
   * A badge reader or QR scanner: its keys reach the page in one burst, then Enter. Typed key by
   * key over the DevTools protocol, a loaded machine leaves gaps between keys as a person would.
   */
  const scan = (text: string) =>
    page.evaluate((keys) => {
      // Runs in the page: the DOM is there, though this file's types know only Node's.
      const dom = globalThis as unknown as {
        document: { activeElement: EventTarget | null } & EventTarget;
        KeyboardEvent: new (type: string, init: Record<string, unknown>) => Event;
      };
      const target = dom.document.activeElement ?? dom.document;
      for (const key of [...keys.split(''), 'Enter'])
        target.dispatchEvent(new dom.KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
    }, text);
  const shoot = (name: string) => page.screenshot({ path: join(screenshotsDir, `kiosk-${name}.png`) });
  const pressPin = async (pin: string) => {
    for (const digit of pin) await page.click(`[data-testid="pin-${digit}"]`);
  };
  const simulator = async (path: string, body?: unknown) => {
    const response = await fetch(`${simulatorUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    assert.ok(response.ok, `${path}: ${JSON.stringify(answer)}`);
    return answer;
  };

  test('the kiosk idles with its two choices, and its page loads nothing from elsewhere', async () => {
    const outside: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol !== 'data:')
        outside.push(request.url());
    });
    await page.goto(`${service.url}/kiosk`);
    await screen('idle');
    await page.waitForSelector('body[data-connection="online"]');
    await shoot('idle');
    assert.ok(await page.isVisible('[data-testid="start-pickup"]'));
    assert.ok(await page.isVisible('[data-testid="start-delivery"]'));
    assert.deepEqual(outside, []);
  });

  test('a courier logs in with the PIN pad and the door unlocks', async () => {
    await page.click('[data-testid="start-delivery"]');
    await screen('courier-pin');
    await pressPin(courierPin.slice(0, 2));
    await shoot('courier-pin');
    await pressPin(courierPin.slice(2));
    await page.click('[data-testid="pin-ok"]');
    await screen('capture');
    await page.waitForSelector('#door:not([hidden])');
  });

  test('three labels are read, confirmed and placed; the kiosk shows the slot the simulator put each in', async () => {
    // Three different residents, so the pickup below is about exactly one package.
    for (const [n, label] of labels.entries()) {
      const { recipient } = label;
      if (n > 0) {
        await page.click('[data-testid="add-another"]');
        await screen('capture');
      }
      if (n === 0) {
        // The camera shows the label: wait for a frame, then Take photo.
        await page.waitForFunction(() => {
          type Video = { querySelector(selector: string): { videoWidth: number } | null };
          return (
            ((globalThis as unknown as { document: Video }).document.querySelector('video.camera')
              ?.videoWidth ?? 0) > 0
          );
        });
        await shoot('capture');
        await page.click('[data-testid="take-photo"]');
      } else {
        // The others come as photo files (a tablet's camera roll, a phone's camera).
        await page.setInputFiles('[data-testid="label-file"]', labelFile(label));
      }
      await screen('recipient');
      if (n === 0) await shoot('recipient');
      const tracking = await page.textContent('[data-testid="tracking-number"]');
      assert.equal(tracking?.replace(/\s/g, ''), label.tracking.value.replace(/\s/g, ''));
      const name = `${recipient.firstName} ${recipient.lastName}`;
      const candidate = page.locator('[data-testid="candidate"]', { hasText: name }).first();
      assert.ok(await candidate.count(), `the kiosk proposes ${name}`);
      await candidate.click();
      await screen('awaiting');
      if (n === 0) await shoot('awaiting');

      // The courier puts it down; the kiosk must name the slot the simulator put it in.
      const receipt = (await simulator('/scene/place', {
        slotId: shelfSpots[n],
      })) as unknown as Receipt;
      try {
        await page.waitForSelector(
          `body[data-screen="placed"] [data-testid="slot-id"]:text-is("${receipt.slotId}")`,
          { timeout: 20_000 },
        );
      } catch (error) {
        const shown = await page.textContent('#screen');
        const log = service
          .stdout()
          .split('\n')
          .filter((line) => /placed|appeared|vanished|flag/i.test(line))
          .slice(-15);
        throw new Error(
          `${(error as Error).message}\nkiosk shows: ${shown}\nservice log:\n${log.join('\n')}`,
        );
      }
      const truth = (await simulator('/truth')) as { slots: Record<string, string[]> };
      assert.deepEqual(truth.slots[receipt.slotId], [receipt.packageId], 'the simulator has it on that slot');
      placedSlots.set(label.tracking.value.replace(/\s/g, ''), receipt.slotId);
      simulatedIds.set(label.tracking.value.replace(/\s/g, ''), receipt.packageId);
      if (n === 0) await shoot('placed');
    }
    await page.click('[data-testid="finish"]');
    await screen('delivery-done');
    await shoot('delivery-done');

    const { rows } = await db.query<{ tracking_number: string; slot_id: string | null; state: string }>(
      'SELECT tracking_number, slot_id, state FROM packages',
    );
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.equal(row.state, 'placed');
      assert.equal(row.slot_id, placedSlots.get(row.tracking_number.replace(/\s/g, '')));
    }
  });

  test('a resident types the PIN from their text, sees the map, and the laser dot lands on their package', async () => {
    const first = labels[0]!;
    const resident = demoResidents().find(
      (r) => r.firstName === first.recipient.firstName && r.lastName === first.recipient.lastName,
    )!;
    const slotId = placedSlots.get(first.tracking.value.replace(/\s/g, ''))!;
    const pin = await pickupPinSentTo(join(folder.path, 'mail', 'sms'), resident.phone);

    await page.click('[data-testid="done"]');
    await screen('idle');
    await page.click('[data-testid="start-pickup"]');
    await screen('resident-pin');
    await pressPin(pin.slice(0, 3));
    await shoot('resident-pin');
    await pressPin(pin.slice(3));
    await screen('pickup');
    assert.equal(await page.textContent('[data-testid="slot-id"]'), slotId);
    assert.ok(await page.isVisible(`[data-testid="room-map"] [data-slot="${slotId}"].lit`));
    await page.waitForSelector(`[data-testid="locator-state"]:text-is("Laser pointing at ${slotId}")`);
    await page.waitForSelector('[data-testid="package"] img.photo');
    // What the kiosk says aloud is also written on the screen.
    assert.match((await page.textContent('#spoken')) ?? '', /\S/);
    await shoot('pickup');

    // Some camera that sees the slot shows the dot inside the slot's polygon.
    const watching = layout.cameras.filter((c) => c.slots[slotId]);
    assert.ok(watching.length > 0);
    // A camera that sees the slot shows the dot inside the slot's polygon and on the package
    // itself (its box in that frame), and the pixel there in the JPEG it streams is laser red.
    const packageId = simulatedIds.get(first.tracking.value.replace(/\s/g, ''))!;
    let landed: string | undefined;
    for (let attempt = 0; attempt < 40 && !landed; attempt++) {
      for (const camera of watching) {
        const truth = (await simulator(`/cameras/${camera.id}/truth`)) as {
          laserDot: { x: number; y: number } | null;
          boxes: Array<{ packageId: string; x: number; y: number; width: number; height: number }>;
        };
        const dot = truth.laserDot;
        const box = truth.boxes.find((b) => b.packageId === packageId);
        if (!dot || !box || !pointInPolygon([dot.x, dot.y], camera.slots[slotId]!)) continue;
        if (dot.x < box.x || dot.x > box.x + box.width || dot.y < box.y || dot.y > box.y + box.height)
          continue;
        const jpeg = Buffer.from(
          await (await fetch(`${simulatorUrl}/cameras/${camera.id}/snapshot.jpg`)).arrayBuffer(),
        );
        const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
        let red = false;
        for (let dy = -2; dy <= 2; dy++)
          for (let dx = -2; dx <= 2; dx++) {
            const o = ((Math.round(dot.y) + dy) * info.width + Math.round(dot.x) + dx) * info.channels;
            if (data[o]! > 180 && data[o]! > data[o + 1]! + 50) red = true;
          }
        if (red) landed = camera.id;
      }
      if (!landed) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(landed, `the laser dot lands on the package in ${slotId}`);

    // The visitor's view of the same moment: the control panel with the streams and the laser on.
    const panel = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await panel.goto(`${simulatorUrl}/demo`);
      await panel.waitForSelector(`#shelves button.full[data-slot="${slotId}"]`);
      await panel.waitForSelector('#locator:text-matches("^Laser on")');
      // Every camera's stream has delivered a frame (this function runs in Chromium, not in Node).
      await panel.waitForFunction(() => {
        type Images = { querySelectorAll(selector: string): ArrayLike<{ naturalWidth: number }> };
        const page = (globalThis as unknown as { document: Images }).document;
        return Array.from(page.querySelectorAll('#cameras img')).every((img) => img.naturalWidth > 0);
      });
      await panel.screenshot({ path: join(screenshotsDir, 'demo-control-panel.png') });
    } finally {
      await panel.close();
    }
  });

  test('the resident takes the package: the kiosk says done and the pickup is recorded', async () => {
    const first = labels[0]!;
    const slotId = placedSlots.get(first.tracking.value.replace(/\s/g, ''))!;
    await simulator('/scene/take', { slotId });
    await screen('pickup-done');
    await shoot('pickup-done');
    const tracking = first.tracking.value.replace(/\s/g, '');
    const { rows } = await db.query<{ state: string; pickup_slot: string | null; resident: string | null }>(
      `SELECT p.state, k.slot_id AS pickup_slot, r.first_name AS resident
         FROM packages p LEFT JOIN pickups k ON k.package_id = p.id LEFT JOIN residents r ON r.id = k.resident_id
        WHERE replace(p.tracking_number, ' ', '') = $1`,
      [tracking],
    );
    assert.deepEqual(rows, [
      { state: 'picked_up', pickup_slot: slotId, resident: first.recipient.firstName },
    ]);
    const events = await db.query<{ type: string }>(
      "SELECT e.type FROM events e JOIN packages p ON p.id = e.package_id WHERE replace(p.tracking_number, ' ', '') = $1 ORDER BY e.id",
      [tracking],
    );
    assert.ok(
      events.rows.some((e) => e.type === 'package.picked_up'),
      `events: ${events.rows.map((e) => e.type)}`,
    );
    const locator = (await simulator('/locator')) as { laser: { on: boolean } };
    assert.equal(locator.laser.on, false, 'the laser is off again');
  });

  test("a resident who takes a neighbour's package is told at once and shown where theirs is", async () => {
    const [, mine, neighbours] = labels as [LabelTruth, LabelTruth, LabelTruth];
    const key = (l: LabelTruth) => l.tracking.value.replace(/\s/g, '');
    const resident = demoResidents().find(
      (r) => r.firstName === mine.recipient.firstName && r.lastName === mine.recipient.lastName,
    )!;
    const pin = await pickupPinSentTo(join(folder.path, 'mail', 'sms'), resident.phone);
    await page.click('[data-testid="done"]');
    await screen('idle');
    await page.click('[data-testid="start-pickup"]');
    await pressPin(pin);
    await screen('pickup');
    assert.equal(await page.textContent('[data-testid="slot-id"]'), placedSlots.get(key(mine)));

    await simulator('/scene/take', { slotId: placedSlots.get(key(neighbours)) });
    await screen('wrong-package');
    const words = (await page.textContent('#screen')) ?? '';
    assert.ok(words.includes(placedSlots.get(key(neighbours))!), `names where to put it back: ${words}`);
    assert.ok(words.includes(placedSlots.get(key(mine))!), `names where theirs is: ${words}`);
    await shoot('wrong-package');

    await page.click('[data-testid="back"]');
    await screen('pickup');
    await simulator('/scene/take', { slotId: placedSlots.get(key(mine)) });
    await screen('pickup-done');
  });

  test('a scanned QR code that is not ours is refused at the kiosk and opens no pickup', async () => {
    await page.click('[data-testid="done"]');
    await screen('idle');
    const before = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE type LIKE 'pickup.%'",
    );
    // A QR scanner is a keyboard: it types the code faster than a person and presses Enter.
    await scan('pr1.00000000-0000-0000-0000-000000000000.9999999999999.forged');
    const notice = await page.waitForSelector('[data-testid="notice"]');
    assert.match((await notice.textContent()) ?? '', /\S/, 'the kiosk says why');
    assert.equal(await page.getAttribute('body', 'data-screen'), 'idle');
    const afterRows = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE type LIKE 'pickup.%'",
    );
    assert.equal(afterRows.rows[0]!.n, before.rows[0]!.n);
  });

  test("a courier's badge reader logs in wherever the focus is, and a reloaded kiosk carries on with the session", async () => {
    await scan(demoCouriers[1].rfidTag);
    await screen('capture');
    assert.match((await page.textContent('h1')) ?? '', new RegExp(demoCouriers[1].name.split(' ')[0]!));
    await page.reload();
    await screen('capture');
    await page.waitForSelector('body[data-connection="online"]');
    await page.click('[data-testid="finish"]');
    await screen('delivery-done');
  });

  test('in the control panel a visitor places a package on the slot they press and takes it again', async () => {
    const panel = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await panel.goto(`${simulatorUrl}/demo`);
      await panel.click('#shelves button[data-slot="A1-1"]:not(.full)');
      await panel.waitForSelector('#message:text-matches("placing .* on A1-1")');
      // The slot turns full once the courier's hand has put it down.
      await panel.waitForSelector('#shelves button.full[data-slot="A1-1"]', { timeout: 15_000 });
      const placed = (await simulator('/scene')) as { slots: Record<string, string[]> };
      assert.equal(placed.slots['A1-1']!.length, 1);
      await panel.click('#shelves button.full[data-slot="A1-1"]');
      await panel.waitForSelector('#message:text-matches("taking .* from A1-1")');
      await panel.waitForSelector('#shelves button[data-slot="A1-1"]:not(.full):not(.busy)', {
        timeout: 15_000,
      });
      const taken = (await simulator('/scene')) as { slots: Record<string, string[]> };
      assert.deepEqual(taken.slots['A1-1'], []);
      const links = await panel.$$eval('#links a', (anchors) => anchors.map((a) => a.getAttribute('href')));
      assert.ok(links.includes(`${service.url}/kiosk`), `the panel links to the kiosk: ${links}`);
    } finally {
      await panel.close();
    }
  });

  test('the kiosk says it is offline while the service restarts, reconnects by itself and works again', async () => {
    await page.goto(`${service.url}/kiosk`);
    await page.waitForSelector('body[data-connection="online"]');
    const { port } = new URL(service.url);
    assert.equal(await service.stop(), 0);
    await page.waitForSelector('body[data-connection="offline"] #connection:not([hidden])');
    // The same address, as a kiosk's bookmark expects; the database keeps everyone's credentials.
    service = await startServiceProcess({ ...serviceEnv, PARCELROOM_HTTP_PORT: port });
    await logged(service, ['"hw-controller link up"', '"room running"'], 90_000);
    await page.waitForSelector('body[data-connection="online"]', { timeout: 20_000 });
    await screen('idle');
    await page.click('[data-testid="start-delivery"]');
    await pressPin(courierPin);
    await page.click('[data-testid="pin-ok"]');
    await screen('capture');
    await page.click('[data-testid="finish"]');
    await screen('delivery-done');
  });
});

/** Resolves once every one of `messages` has appeared in the service's log. */
async function logged(service: ServiceProcess, messages: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!messages.every((m) => service.stdout().includes(m))) {
    if (Date.now() > deadline || service.child.exitCode !== null)
      throw new Error(
        `the service never logged ${messages.join(' and ')}:\n${service.stdout().slice(-3000)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The pickup PIN from the text message the notification worker dropped for `phone`. */
async function pickupPinSentTo(dir: string, phone: string): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.sms.txt'));
    } catch {
      // The folder appears with the first message.
    }
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      const pin = /PIN (\d{10})/.exec(text);
      if (text.startsWith(`To: ${phone}\n`) && pin) return pin[1]!;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no text message with a PIN for ${phone} in ${dir}`);
}
