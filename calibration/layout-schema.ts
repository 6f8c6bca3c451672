import { z } from 'zod';

const finite = (what: string) =>
  z.number({ error: `must be a number (${what})` }).refine(Number.isFinite, 'must be finite');
const positiveCm = z.number({ error: 'must be a length in cm' }).positive('must be greater than 0 cm');
const nonNegativeCm = z.number({ error: 'must be a length in cm' }).min(0, 'must be 0 cm or more');

const point3 = z.object({ x: finite('cm'), y: finite('cm'), z: finite('cm') }).strict();
const point2Floor = z.object({ x: finite('cm'), y: finite('cm') }).strict();
const pixel = z.tuple([finite('px'), finite('px')], { error: 'must be a point [x, y] in pixels' });
const range = z
  .tuple([finite('degrees'), finite('degrees')], { error: 'must be [min, max] in degrees' })
  .refine(([min, max]) => min < max, 'must be [min, max] with min < max');

/** Slot ids are `<unit><level>-<index>`, e.g. `B3-2`. */
export const slotIdPattern = /^([A-Z])(\d{1,2})-(\d{1,2})$/;
const slotId = z.string().regex(slotIdPattern, 'must be a slot id like B3-2');
const levelId = z.string().regex(/^[A-Z]\d{1,2}$/, 'must be a level id like B3');
const entityId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes');

export const slotSchema = z
  .object({
    offsetCm: nonNegativeCm,
    widthCm: positiveCm,
  })
  .strict();

export const levelSchema = z
  .object({
    heightCm: nonNegativeCm,
    clearanceCm: positiveCm,
    slots: z.array(slotSchema).min(1, 'a level needs at least one slot').max(99),
  })
  .strict();

export const unitSchema = z
  .object({
    id: z.string().regex(/^[A-Z]$/, 'must be one capital letter (A, B, C…)'),
    name: z.string().optional(),
    positionCm: point2Floor,
    rotationDeg: finite('degrees').default(0),
    widthCm: positiveCm,
    depthCm: positiveCm,
    levels: z.array(levelSchema).min(1, 'a unit needs at least one level').max(99),
  })
  .strict();

export const cameraPoseSchema = z
  .object({
    positionCm: point3,
    lookAtCm: point3,
    horizontalFovDeg: z
      .number()
      .gt(1, 'must be between 1 and 179 degrees')
      .lt(179, 'must be between 1 and 179 degrees'),
  })
  .strict();

export const cameraSchema = z
  .object({
    id: entityId,
    name: z.string().min(1),
    resolution: z
      .object({ width: z.number().int().positive().max(8192), height: z.number().int().positive().max(8192) })
      .strict(),
    pose: cameraPoseSchema.optional(),
    slots: z.record(slotId, z.array(pixel).min(3, 'a polygon needs at least 3 points')),
    levelHomographies: z
      .record(levelId, z.array(finite('homography entry')).length(9, 'must be 9 numbers (3×3, row-major)'))
      .optional(),
  })
  .strict();

export const strobeZoneSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/, 'must be letters, digits and dashes'),
    name: z.string().min(1),
    positionCm: point3,
    units: z.array(z.string()).min(1, 'a strobe zone lights at least one unit'),
  })
  .strict();

export const locatorSchema = z
  .object({
    id: entityId,
    kind: z.enum(['pan-tilt', 'galvo'], { error: 'must be pan-tilt or galvo' }),
    mount: z
      .object({
        positionCm: point3,
        panRangeDeg: range,
        tiltRangeDeg: range,
      })
      .strict(),
    maxOnMs: z
      .number()
      .int()
      .positive()
      .max(600_000, 'must be at most 600000 ms (10 minutes)')
      .default(60_000),
    calibration: z
      .object({
        calibratedAt: z.iso.datetime({ error: 'must be an ISO 8601 time' }),
        residualPx: z.number().nonnegative(),
        residualCm: z.number().nonnegative(),
        slotTargets: z.record(
          slotId,
          z.object({ panDeg: finite('degrees'), tiltDeg: finite('degrees') }).strict(),
        ),
      })
      .strict()
      .optional(),
  })
  .strict();

export const layoutSchema = z
  .object({
    version: z.literal(1, { error: 'must be 1 (the only layout format version so far)' }),
    room: z
      .object({
        id: entityId,
        name: z.string().min(1),
        sizeCm: z.object({ x: positiveCm, y: positiveCm, z: positiveCm }).strict(),
      })
      .strict(),
    units: z.array(unitSchema).min(1, 'a room needs at least one shelving unit').max(26),
    cameras: z.array(cameraSchema).min(1, 'a room needs at least one camera'),
    strobeZones: z.array(strobeZoneSchema).default([]),
    locator: locatorSchema.optional(),
  })
  .strict();

export type RoomLayout = z.infer<typeof layoutSchema>;
export type ShelvingUnit = z.infer<typeof unitSchema>;
export type Level = z.infer<typeof levelSchema>;
export type SlotSpec = z.infer<typeof slotSchema>;
export type CameraView = z.infer<typeof cameraSchema>;
export type CameraPoseSpec = z.infer<typeof cameraPoseSchema>;
export type StrobeZone = z.infer<typeof strobeZoneSchema>;
export type Locator = z.infer<typeof locatorSchema>;
