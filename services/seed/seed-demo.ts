import { randomBytes, randomInt } from 'node:crypto';
import argon2 from 'argon2';
import { courierLookups } from '../kiosk/index.ts';
import type { Store } from '../store/index.ts';
import { demoCouriers, demoResidents } from './demo-people.ts';

export interface FirstStartSecrets {
  staffUsername: string;
  staffPassword: string;
  courierPins: Array<{ name: string; company: string; pin: string; rfidTag: string }>;
}

export interface SeedOutcome {
  residentsAdded: number;
  couriersAdded: number;
  /** Present only on the start that created the staff account: shown once, never stored. */
  secrets?: FirstStartSecrets;
}

// Any constant works; it only has to be the same for every process seeding this database.
const seedLockKey = 0x5eed_7001;

/**
 * Seeds an empty database with the demo building. Idempotent: each part is added only when its
 * table is empty, under a lock so that two services starting together seed once.
 */
export async function seedDemoData(
  store: Store,
  options: {
    demoPeople: boolean;
    /**
     * The kiosk's keyed hash (`PickupCredentials.keyedHash`): with it the couriers' PIN and RFID
     * lookups are written now; without it the kiosk writes them at each courier's first login.
     */
    keyedHash?: (purpose: string, value: string) => string;
  },
): Promise<SeedOutcome> {
  // Hash outside the transaction: argon2 is deliberately slow and the lock need not wait on it.
  const staffPassword = randomBytes(15).toString('base64url');
  const staffHash = await argon2.hash(staffPassword, { type: argon2.argon2id });
  // Courier PINs are unique (a PIN names one courier), so each is drawn again while taken.
  const pins = new Set<string>();
  while (pins.size < demoCouriers.length) pins.add(String(randomInt(0, 1_000_000)).padStart(6, '0'));
  const couriers = await Promise.all(
    demoCouriers.map(async (c, i) => {
      const pin = [...pins][i]!;
      return { ...c, pin, pinHash: await argon2.hash(pin, { type: argon2.argon2id }) };
    }),
  );
  const lookups = options.keyedHash ? courierLookups(options.keyedHash) : undefined;

  return store.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [seedLockKey]);
    const outcome: SeedOutcome = { residentsAdded: 0, couriersAdded: 0 };

    if (options.demoPeople) {
      const { rows } = await tx.query<{ residents: number; couriers: number }>(
        'SELECT (SELECT count(*) FROM residents)::int AS residents, (SELECT count(*) FROM couriers)::int AS couriers',
      );
      if (rows[0]!.residents === 0) {
        for (const resident of demoResidents()) await store.people.addResident(resident, tx);
        outcome.residentsAdded = demoResidents().length;
      }
      if (rows[0]!.couriers === 0) {
        for (const c of couriers) {
          await store.people.addCourier(
            {
              name: c.name,
              company: c.company,
              pinHash: c.pinHash,
              rfidTag: c.rfidTag,
              ...(lookups
                ? {
                    pinLookup: lookups.pin(c.pin),
                    rfidLookup: lookups.rfid(c.rfidTag),
                    rfidHint: lookups.rfidHint(c.rfidTag),
                  }
                : {}),
            },
            tx,
          );
        }
        outcome.couriersAdded = couriers.length;
      }
    }

    if ((await store.people.countStaffUsers(tx)) === 0) {
      const admin = await store.people.addStaffUser(
        { username: 'admin', displayName: 'Building administrator', passwordHash: staffHash, role: 'admin' },
        tx,
      );
      await store.events.audit(
        {
          actorKind: 'system',
          action: 'staff.account_created',
          targetKind: 'staff_user',
          targetId: admin.id,
          details: { username: admin.username, reason: 'first start' },
        },
        tx,
      );
      outcome.secrets = {
        staffUsername: admin.username,
        staffPassword,
        courierPins:
          outcome.couriersAdded > 0
            ? couriers.map(({ name, company, pin, rfidTag }) => ({ name, company, pin, rfidTag }))
            : [],
      };
    }
    return outcome;
  });
}

/** The once-only banner with the first start's credentials. */
export function formatFirstStartSecrets(secrets: FirstStartSecrets): string {
  const lines = [
    '',
    '┌──────────────────────────────────────────────────────────────────────┐',
    '│ Parcelroom first start: these credentials are shown only this once.  │',
    '└──────────────────────────────────────────────────────────────────────┘',
    `  Staff login   user: ${secrets.staffUsername}   password: ${secrets.staffPassword}`,
  ];
  if (secrets.courierPins.length > 0) {
    lines.push('  Demo courier PINs:');
    for (const c of secrets.courierPins)
      lines.push(`    ${c.company.padEnd(7)} ${c.name.padEnd(14)} PIN ${c.pin}   RFID ${c.rfidTag}`);
  }
  lines.push('  Store them now: only their hashes are kept.', '');
  return lines.join('\n');
}
