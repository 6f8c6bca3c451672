import type {
  Courier,
  FlagsVersion,
  Resident,
  ReviewFlag,
  ReviewPackage,
  RoomOverview,
  StaffUser,
  TimelineEvent,
} from '../store/index.ts';

/**
 * What the staff API answers, as the routes build them and the page (services/staff/page/) reads
 * them. The page imports these as types only, so a field renamed here fails `npm run typecheck`
 * in the page rather than in a browser.
 */

/** What a value becomes after `res.json`: dates travel as ISO strings. */
export type JsonOf<T> = T extends Date
  ? string
  : T extends ReadonlyArray<infer U>
    ? JsonOf<U>[]
    : T extends object
      ? { [K in keyof T]: JsonOf<T[K]> }
      : T;

const imageUrl = (id: unknown) => (typeof id === 'string' ? `/api/staff/images/${id}` : null);

/** An observation as the pipeline recorded it, with links to its frame and crop. */
export type ObservationView = Record<string, unknown> & { frameUrl: string | null; cropUrl: string | null };

/** A flag with links to its pictures instead of their ids. */
export function flagView(flag: ReviewFlag) {
  return {
    ...flag,
    evidence: {
      details: flag.evidence.details,
      observations: flag.evidence.observations.map(
        (o): ObservationView => ({
          ...o,
          frameUrl: imageUrl(o.frameImageId),
          cropUrl: imageUrl(o.cropImageId),
        }),
      ),
    },
  };
}
export type FlagView = ReturnType<typeof flagView>;

/** A package with a link to its photo. */
export const packageView = (p: ReviewPackage) => ({ ...p, photoUrl: imageUrl(p.photoImageId) });
export type PackageView = ReturnType<typeof packageView>;

/** `POST /staff/login` and `GET /staff/session`. */
export interface SessionAnswer {
  user: StaffUser;
  csrfToken: string;
}

/** `GET /api/staff/flags`. */
export interface FlagListAnswer extends FlagsVersion {
  flags: FlagView[];
}

/** `GET /api/staff/flags/:flagId`. */
export interface FlagDetailAnswer {
  flag: FlagView;
  timeline: TimelineEvent[];
  candidates: {
    slots: Array<Pick<RoomOverview['slots'][number], 'id' | 'packages' | 'objects'>>;
    packages: PackageView[];
    freeSlotIds: string[];
  };
}

/** `POST /api/staff/flags/:flagId/actions`. */
export interface FlagActionAnswer {
  flag: FlagView;
  /** Flags the action answered too (a never-placed flag of the package just placed). */
  alsoResolved: FlagView[];
  eventIds: number[];
  ledgerReloaded: boolean;
}

/** `GET /api/staff/packages`. */
export interface PackageSearchAnswer {
  packages: PackageView[];
  next: { before: string } | null;
}

/** `GET /api/staff/residents`. */
export interface ResidentListAnswer {
  residents: Resident[];
}

/** `GET /api/staff/room`. */
export interface RoomAnswer extends Omit<RoomOverview, 'cameras'> {
  roomId: string;
  cameras: Array<
    RoomOverview['cameras'][number] & {
      status: 'online' | 'offline';
      /** The pipeline's live health of this camera, when the pipeline runs in this process. */
      live: unknown;
    }
  >;
  cameraHealthSource: 'pipeline' | 'ledger';
  controller: { linkState: string; lastState: unknown };
}

/** `GET /api/staff/couriers`. */
export interface CourierListAnswer {
  couriers: Courier[];
}

/** `POST /api/staff/couriers/:courierId/pin`: a drawn PIN is in the answer this once. */
export interface CourierPinAnswer {
  courier: Courier;
  pin?: string;
}

/** `GET /api/staff/accounts`. */
export interface AccountListAnswer {
  accounts: StaffUser[];
}
