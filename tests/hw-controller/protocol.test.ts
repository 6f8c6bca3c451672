import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { aimAngles, listSlots, loadLayoutFile } from '../../calibration/index.ts';
import {
  checkLimits,
  checksum,
  decodeReply,
  decodeRequest,
  encodeMessage,
  formatFrame,
  type HardwareState,
  HwControllerError,
  limitsFromLayout,
  parseLine,
  protocolTag,
  type Request,
  SerialParser,
  slotTarget,
} from '../../hw-controller/index.ts';

const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
const limits = limitsFromLayout(layout);

const state: HardwareState = {
  sessionId: 'a1b2c3',
  seq: 4,
  driver: 'sim',
  laser: { on: true, output: 'on', panDeg: -1.5, tiltDeg: -20, remainingMs: 5000 },
  strobes: [{ zoneId: 'Z1', pattern: 'flash', output: 'on', remainingMs: 5000 }],
  door: { unlocked: false, relay: 'locked', remainingMs: null },
  cause: 'command',
};

describe('hw protocol messages', () => {
  test('every request type survives encoding and decoding unchanged', () => {
    const requests: Request[] = [
      { type: 'ping', id: 1 },
      { type: 'get-state', id: 2 },
      { type: 'aim', id: 3, panDeg: -12.5, tiltDeg: -30 },
      { type: 'laser-on', id: 4, maxOnMs: 30_000 },
      { type: 'laser-off', id: 5 },
      { type: 'strobe-on', id: 6, zoneId: 'Z2', pattern: 'pulse', durationMs: 10_000 },
      { type: 'strobe-off', id: 7, zoneId: 'Z2' },
      {
        type: 'point',
        id: 8,
        panDeg: 1,
        tiltDeg: -2,
        laserMaxOnMs: 60_000,
        strobe: { zoneId: 'Z1', pattern: 'flash', durationMs: 60_000 },
      },
      { type: 'off', id: 9 },
      { type: 'door-unlock', id: 10, durationMs: 8000 },
      { type: 'door-lock', id: Number.MAX_SAFE_INTEGER },
    ];
    for (const request of requests) {
      const frames = encodeMessage(request);
      assert.equal(frames[0].toString(), protocolTag);
      assert.deepEqual(decodeRequest(frames), { ok: true, message: request });
    }
  });

  test('acks, errors and state messages survive encoding and decoding unchanged', () => {
    for (const reply of [
      { type: 'ack', id: 3, state },
      { type: 'error', id: null, code: 'malformed', message: 'body is not valid JSON', state },
      { type: 'state', state },
    ] as const) {
      assert.deepEqual(decodeReply(encodeMessage(reply)), { ok: true, message: reply });
    }
  });

  test('a request with a fractional, zero or missing id, an infinite angle or a zero duration is malformed', () => {
    const bodies = [
      { type: 'ping', id: 1.5 },
      { type: 'ping', id: 0 },
      { type: 'ping' },
      '{"type":"aim","id":1,"panDeg":1e400,"tiltDeg":0}',
      { type: 'laser-on', id: 1, maxOnMs: 0 },
      { type: 'strobe-on', id: 1, zoneId: 'Z1', pattern: 'disco', durationMs: 10 },
      { type: 'strobe-on', id: 1, zoneId: 'no spaces', pattern: 'flash', durationMs: 10 },
    ];
    for (const body of bodies) {
      const json = typeof body === 'string' ? body : JSON.stringify(body);
      const decoded = decodeRequest([Buffer.from(protocolTag), Buffer.from(json)]);
      assert.equal(decoded.ok, false, json);
      if (!decoded.ok) assert.equal(decoded.code, 'malformed');
    }
  });

  test('a reply the daemon should never send is rejected by the client too', () => {
    const decoded = decodeReply(encodeMessage({ type: 'ack', id: 1, state: { ...state, seq: -1 } }));
    assert.equal(decoded.ok, false);
  });
});

