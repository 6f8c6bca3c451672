import sharp from 'sharp';
import {
  type EvidencePictures,
  type LedgerDecision,
  type LedgerInput,
  type LedgerOptions,
  type LedgerStep,
  RoomLedger,
} from '../../services/ledger/index.ts';
import {
  type AppliedBatch,
  createStore,
  type Database,
  migrateToLatest,
  openDatabase,
  type RoomRecord,
  type Store,
} from '../../services/store/index.ts';
import { countingIds, testSlots } from '../services/ledger/ledger-fixtures.ts';
import { type BackendKind, createScratchBackend } from '../support/databases.ts';

export const roomId = 'ledger-room';

/** The ledger tests' room: units A (levels 1, 2) and B (level 1), the slots of `testSlots`. */
export function ledgerRoom(): RoomRecord {
  const units = ['A', 'B'];
  return {
    id: roomId,
    name: 'Ledger test room',
    layout: { version: 1, slots: testSlots },
    units: units.map((id) => ({
      id,
      widthCm: 100,
      depthCm: 40,
      position: { x: 0, y: 0 },
      levels: [
        { number: 1, heightCm: 10, clearanceCm: 30 },
        { number: 2, heightCm: 50, clearanceCm: 30 },
      ],
    })),
    slots: testSlots.map((id) => {
      const [, unit, level, index] = /^([A-Z])(\d)-(\d)$/.exec(id)!;
      return {
        id,
        unitId: unit!,
        levelNumber: Number(level),
        slotIndex: Number(index),
        offsetCm: (Number(index) - 1) * 30,
        widthCm: 28,
        depthCm: 40,
        heightCm: 30,
      };
    }),
    cameras: [{ id: 'cam-1', name: 'Camera 1', widthPx: 1280, heightPx: 720, view: { slotIds: testSlots } }],
  };
}

/** Small real JPEGs, different per call, standing in for a camera's evidence. */
export async function pictures(seed: number): Promise<EvidencePictures> {
  const make = (w: number) =>
    sharp({ create: { width: w, height: 8, channels: 3, background: { r: seed % 256, g: 40, b: 90 } } })
      .jpeg()
      .toBuffer();
  return { frameJpeg: await make(16), cropJpeg: await make(8) };
}

/**
 * A ledger whose every step is made durable before it is adopted, the way the service runs it.
 * Dropping the object and building a new one over the same database is a restart.
 */
export class DurableLedger {
  private inputs = 0;
  constructor(
    readonly store: Store,
    readonly ledger: RoomLedger,
    private readonly inputPrefix = 'in',
  ) {}

  static async open(store: Store, options: Partial<LedgerOptions> = {}, nowMs = 0, prefix = 'in') {
    const state = await store.ledger.loadLedgerState(roomId, nowMs);
    return new DurableLedger(store, new RoomLedger(state, { newId: countingIds(7), ...options }), prefix);
  }

  async feed(input: LedgerInput): Promise<LedgerDecision[]> {
    const proposal = this.ledger.propose(input);
    await this.commit(proposal, input);
    return proposal.decisions;
  }

  async commit(
    proposal: LedgerStep,
    input: LedgerInput,
    inputId = this.nextInputId(),
  ): Promise<AppliedBatch> {
    const applied = await this.store.ledger.applyBatch(roomId, {
      inputId,
      input,
      decisions: proposal.decisions,
    });
    this.ledger.adopt(proposal);
    return applied;
  }

  nextInputId(): string {
    this.inputs++;
    return `${this.inputPrefix}-${this.inputs}`;
  }
}

export interface World {
  kind: BackendKind;
  /** The server database's connection string (absent for the embedded one). */
  url: string | undefined;
  scratch: { drop(): Promise<void> };
  db: Database;
  store: Store;
  alice: string;
  bob: string;
  courier: string;
}

/** A fresh database with the test room, two residents (Alice with email and phone, Bob with email) and a courier. */
export async function openLedgerWorld(
  kind: BackendKind = 'server',
  /** Another server than the tests' shared one (a private one a test may stop). */
  server?: { url: string },
): Promise<World> {
  const backend = server
    ? { settings: { url: server.url, dataDir: 'unused', poolSize: 4 }, dispose: async () => undefined }
    : await createScratchBackend(kind);
  const scratch = { drop: () => backend.dispose() };
  const db = await openDatabase(backend.settings);
  await migrateToLatest(db);
  const store = createStore(db);
  await store.rooms.sync(ledgerRoom());
  const alice = await store.people.addResident({
    apartment: '4B',
    firstName: 'Alice',
    lastName: 'Martin',
    email: 'alice@example.test',
    phone: '+15550100',
  });
  const bob = await store.people.addResident({
    apartment: '2A',
    firstName: 'Bob',
    lastName: 'Okafor',
    email: 'bob@example.test',
  });
  const courier = await store.people.addCourier({ name: 'Sam', company: 'Parcel Co', pinHash: 'x' });
  return {
    kind,
    url: backend.settings.url,
    scratch,
    db,
    store,
    alice: alice.id,
    bob: bob.id,
    courier: courier.id,
  };
}
