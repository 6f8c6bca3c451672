import { z } from 'zod';
import { flagStatuses, packageStates } from '../store/index.ts';
import { newPasswordSchema } from './staff-auth.ts';

const uuid = (what: string) => z.uuid(`must be a ${what} id (UUID)`);
const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const limit = (max: number, fallback: number) =>
  z.coerce
    .number({ error: `must be a number between 1 and ${max}` })
    .int(`must be a number between 1 and ${max}`)
    .min(1, `must be a number between 1 and ${max}`)
    .max(max, `must be a number between 1 and ${max}`)
    .default(fallback);
const roomId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a room id (lower-case letters, digits, dashes)');
/** A day (`2026-12-01`, a whole UTC day) or an instant with its offset. */
const dayOrInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'must be a date (2026-12-01) or a date and time with offset (2026-12-01T09:30:00Z)',
});

export const flagParams = z.object({ flagId: uuid('flag') });
export const imageParams = z.object({ imageId: uuid('image') });
export const packageParams = z.object({ packageId: uuid('package') });
export const residentParams = z.object({ residentId: uuid('resident') });
export const courierParams = z.object({ courierId: uuid('courier') });
export const staffUserParams = z.object({ staffUserId: uuid('staff account') });

export const flagQuery = z
  .object({
    roomId: roomId.optional(),
    status: z
      .enum([...flagStatuses, 'all'], { error: `must be one of ${flagStatuses.join(', ')}, all` })
      .default('open'),
    kind: z
      .string()
      .regex(/^[a-z_]{2,40}$/, 'must be a flag kind such as ambiguous_slot')
      .optional(),
    limit: limit(500, 100),
  })
  .strict();

export const packageSearchQuery = z
  .object({
    roomId: roomId.optional(),
    name: text(100).optional(),
    unit: text(20).optional(),
    trackingNumber: text(64).optional(),
    carrier: text(40).optional(),
    state: z.enum(packageStates, { error: `must be one of ${packageStates.join(', ')}` }).optional(),
    from: dayOrInstant.optional(),
    to: dayOrInstant.optional(),
    limit: limit(200, 50),
    before: uuid('package').optional(),
  })
  .strict();

/** `from` is inclusive; a bare day as `to` includes that whole day. */
export function dateRange(query: { from?: string | undefined; to?: string | undefined }): {
  from?: Date;
  to?: Date;
} {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const out: { from?: Date; to?: Date } = {};
  if (query.from) out.from = new Date(day.test(query.from) ? `${query.from}T00:00:00Z` : query.from);
  if (query.to) {
    out.to = day.test(query.to)
      ? new Date(Date.parse(`${query.to}T00:00:00Z`) + 86_400_000)
      : new Date(query.to);
  }
  return out;
}

export const roomQuery = z.object({ roomId: roomId.optional() }).strict();

export const residentQuery = z
  .object({
    q: text(100).optional(),
    activeOnly: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
    limit: limit(500, 200),
  })
  .strict();

const email = z.email('must be an email address').max(200);
const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()-]{5,24}$/, 'must be a phone number such as +1 555 010 0100');

export const newResidentBody = z
  .object({
    apartment: text(20),
    firstName: text(80),
    lastName: text(80),
    email: email.nullish(),
    phone: phone.nullish(),
  })
  .strict();

export const residentChangesBody = z
  .object({
    apartment: text(20).optional(),
    firstName: text(80).optional(),
    lastName: text(80).optional(),
    email: email.nullable().optional(),
    phone: phone.nullable().optional(),
    active: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field');

const pin = z.string().regex(/^[0-9]{4,8}$/, 'must be 4 to 8 digits');
const rfidTag = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9:-]{4,64}$/, 'must be an RFID tag (4 to 64 letters, digits, colons or dashes)');

export const newCourierBody = z
  .object({ name: text(80), company: text(80), pin, rfidTag: rfidTag.nullish() })
  .strict();

export const courierChangesBody = z
  .object({
    name: text(80).optional(),
    company: text(80).optional(),
    rfidTag: rfidTag.nullable().optional(),
    active: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field');

/** Without a PIN the service draws one and shows it once. */
export const courierPinBody = z.object({ pin: pin.optional() }).strict();

const role = z.enum(['staff', 'admin'], { error: 'must be staff or admin' });

export const newStaffUserBody = z
  .object({
    username: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'must be 2 to 64 letters, digits, dots, dashes or underscores'),
    displayName: text(80),
    password: newPasswordSchema,
    role,
  })
  .strict();

export const staffUserChangesBody = z
  .object({
    displayName: text(80).optional(),
    role: role.optional(),
    disabled: z.boolean({ error: 'must be true or false' }).optional(),
    password: newPasswordSchema.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field');
