import { z } from 'zod';

/**
 * The kiosk protocol (docs/kiosk-protocol.md): JSON text frames over a WebSocket at `/kiosk/ws`.
 * Client messages are parsed here, whole, before anything happens; server messages are typed
 * here so that the server cannot send what the page does not expect.
 */

export const kioskProtocolVersion = 1;
export const kioskWsPath = '/kiosk/ws';

/** Frames above this are refused by the socket itself (closed with 1009): nothing is parsed. */
export const maxFrameBytes = 8 * 1024 * 1024;
/** Every message but `label_image` must fit in this. */
export const maxMessageBytes = 16 * 1024;
/** The label photo, decoded from base64. */
export const maxLabelJpegBytes = 4 * 1024 * 1024;

const messageId = z.string().min(1).max(64);
const uuid = z.uuid();
const digits = (min: number, max: number, what: string) =>
  z.string().regex(new RegExp(`^\\d{${min},${max}}$`), `must be ${min} to ${max} digits (${what})`);

// Base64 of at most maxLabelJpegBytes: 4/3 of it, rounded up to whole quads.
const maxLabelBase64Chars = Math.ceil(maxLabelJpegBytes / 3) * 4;

const envelope = { id: messageId.optional() };

export const clientMessageSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('hello'),
      ...envelope,
      protocol: z.literal(kioskProtocolVersion),
      deviceId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a kiosk device id'),
      token: z.string().min(16).max(256),
    })
    .strict(),
  z.object({ type: z.literal('ping'), ...envelope }).strict(),
  z
    .object({
      type: z.literal('courier_login'),
      ...envelope,
      pin: digits(4, 10, 'the courier PIN').optional(),
      rfid: z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9:-]{4,64}$/, 'must be the tag as the reader types it (4–64 letters and digits)')
        .optional(),
    })
    .strict()
    .refine((m) => (m.pin === undefined) !== (m.rfid === undefined), {
      error: 'give exactly one of pin and rfid',
      path: ['pin'],
    }),
  z.object({ type: z.literal('door_unlock'), ...envelope }).strict(),
  z
    .object({
      type: z.literal('label_image'),
      ...envelope,
      jpegBase64: z
        .string()
        .min(4)
        .max(maxLabelBase64Chars, `must be a JPEG of at most ${maxLabelJpegBytes / 1024 / 1024} MiB`)
        .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64 (no data: prefix)'),
    })
    .strict(),
  z
    .object({
      type: z.literal('tracking_typed'),
      ...envelope,
      trackingNumber: z.string().trim().min(6).max(40),
    })
    .strict(),
  z
    .object({
      type: z.literal('resident_search'),
      ...envelope,
      query: z.string().trim().min(1).max(60),
    })
    .strict(),
  z
    .object({
      type: z.literal('recipient_confirm'),
      ...envelope,
      readingId: uuid,
      /** One of the reading's candidates, one from a search, or null: nobody here fits (staff decide). */
      residentId: uuid.nullable(),
    })
    .strict(),
  z.object({ type: z.literal('session_end'), ...envelope }).strict(),
  z
    .object({
      type: z.literal('resident_login'),
      ...envelope,
      // Ten digits (docs/kiosk-credentials.md); a PIN from before is refused here, its QR code still works.
      pin: z
        .string()
        .regex(/^\d{10}$/, 'must be 10 digits (the pickup PIN from the message; its QR code works too)')
        .optional(),
      qrToken: z.string().min(16).max(512).optional(),
    })
    .strict()
    .refine((m) => (m.pin === undefined) !== (m.qrToken === undefined), {
      error: 'give exactly one of pin and qrToken',
      path: ['pin'],
    }),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];
export const clientMessageTypes: readonly ClientMessageType[] = clientMessageSchema.options.map(
  (o) => o.shape.type.value,
);

// ---------------------------------------------------------------- server → client

export const errorCodes = [
  'malformed',
  'too_large',
  'unknown_type',
  'not_authenticated',
  'unauthorized',
  'already_authenticated',
  'wrong_credentials',
  'locked_out',
  'no_session',
  'session_open',
  'wrong_session',
  'token_invalid',
  'token_expired',
  'token_used',
  'nothing_to_pick_up',
  'label_unreadable',
  'tracking_invalid',
  'unknown_reading',
  'unknown_resident',
  'door_unavailable',
  'unavailable',
  'internal',
] as const;
export type KioskErrorCode = (typeof errorCodes)[number];

export interface MapSlot {
  id: string;
  offsetCm: number;
  widthCm: number;
}
export interface MapLevel {
  /** 1 is the board nearest the floor. */
  number: number;
  heightCm: number;
  clearanceCm: number;
  slots: MapSlot[];
}
export interface MapUnit {
  id: string;
  name: string;
  /** Floor position of the unit's front-left corner, room coordinates (x right, y away from the door). */
  positionCm: { x: number; y: number };
  rotationDeg: number;
  widthCm: number;
  depthCm: number;
  levels: MapLevel[];
}
export interface RoomMap {
  roomId: string;
  name: string;
  sizeCm: { x: number; y: number; z: number };
  units: MapUnit[];
  highlightSlotIds: string[];
}

export interface PackageView {
  packageId: string;
  slotId: string | null;
  /** "Shelf B, level 3 (from the floor), second from the left". */
  words: string | null;
  /** A signed, short-lived URL on this server (GET, no headers needed: usable as an img src). */
  photoUrl: string | null;
  carrier: string | null;
  trackingNumber: string | null;
}

export interface ResidentChoice {
  residentId: string;
  firstName: string;
  lastName: string;
  apartment: string;
  /** 0…1 for a label's candidates; null for a search result. */
  score: number | null;
}

