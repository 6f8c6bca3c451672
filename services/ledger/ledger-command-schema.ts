import { z } from 'zod';
import { LedgerInputError } from './ledger-rules.ts';
import type { LedgerInput } from './ledger-types.ts';

type WithoutTime<T> = T extends unknown ? Omit<T, 'atMs'> : never;

/** What the kiosk (and staff tools) ask of the ledger; whoever submits it stamps the time. */
export type LedgerCommand = WithoutTime<Exclude<LedgerInput, { type: 'observed' | 'tick' | 'restarted' }>>;

// Session and package ids are UUIDs because the store keeps them in uuid columns.
const id = z.uuid();
const text = z.string().trim().min(1).max(200);

export const ledgerCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('delivery_started'), sessionId: id, courierId: id.nullable() }).strict(),
  z
    .object({
      type: z.literal('package_registered'),
      sessionId: id,
      packageId: id,
      residentId: id.nullable(),
      details: z
        .object({
          courierId: id.nullable().optional(),
          carrier: text.nullable().optional(),
          trackingNumber: text.nullable().optional(),
          recipientText: text.nullable().optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
  z.object({ type: z.literal('delivery_ended'), sessionId: id }).strict(),
  z
    .object({
      type: z.literal('pickup_started'),
      sessionId: id,
      residentId: id,
      packageIds: z.array(id).min(1).max(50),
    })
    .strict(),
  z.object({ type: z.literal('pickup_ended'), sessionId: id }).strict(),
]);

/** Parses a command from outside (a kiosk message); a bad one is a `LedgerInputError` naming the field. */
export function parseLedgerCommand(value: unknown): LedgerCommand {
  const parsed = ledgerCommandSchema.safeParse(value);
  if (parsed.success) return parsed.data as LedgerCommand;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(command)'}: ${i.message}`);
  throw new LedgerInputError('bad_command', `ledger command refused: ${problems.join('; ')}`);
}
