import fc from 'fast-check';
import { type LedgerInput, type LedgerState, placedPackagesOf } from '../../../services/ledger/index.ts';
import { box, testSlots, uuid } from './ledger-fixtures.ts';

export const residents = [uuid(901), uuid(902), uuid(903)];
const cameras = ['cam-1', 'cam-2'];

/** Abstract actions; `toInput` turns them into inputs against the state at that moment. */
export const action = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('startDelivery' as const) }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('register' as const), session: fc.nat(3), resident: fc.nat(2) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('endDelivery' as const), session: fc.nat(3) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('startPickup' as const), resident: fc.nat(2), take: fc.nat(3) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('endPickup' as const), session: fc.nat(3) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('appeared' as const),
      slot: fc.nat(testSlots.length - 1),
      straddle: fc.boolean(),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('vanished' as const),
      slot: fc.nat(testSlots.length - 1),
      /** From any slot, from a slot holding something, or from a slot a pickup session is for. */
      target: fc.constantFrom('any' as const, 'occupied' as const, 'pickup' as const, 'pickup' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('camera' as const), camera: fc.nat(1), online: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const) }) },
  /** The process died and the service started again. */
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
  /** Nonsense: a session that does not exist, a slot the room lacks. */
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bogus' as const), which: fc.nat(2) }) },
);
export type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

export const gap = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2_000 }) },
  { weight: 3, arbitrary: fc.integer({ min: 2_000, max: 60_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 400_000 }) },
);

/** A run: actions, each after a gap in ms. */
export const run = fc.array(fc.tuple(action, gap), { minLength: 1, maxLength: 80, size: 'max' });

export function toInput(
  a: Action,
  state: LedgerState,
  atMs: number,
  nextId: () => string,
  residentIds: readonly string[] = residents,
): LedgerInput {
  const deliveries = Object.values(state.deliverySessions);
  const pickups = Object.values(state.pickupSessions);
  switch (a.kind) {
    case 'startDelivery':
      return { type: 'delivery_started', atMs, sessionId: nextId(), courierId: null };
    case 'register': {
      const open = deliveries.filter((d) => d.endedAtMs === null);
      const session = open[a.session % Math.max(1, open.length)];
      return {
        type: 'package_registered',
        atMs,
        sessionId: session?.id ?? 'no-session',
        packageId: nextId(),
        residentId: residentIds[a.resident]!,
      };
    }
    case 'endDelivery':
      return {
        type: 'delivery_ended',
        atMs,
        sessionId: deliveries[a.session % Math.max(1, deliveries.length)]?.id ?? 'x',
      };
    case 'startPickup': {
      const withPackages = residentIds.filter((r) => placedPackagesOf(state, r).length > 0);
      const residentId =
        withPackages[a.resident % Math.max(1, withPackages.length)] ?? residentIds[a.resident]!;
      const busy = new Set(pickups.filter((s) => s.endedAtMs === null).flatMap((s) => s.packageIds));
      const placed = placedPackagesOf(state, residentId).filter((p) => !busy.has(p.id));
      return {
        type: 'pickup_started',
        atMs,
        sessionId: nextId(),
        residentId,
        packageIds: placed.slice(0, 1 + a.take).map((p) => p.id),
      };
    }
    case 'endPickup':
      return {
        type: 'pickup_ended',
        atMs,
        sessionId: pickups[a.session % Math.max(1, pickups.length)]?.id ?? 'x',
      };
    case 'appeared': {
      const slotId = testSlots[a.slot]!;
      const slots = a.straddle ? [slotId, testSlots[(a.slot + 1) % testSlots.length]!] : [slotId];
      return {
        type: 'observed',
        atMs,
        observation: { kind: 'appeared', slotId, slots, cameraId: 'cam-1', box, confidence: a.confidence },
      };
    }
    case 'vanished': {
      const occupied = testSlots.filter((id) => state.slots[id]!.length > 0);
      const wanted = pickups
        .filter((s) => s.endedAtMs === null)
        .flatMap((s) => s.packageIds.filter((id) => !s.pickedUpIds.includes(id)))
        .map((id) => state.packages[id]?.slotId)
        .filter((id): id is string => Boolean(id));
      const pool = a.target === 'pickup' && wanted.length > 0 ? wanted : a.target !== 'any' ? occupied : [];
      const slotId = pool.length > 0 ? pool[a.slot % pool.length]! : testSlots[a.slot]!;
      return {
        type: 'observed',
        atMs,
        observation: { kind: 'vanished', slotId, slots: [slotId], cameraId: 'cam-1', box, confidence: 0.9 },
      };
    }
    case 'camera':
      return {
        type: 'observed',
        atMs,
        observation: { kind: a.online ? 'camera_online' : 'camera_offline', cameraId: cameras[a.camera]! },
      };
    case 'tick':
      return { type: 'tick', atMs };
    case 'restart':
      return { type: 'restarted', atMs };
    case 'bogus':
      if (a.which === 0) return { type: 'delivery_ended', atMs, sessionId: 'never-opened' };
      if (a.which === 1) return { type: 'pickup_ended', atMs, sessionId: 'never-opened' };
      return {
        type: 'observed',
        atMs,
        observation: {
          kind: 'appeared',
          slotId: 'Z9-9',
          slots: ['Z9-9'],
          cameraId: 'cam-1',
          box,
          confidence: 0.5,
        },
      };
  }
}