describe('daemon limits from the layout', () => {
  test('the demo room allows its mount’s ranges, its laser on-time and its two strobe zones', () => {
    assert.deepEqual(limits.panRangeDeg, [-90, 90]);
    assert.deepEqual(limits.tiltRangeDeg, [-75, 15]);
    assert.equal(limits.laserMaxOnMs, 60_000);
    assert.deepEqual(limits.strobeZoneIds, ['Z1', 'Z2']);
  });

  test('range edges are allowed and anything past them is out_of_range', () => {
    assert.equal(checkLimits({ type: 'aim', id: 1, panDeg: 90, tiltDeg: -75 }, limits), undefined);
    assert.equal(
      checkLimits({ type: 'aim', id: 1, panDeg: 90.01, tiltDeg: 0 }, limits)?.code,
      'out_of_range',
    );
    assert.equal(checkLimits({ type: 'laser-on', id: 1, maxOnMs: 60_001 }, limits)?.code, 'out_of_range');
    assert.equal(checkLimits({ type: 'strobe-off', id: 1, zoneId: 'Z3' }, limits)?.code, 'unknown_zone');
    assert.equal(
      checkLimits({ type: 'door-unlock', id: 1, durationMs: 15_001 }, limits)?.code,
      'out_of_range',
    );
  });

  test('a flag cannot raise the laser on-time above the layout’s', () => {
    assert.throws(() => limitsFromLayout(layout, { laserMaxOnMs: 120_000 }), HwControllerError);
    assert.equal(limitsFromLayout(layout, { laserMaxOnMs: 5000 }).laserMaxOnMs, 5000);
  });

  test('a slot’s target is the calibrated one when the layout has it, else the ideal aim from the mount', () => {
    const slot = listSlots(layout).find((s) => s.id === 'C2-1')!;
    const uncalibrated = structuredClone(layout);
    delete uncalibrated.locator!.calibration;
    const ideal = aimAngles(layout.locator!.mount.positionCm, slot.aimPoint);
    assert.deepEqual(slotTarget(uncalibrated, 'C2-1'), {
      ...ideal,
      strobeZoneId: 'Z2',
      laserMaxOnMs: 60_000,
    });
    const calibrated = structuredClone(uncalibrated);
    calibrated.locator!.calibration = {
      calibratedAt: '2026-12-01T06:00:00Z',
      residualPx: 1,
      residualCm: 0.5,
      slotTargets: { 'C2-1': { panDeg: 33.3, tiltDeg: -33.3 } },
    };
    assert.deepEqual(slotTarget(calibrated, 'C2-1'), {
      panDeg: 33.3,
      tiltDeg: -33.3,
      strobeZoneId: 'Z2',
      laserMaxOnMs: 60_000,
    });
    assert.throws(() => slotTarget(layout, 'Z9-9'), /no slot Z9-9/);
  });
});

describe('serial line protocol', () => {
  test('a line carries its sequence number, words and XOR checksum', () => {
    assert.equal(checksum('12 AIM -1.92 -19.51'), checksum('12 AIM -1.92 -19.51'));
    const line = formatFrame({ seq: 12, words: ['AIM', '-1.92', '-19.51'] });
    assert.match(line, /^12 AIM -1\.92 -19\.51\*[0-9A-F]{2}$/);
    assert.deepEqual(parseLine(line), { ok: true, frame: { seq: 12, words: ['AIM', '-1.92', '-19.51'] } });
    assert.equal(formatFrame({ seq: 1, words: ['PING'] }), `1 PING*${checksum('1 PING')}`);
  });

  test('a damaged line is refused with what is wrong, keeping its sequence number when readable', () => {
    const line = formatFrame({ seq: 7, words: ['LASER', '1'] });
    assert.deepEqual(parseLine(line.replace('LASER 1', 'LASER 0')), {
      ok: false,
      seq: 7,
      problem: 'bad checksum',
    });
    assert.equal((parseLine('7 LASER 1') as { problem: string }).problem, 'no *CS checksum at the end');
    assert.equal(parseLine(`x LASER*${checksum('x LASER')}`).ok, false);
  });

  test('the parser splits lines across chunks and drops an overlong line without growing', async () => {
    const parser = new SerialParser();
    const lines: unknown[] = [];
    parser.on('data', (line) => lines.push(line));
    const good = `${formatFrame({ seq: 1, words: ['OK'] })}\r\n`;
    parser.write(Buffer.from(good.slice(0, 4)));
    parser.write(Buffer.from(good.slice(4) + 'x'.repeat(500)));
    parser.write(Buffer.from(`yyy\n${formatFrame({ seq: 2, words: ['OK'] })}\n`));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(lines, [
      { ok: true, frame: { seq: 1, words: ['OK'] } },
      { ok: false, seq: null, problem: 'line longer than 120 bytes' },
      { ok: true, frame: { seq: 2, words: ['OK'] } },
    ]);
  });
});