export type SessionView =
  | { mode: 'idle' }
  | {
      mode: 'courier';
      sessionId: string;
      courier: { name: string; company: string };
      /** Registered in this visit and not yet seen on a shelf. */
      awaitingPackageIds: string[];
      placed: PackageView[];
    }
  | {
      mode: 'resident';
      sessionId: string;
      resident: { firstName: string };
      packages: PackageView[];
      pickedUpIds: string[];
      expiresAtMs: number;
      /** The room with the slots still to visit highlighted: a reloaded kiosk draws it again. */
      map: RoomMap;
    };

type Reply = { replyTo?: string };

export type ServerMessage = Reply &
  (
    | { type: 'welcome'; protocol: number; deviceId: string; roomId: string; session: SessionView }
    | { type: 'pong' }
    | { type: 'session'; session: SessionView }
    | { type: 'door'; unlocked: boolean; durationMs: number }
    | {
        type: 'label_reading';
        readingId: string;
        source: 'image' | 'typed';
        trackingNumber: string | null;
        carrier: string | null;
        recipientText: string | null;
        /** confident: propose the first candidate; uncertain: let the courier choose; no_match: search. */
        status: 'confident' | 'uncertain' | 'no_match';
        candidates: ResidentChoice[];
      }
    | { type: 'resident_list'; residents: ResidentChoice[] }
    | { type: 'awaiting_placement'; packageId: string; awaitingPackageIds: string[] }
    | {
        type: 'placed';
        package: PackageView;
        /** The package straddles slots: staff will check. */
        uncertain: boolean;
        awaitingPackageIds: string[];
        map: RoomMap;
      }
    | { type: 'unregistered_object'; slotId: string; words: string | null }
    | { type: 'delivery_ended'; sessionId: string; awaitingPackageIds: string[] }
    | {
        type: 'pickup_started';
        sessionId: string;
        packages: PackageView[];
        map: RoomMap;
        expiresAtMs: number;
      }
    | { type: 'picked_up'; packageId: string; remainingPackageIds: string[] }
    | {
        type: 'wrong_package';
        packageId: string;
        slotId: string;
        expectedSlotIds: string[];
        map: RoomMap;
      }
    | {
        type: 'pickup_ended';
        sessionId: string;
        outcome: 'picked_up' | 'partly_picked_up' | 'nothing_picked_up';
        pickedUpIds: string[];
        leftBehindIds: string[];
      }
    | { type: 'speech'; text: string }
    | {
        /** Pushed when the room's records become unreachable and when they are back. */
        type: 'service_status';
        database: 'ok' | 'unavailable';
        /** For the person at the kiosk; null when all is well. */
        message: string | null;
      }
    | { type: 'locator'; state: 'pointing' | 'off'; slotId: string | null }
    | {
        type: 'error';
        code: KioskErrorCode;
        message: string;
        /** wrong_credentials: tries left before the kiosk starts to wait between tries. */
        attemptsLeft?: number;
        /** locked_out, unavailable: when to try again; wrong_credentials: how long before the next try is checked. */
        retryAfterMs?: number;
      }
  );

export type ServerMessageType = ServerMessage['type'];

/** WebSocket close codes the server uses (4000–4999 are the application's). */
export const closeCodes = {
  /** hello refused: unknown device or wrong token. */
  unauthorized: 4401,
  /** no hello within the deadline. */
  helloTimeout: 4408,
  /** another socket authenticated as the same device: the newest wins. */
  replaced: 4409,
  /** the service is stopping. */
  goingAway: 1001,
} as const;

export class KioskProtocolError extends Error {
  constructor(
    readonly code: KioskErrorCode,
    message: string,
    readonly extra: { attemptsLeft?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'KioskProtocolError';
  }
}

/**
 * A frame from a kiosk → a typed message, or a `KioskProtocolError` naming what is wrong
 * (`malformed` with the field, `unknown_type`, `too_large`). The id of an unparseable message is
 * still returned when it can be read, so the error reply can name it.
 */
export function parseClientMessage(
  frame: string,
): { ok: true; message: ClientMessage } | { ok: false; error: KioskProtocolError; id?: string } {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { ok: false, error: new KioskProtocolError('malformed', 'message is not JSON') };
  }
  const id =
    value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string'
      ? ((value as { id: string }).id.slice(0, 64) as string)
      : undefined;
  const withId = <T extends object>(r: T) => (id === undefined ? r : { ...r, id });
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return withId({
      ok: false as const,
      error: new KioskProtocolError('malformed', 'message must be a JSON object'),
    });
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return withId({
      ok: false as const,
      error: new KioskProtocolError('malformed', 'type: must be a string'),
    });
  }
  if (!(clientMessageTypes as readonly string[]).includes(type)) {
    return withId({
      ok: false as const,
      error: new KioskProtocolError('unknown_type', `unknown message type "${type.slice(0, 40)}"`),
    });
  }
  if (type !== 'label_image' && Buffer.byteLength(frame) > maxMessageBytes) {
    return withId({
      ok: false as const,
      error: new KioskProtocolError(
        'too_large',
        `a ${type} message must be at most ${maxMessageBytes} bytes`,
      ),
    });
  }
  const parsed = clientMessageSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || type}: ${i.message}`);
    const tooBig = parsed.error.issues.some((i) => i.code === 'too_big' && i.path[0] === 'jpegBase64');
    return withId({
      ok: false as const,
      error: new KioskProtocolError(tooBig ? 'too_large' : 'malformed', problems.join('; ')),
    });
  }
  return { ok: true, message: parsed.data };
}
