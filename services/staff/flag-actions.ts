import { z } from 'zod';
import type { PackageChange, ResolutionContext, ResolutionPlan, ReviewPackage } from '../store/index.ts';
import { candidatePackageIds } from '../store/index.ts';

const note = z.string().trim().max(500, 'must be at most 500 characters').optional();
const id = (what: string) => z.uuid(`must be a ${what} id (UUID)`);
const slotId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'must be a slot id such as B3-2');

export const flagActionNames = [
  'confirm',
  'reassign_slot',
  'reassign_package',
  'not_a_package',
  'picked_up',
  'dismiss',
] as const;
export type FlagActionName = (typeof flagActionNames)[number];

/** What staff may do with a flag; the body of `POST /api/staff/flags/:flagId/actions`. */
export const flagActionSchema = z
  .discriminatedUnion(
    'action',
    [
      z.object({ action: z.literal('confirm'), note }).strict(),
      z
        .object({ action: z.literal('reassign_slot'), slotId, packageId: id('package').optional(), note })
        .strict(),
      z
        .object({
          action: z.literal('reassign_package'),
          packageId: id('package').optional(),
          residentId: id('resident').optional(),
          note,
        })
        .strict(),
      z.object({ action: z.literal('not_a_package'), note }).strict(),
      z
        .object({
          action: z.literal('picked_up'),
          packageId: id('package').optional(),
          residentId: id('resident').optional(),
          note,
        })
        .strict(),
      z
        .object({
          action: z.literal('dismiss'),
          reason: z
            .string({ error: 'must say why the flag is dismissed' })
            .trim()
            .min(3, 'must say why the flag is dismissed (3 characters at least)')
            .max(500, 'must be at most 500 characters'),
        })
        .strict(),
    ],
    { error: `must be one of ${flagActionNames.join(', ')}` },
  )
  .superRefine((value, ctx) => {
    if (value.action === 'reassign_package' && !value.packageId && !value.residentId) {
      ctx.addIssue({
        code: 'custom',
        path: ['packageId'],
        message: 'give the package the object is, a new resident, or both',
      });
    }
  });
export type FlagAction = z.infer<typeof flagActionSchema>;

export type FlagActionErrorCode =
  | 'flag_closed'
  | 'no_package'
  | 'no_slot'
  | 'unknown_slot'
  | 'unknown_package'
  | 'unknown_resident'
  | 'package_not_movable'
  | 'same_slot'
  | 'not_an_object';

