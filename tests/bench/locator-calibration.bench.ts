/**
 * Locator calibration: dot finder speed on 1280×720 frame pairs, and the whole calibration of
 * the demo room against the in-process simulator (default grid), with its accuracy by the
 * simulator's truth next to the uncalibrated aim.
 */
import {
  aimAngles,
  calibrateLocator,
  findLaserDot,
  listSlots,
  loadLayoutFile,
  type Vec3,
} from '../../calibration/index.ts';
import {
  idealLocatorMount,
  openSimulatedRoom,
  type SimulatedRoom,
  simulatedLocatorRig,
} from '../../simulator/index.ts';
import { median, report } from './bench-report.ts';

const layout = structuredClone(await loadLayoutFile('calibration/rooms/demo-room.yaml'));
delete layout.locator!.calibration;
const room = await openSimulatedRoom({ layout, seed: 1 });
const ideal = await openSimulatedRoom({ layout, seed: 1, locatorMountError: idealLocatorMount });
const mount = layout.locator!.mount.positionCm;
const slots = listSlots(layout);

const slot = slots.find((s) => s.id === 'B3-2')!;
room.command({ type: 'aim', ...aimAngles(mount, slot.aimPoint) }, 0);
room.command({ type: 'laser', on: true }, 0);
const on = room.render('cam-2', 0, 1);
room.command({ type: 'laser', on: false }, 0);
const off = room.render('cam-2', 0, 2);
const findMs: number[] = [];
for (let i = 0; i < 30; i++) {
  const start = performance.now();
  findLaserDot(on, off);
  findMs.push(performance.now() - start);
}

const start = performance.now();
const result = await calibrateLocator({ layout, rig: simulatedLocatorRig(room) });
const calibrationMs = performance.now() - start;

const spot = (r: SimulatedRoom, aim: { panDeg: number; tiltDeg: number }): Vec3 => {
  r.command({ type: 'aim', ...aim }, 0);
  r.command({ type: 'laser', on: true }, 0);
  return r.render('cam-2', 0, 0).laserSpotCm!;
};
const distance = (a: Vec3, b: Vec3) => Math.hypot(a.x - b.x, a.y - b.y, a.z - b.z);
const calibrated: number[] = [];
const uncalibrated: number[] = [];
for (const s of slots) {
  const nominal = aimAngles(mount, s.aimPoint);
  const centre = spot(ideal, nominal);
  calibrated.push(distance(spot(room, result.calibration.slotTargets[s.id]!), centre));
  uncalibrated.push(distance(spot(room, nominal), centre));
}
const shots = result.summary.samples + result.slots.length;

report({
  benchmark: 'locator-calibration',
  rows: [
    { name: 'dot finder, 1280×720 pair (median)', value: median(findMs), unit: 'ms' },
    {
      name: 'calibration of 60 slots, in-process',
      value: calibrationMs / 1000,
      unit: 's',
      note: `${shots} shots`,
    },
    { name: 'per shot (aim, 2 × frames, dot search)', value: calibrationMs / shots, unit: 'ms' },
    { name: 'verification residual, max', value: result.summary.maxCm, unit: 'cm' },
    {
      name: 'truth: calibrated miss, max',
      value: Math.max(...calibrated),
      unit: 'cm',
      note: 'target < 2 cm',
    },
    { name: 'truth: calibrated miss, median', value: median(calibrated), unit: 'cm' },
    { name: 'truth: uncalibrated miss, min', value: Math.min(...uncalibrated), unit: 'cm' },
    { name: 'truth: uncalibrated miss, median', value: median(uncalibrated), unit: 'cm' },
  ],
});
