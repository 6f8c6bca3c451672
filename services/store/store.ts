import type { Database } from './database.ts';
import { createEventLog } from './event-log.ts';
import { createLedgerRepository } from './ledger-repository.ts';
import { createPackageRepository } from './package-repository.ts';
import { createPeopleRepository } from './people-repository.ts';
import { createReviewRepository } from './review-repository.ts';
import { createRoomRepository } from './room-repository.ts';
import { createStaffRepository } from './staff-repository.ts';

/** Every repository over one database: what the rest of the service is handed. */
export function createStore(db: Database) {
  return {
    db,
    rooms: createRoomRepository(db),
    people: createPeopleRepository(db),
    packages: createPackageRepository(db),
    events: createEventLog(db),
    ledger: createLedgerRepository(db),
    review: createReviewRepository(db),
    staff: createStaffRepository(db),
    /** True when the database answers a trivial query within `timeoutMs`. */
    async ping(timeoutMs = 2000): Promise<boolean> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        return await Promise.race([db.query('SELECT 1').then(() => true), timeout]);
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type Store = ReturnType<typeof createStore>;