/** A flag action that makes no sense for this flag now; nothing was changed. */
export class FlagActionError extends Error {
  override readonly name = 'FlagActionError';
  constructor(
    readonly code: FlagActionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Packages and residents the action names, so the repository can lock and load them. */
export function namedIds(action: FlagAction): { packageIds: string[]; residentIds: string[] } {
  const packageIds = 'packageId' in action && action.packageId ? [action.packageId] : [];
  const residentIds = 'residentId' in action && action.residentId ? [action.residentId] : [];
  return { packageIds, residentIds };
}

const short = (uuid: string) => uuid.slice(0, 8);

/**
 * Decides what an action does to the rows: pure, so each rule is testable without a database.
 * The rules: confirm accepts what the system recorded; reassign_slot puts the flag's package (or
 * the one named) in another slot; reassign_package says which package the object is and/or
 * who the package is for; not_a_package closes a flag about an object that is not a parcel (it
 * stays on the shelf in the ledger's picture, so its removal later is explained); picked_up
 * records that the resident has the package; dismiss closes the flag with a reason.
 */
export function planFlagAction(context: ResolutionContext, action: FlagAction): ResolutionPlan {
  const plan = planChanges(context, action);
  return { ...plan, alsoResolved: settledNeverPlacedFlags(context, plan) };
}

/**
 * A `never_placed` flag says "nobody knows where this package is". Once staff place it in a slot
 * or record it picked up (whichever flag they did that from), that flag is answered: left open it
 * would send the next person searching the shelves for a package already on them.
 */
function settledNeverPlacedFlags(
  context: ResolutionContext,
  plan: Omit<ResolutionPlan, 'alsoResolved'>,
): ResolutionPlan['alsoResolved'] {
  const settled: ResolutionPlan['alsoResolved'] = [];
  for (const change of plan.packageChanges) {
    if (change.kind !== 'place' && change.kind !== 'pick_up') continue;
    for (const other of context.neverPlacedFlags) {
      if (other.packageId !== change.packageId || other.id === context.flag.id) continue;
      if (settled.some((s) => s.flagId === other.id)) continue;
      settled.push({
        flagId: other.id,
        resolution: {
          action: 'package_settled',
          packageId: change.packageId,
          packageState: change.kind === 'place' ? 'placed' : 'picked_up',
          slotId: change.slotId,
          ...(change.kind === 'pick_up' ? { residentId: change.residentId } : {}),
          withFlagId: context.flag.id,
          withAction: plan.action,
        },
      });
    }
  }
  return settled;
}

function planChanges(context: ResolutionContext, action: FlagAction): Omit<ResolutionPlan, 'alsoResolved'> {
  const { flag } = context;
  if (flag.status !== 'open') {
    const by = flag.resolvedBy ? ` by ${flag.resolvedBy.username}` : '';
    throw new FlagActionError(
      'flag_closed',
      `flag ${short(flag.id)} is already ${flag.status}${by}; reload the queue`,
    );
  }
  const note = 'note' in action && action.note ? { note: action.note } : {};
  const packageOf = (packageId: string): ReviewPackage => {
    const pkg = context.packages[packageId];
    if (!pkg) throw new FlagActionError('unknown_package', `package ${short(packageId)} does not exist`);
    if (pkg.roomId !== flag.roomId)
      throw new FlagActionError('unknown_package', `package ${short(packageId)} belongs to another room`);
    return pkg;
  };
  const subject = (given: string | undefined): ReviewPackage => {
    const candidates = candidatePackageIds(flag);
    const packageId = given ?? flag.packageId ?? (candidates.length === 1 ? candidates[0] : undefined);
    if (!packageId) {
      throw new FlagActionError(
        'no_package',
        candidates.length > 1
          ? `this flag names ${candidates.length} packages; say which one (packageId)`
          : 'this flag names no package; say which package it is (packageId)',
      );
    }
    return packageOf(packageId);
  };
  const resident = (residentId: string) => {
    if (!context.activeResidentIds.includes(residentId))
      throw new FlagActionError(
        'unknown_resident',
        `resident ${short(residentId)} does not exist or has moved out`,
      );
    return residentId;
  };
  const flagSlot = (): string | null => {
    if (flag.slotId) return flag.slotId;
    const observed = flag.evidence.observations.find((o) => typeof o.slotId === 'string')?.slotId;
    return typeof observed === 'string' ? observed : null;
  };
  // The pictures of what the flag saw land, for a package that turns out to be that object.
  const seen = () => {
    const o = flag.evidence.observations.find((x) => x.kind === 'appeared');
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    const pictures = o && { frameImageId: text(o.frameImageId), cropImageId: text(o.cropImageId) };
    return pictures && (pictures.frameImageId || pictures.cropImageId) ? { pictures } : {};
  };
  const movable = (pkg: ReviewPackage) => {
    if (pkg.state === 'picked_up' || pkg.state === 'returned')
      throw new FlagActionError(
        'package_not_movable',
        `package ${short(pkg.id)} is ${pkg.state.replace('_', ' ')} and is no longer in the room`,
      );
  };

  switch (action.action) {
    case 'confirm':
      return {
        action: 'confirm',
        status: 'resolved',
        resolution: { ...note },
        packageChanges: [],
        objectsLeave: false,
      };

    case 'dismiss':
      return {
        action: 'dismiss',
        status: 'dismissed',
        resolution: { reason: action.reason },
        packageChanges: [],
        objectsLeave: false,
      };

    case 'reassign_slot': {
      if (!context.roomSlotIds.includes(action.slotId))
        throw new FlagActionError('unknown_slot', `slot ${action.slotId} is not in room ${flag.roomId}`);
      const pkg = subject(action.packageId);
      movable(pkg);
      if (pkg.state === 'placed' && pkg.slotId === action.slotId)
        throw new FlagActionError(
          'same_slot',
          `package ${short(pkg.id)} is already in ${action.slotId}; confirm instead`,
        );
      // The unexplained object the flag kept was this package: it is accounted for now.
      const wasTheObject = context.presentObjectCount > 0 && pkg.state !== 'placed';
      return {
        action: 'reassign_slot',
        status: 'resolved',
        resolution: { packageId: pkg.id, slotId: action.slotId, fromSlotId: pkg.slotId, ...note },
        packageChanges: [
          {
            kind: 'place',
            packageId: pkg.id,
            slotId: action.slotId,
            ...(wasTheObject ? seen() : {}),
          },
        ],
        objectsLeave: wasTheObject,
      };
    }

    case 'reassign_package': {
      const changes: PackageChange[] = [];
      const resolution: Record<string, unknown> = { ...note };
      let objectsLeave = false;
      let target: ReviewPackage;
      if (action.packageId) {
        target = packageOf(action.packageId);
        movable(target);
        const slotId = flagSlot();
        if (!slotId) throw new FlagActionError('no_slot', 'this flag names no slot to put the package in');
        const previous =
          flag.packageId && flag.packageId !== target.id ? context.packages[flag.packageId] : undefined;
        if (previous && previous.state === 'placed' && previous.slotId === slotId) {
          // The ledger took the wrong waiting package for this object: that one is still waiting.
          changes.push({ kind: 'return_to_waiting', packageId: previous.id });
          resolution.previousPackageId = previous.id;
        }
        if (!(target.state === 'placed' && target.slotId === slotId))
          changes.push({ kind: 'place', packageId: target.id, slotId, ...seen() });
        objectsLeave = context.presentObjectCount > 0;
        resolution.packageId = target.id;
        resolution.slotId = slotId;
      } else {
        target = subject(undefined);
      }
      if (action.residentId) {
        const residentId = resident(action.residentId);
        if (target.residentId !== residentId)
          changes.push({ kind: 'set_resident', packageId: target.id, residentId });
        resolution.packageId = target.id;
        resolution.residentId = residentId;
        resolution.fromResidentId = target.residentId;
      }
      return {
        action: 'reassign_package',
        status: 'resolved',
        resolution,
        packageChanges: changes,
        objectsLeave,
      };
    }

    case 'not_a_package':
      if (context.presentObjectCount === 0 && flag.kind !== 'unregistered_object')
        throw new FlagActionError(
          'not_an_object',
          `this ${flag.kind.replaceAll('_', ' ')} flag keeps no unexplained object on the shelves; confirm or dismiss it`,
        );
      return {
        action: 'not_a_package',
        status: 'resolved',
        resolution: { slotId: flagSlot(), ...note },
        packageChanges: [],
        objectsLeave: false,
      };

    case 'picked_up': {
      const pkg = subject(action.packageId);
      movable(pkg);
      const residentId = action.residentId ? resident(action.residentId) : pkg.residentId;
      const slotId = pkg.slotId ?? flagSlot();
      return {
        action: 'picked_up',
        status: 'resolved',
        resolution: { packageId: pkg.id, residentId, ...note },
        packageChanges: [{ kind: 'pick_up', packageId: pkg.id, slotId, residentId }],
        objectsLeave: context.presentObjectCount > 0 && pkg.state !== 'placed',
      };
    }
  }
}
