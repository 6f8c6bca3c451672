import { z } from 'zod';
import { packageKinds } from '../scene.ts';

const seconds = z.number({ error: 'must be a time in seconds' }).min(0, 'must be 0 s or later');
const personId = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a person id like courier-1');
const packageId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be a package id like p1');
const slotId = z.string().regex(/^[A-Z]\d{1,2}-\d{1,2}$/, 'must be a slot id like B3-2');
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #c49a6c');

/** Where a package goes: one slot, across two neighbouring slots, or on top of another package. */
const target = {
  slot: slotId.optional(),
  between: z.tuple([slotId, slotId]).optional(),
  onTopOf: packageId.optional(),
  /** Shift along the shelf from the slot's centre (cm); two packages in one slot use it. */
  offsetCm: z.number().min(-40).max(40).optional(),
  backCm: z.number().min(0).max(60).optional(),
  yawDeg: z.number().min(-45).max(45).optional(),
  leanDeg: z.number().min(0).max(40).optional(),
};

const packageLook = {
  kind: z.enum(packageKinds, { error: `must be one of ${packageKinds.join(', ')}` }).optional(),
  sizeCm: z
    .object({ across: z.number().positive(), depth: z.number().positive(), height: z.number().positive() })
    .strict()
    .optional(),
  colour: colour.optional(),
};

const exactlyOneTarget = (value: { slot?: unknown; between?: unknown; onTopOf?: unknown }) =>
  [value.slot, value.between, value.onTopOf].filter((v) => v !== undefined).length === 1;
const targetMessage = { message: 'give exactly one of slot, between or onTopOf', path: ['slot'] };

export const scenarioEventSchema = z.discriminatedUnion(
  'do',
  [
    z
      .object({
        at: seconds,
        do: z.literal('arrive'),
        person: personId,
        role: z.enum(['courier', 'resident', 'staff', 'stranger']),
        unit: z.string().regex(/^[A-Z]$/, 'must be a unit id like B'),
        clothing: colour.optional(),
      })
      .strict(),
    z
      .object({ at: seconds, do: z.literal('walk'), person: personId, unit: z.string().regex(/^[A-Z]$/) })
      .strict(),
    z.object({ at: seconds, do: z.literal('leave'), person: personId }).strict(),
    z
      .object({
        at: seconds,
        do: z.literal('place'),
        person: personId,
        package: packageId,
        durationS: z.number().min(0.5).max(10).default(2),
        /** False for an object nobody registered at the kiosk. */
        registered: z.boolean().default(true),
        ...target,
        ...packageLook,
      })
      .strict()
      .refine(exactlyOneTarget, targetMessage),
    z
      .object({
        at: seconds,
        do: z.literal('take'),
        person: personId,
        package: packageId,
        durationS: z.number().min(0.5).max(10).default(1.5),
        /** False when the package is taken without a pickup session. */
        session: z.boolean().default(true),
        /** The package the person's session was for, when they take another one. */
        intendedPackage: packageId.optional(),
      })
      .strict(),
    z
      .object({
        at: seconds,
        do: z.literal('move'),
        person: personId,
        package: packageId,
        durationS: z.number().min(0.5).max(10).default(2.5),
        ...target,
      })
      .strict()
      .refine(exactlyOneTarget, targetMessage),
    z
      .object({
        at: seconds,
        do: z.literal('lights'),
        brightness: z.number().min(0).max(2),
        rampS: z.number().min(0).max(60).default(0.3),
      })
      .strict(),
    z.object({ at: seconds, do: z.literal('camera-offline'), camera: z.string() }).strict(),
    z.object({ at: seconds, do: z.literal('camera-online'), camera: z.string() }).strict(),
    z
      .object({
        at: seconds,
        do: z.literal('laser'),
        on: z.boolean(),
        slot: slotId.optional(),
        panDeg: z.number().optional(),
        tiltDeg: z.number().optional(),
      })
      .strict(),
    z.object({ at: seconds, do: z.literal('strobe'), zone: z.string(), on: z.boolean() }).strict(),
    z
      .object({
        at: seconds,
        do: z.literal('session'),
        kind: z.enum(['delivery', 'pickup']),
        action: z.enum(['start', 'end']),
        person: personId,
        packages: z.array(packageId).default([]),
      })
      .strict(),
  ],
  {
    error:
      'must be one of arrive, walk, leave, place, take, move, lights, camera-offline, camera-online, laser, strobe, session',
  },
);

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case words joined by dashes'),
    description: z.string().min(1),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
    durationS: z.number().positive().max(3600),
    /** Layout file; the demo room when absent. */
    layout: z.string().optional(),
    /** Wall-clock time at the start, for the light of the day (HH:MM). */
    startsAt: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day like 17:30')
      .default('14:00'),
    initial: z
      .object({
        packages: z
          .array(
            z
              .object({ id: packageId, registered: z.boolean().default(true), ...target, ...packageLook })
              .strict()
              .refine(exactlyOneTarget, targetMessage),
          )
          .default([]),
      })
      .strict()
      .prefault({}),
    events: z.array(scenarioEventSchema).default([]),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioEvent = z.infer<typeof scenarioEventSchema>;
