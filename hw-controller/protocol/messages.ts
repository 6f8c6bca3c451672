import { z } from 'zod';

/**
 * The hw-controller protocol, version 2 (docs/hw-protocol.md is the normative description).
 * Every message is two ZeroMQ frames: the protocol tag and one JSON object. The schemas here are
 * the only definition of what a valid body is, on both sides of the link.
 */
export const protocolVersion = 2;
export const protocolTag = `parcelroom-hw/${protocolVersion}`;
/** A body longer than this is refused with `too_large` before it is parsed. */
export const maxBodyBytes = 4096;

const requestId = z
  .number({ error: 'must be a request id (a whole number from 1 to 2^53-1)' })
  .int('must be a request id (a whole number from 1 to 2^53-1)')
  .min(1, 'must be a request id (a whole number from 1 to 2^53-1)')
  .max(Number.MAX_SAFE_INTEGER, 'must be a request id (a whole number from 1 to 2^53-1)');
const degrees = z
  .number({ error: 'must be a number of degrees' })
  .finite('must be a finite number of degrees');
const durationMs = z
  .number({ error: 'must be a duration in ms (a whole number from 1 to 3600000)' })
  .int('must be a duration in ms (a whole number from 1 to 3600000)')
  .min(1, 'must be a duration in ms (a whole number from 1 to 3600000)')
  .max(3_600_000, 'must be a duration in ms (a whole number from 1 to 3600000)');
const zoneId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/, 'must be a strobe zone id');
const sessionId = z
  .string({ error: 'must be a daemon session id (1 to 64 characters)' })
  .min(1, 'must be a daemon session id (1 to 64 characters)')
  .max(64, 'must be a daemon session id (1 to 64 characters)');
/**
 * On a request that changes outputs: the daemon session the sender last heard. A daemon refuses
 * a request stamped with another session (`stale_session`): it was meant for a daemon that is gone.
 */
const session = { session: sessionId.optional() };

export const strobePatterns = ['steady', 'flash', 'pulse'] as const;
export const strobePatternSchema = z.enum(strobePatterns, { error: 'must be steady, flash or pulse' });
export type StrobePattern = z.infer<typeof strobePatternSchema>;

const strobeSpec = z.object({ zoneId, pattern: strobePatternSchema, durationMs }).strict();

/** What the service sends. Every request carries an id, echoed in its ack or error. */
export const requestSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('ping'), id: requestId }).strict(),
    z.object({ type: z.literal('get-state'), id: requestId }).strict(),
    z
      .object({ type: z.literal('aim'), id: requestId, ...session, panDeg: degrees, tiltDeg: degrees })
      .strict(),
    z.object({ type: z.literal('laser-on'), id: requestId, ...session, maxOnMs: durationMs }).strict(),
    z.object({ type: z.literal('laser-off'), id: requestId, ...session }).strict(),
    z.object({ type: z.literal('strobe-on'), id: requestId, ...session, ...strobeSpec.shape }).strict(),
    z.object({ type: z.literal('strobe-off'), id: requestId, ...session, zoneId }).strict(),
    z
      .object({
        type: z.literal('point'),
        id: requestId,
        ...session,
        panDeg: degrees,
        tiltDeg: degrees,
        laserMaxOnMs: durationMs,
        strobe: strobeSpec.optional(),
      })
      .strict(),
    z.object({ type: z.literal('off'), id: requestId, ...session }).strict(),
    z.object({ type: z.literal('door-unlock'), id: requestId, ...session, durationMs }).strict(),
    z.object({ type: z.literal('door-lock'), id: requestId, ...session }).strict(),
  ],
  {
    error:
      'type must be one of ping, get-state, aim, laser-on, laser-off, strobe-on, strobe-off, point, off, door-unlock, door-lock',
  },
);
export type Request = z.infer<typeof requestSchema>;
export type RequestType = Request['type'];
/** A request before the link gives it an id. */
export type RequestBody = Request extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/** Why the daemon's outputs last changed. */
export const changeCauses = [
  'startup',
  'command',
  'laser-max-on-time',
  'strobe-duration',
  'door-max-open-time',
  'link-lost',
  'driver-error',
  'driver-recovered',
  'shutdown',
] as const;

const remainingMs = z.number().int().nonnegative().nullable();

/**
 * What the daemon knows of one output: `unknown` after a driver call failed and no off has been
 * confirmed since. The daemon keeps trying to switch an unknown output off.
 */
export const outputStates = ['on', 'off', 'unknown'] as const;
export type OutputState = (typeof outputStates)[number];
export const doorStates = ['locked', 'unlocked', 'unknown'] as const;
export type DoorState = (typeof doorStates)[number];

/** The daemon's outputs, as it last drove them. Times are remaining durations, never clock times. */
export const hardwareStateSchema = z
  .object({
    /** Random per daemon start: a new value means the daemon restarted and forgot everything. */
    sessionId,
    /** Increases by one on every change of the outputs within a session. */
    seq: z.number().int().nonnegative(),
    driver: z.string().min(1),
    laser: z
      .object({
        /** True whenever the laser may be lit: `output` on or unknown. */
        on: z.boolean(),
        output: z.enum(outputStates),
        panDeg: degrees,
        tiltDeg: degrees,
        remainingMs,
      })
      .strict(),
    /** Every zone whose strobe may be running: `output` on, or unknown after a failed call. */
    strobes: z.array(
      z
        .object({ zoneId, pattern: strobePatternSchema, output: z.enum(['on', 'unknown']), remainingMs })
        .strict(),
    ),
    /** `unlocked` is true whenever the relay may be open: `relay` unlocked or unknown. */
    door: z.object({ unlocked: z.boolean(), relay: z.enum(doorStates), remainingMs }).strict(),
    cause: z.enum(changeCauses),
  })
  .strict();
export type HardwareState = z.infer<typeof hardwareStateSchema>;

export const errorCodes = [
  'malformed',
  'unsupported_version',
  'too_large',
  'out_of_range',
  'unknown_zone',
  'stale_session',
  'driver_failed',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** What the daemon sends: an ack or an error per request, and a state message on every change. */
export const replySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ack'), id: requestId, state: hardwareStateSchema }).strict(),
  z
    .object({
      type: z.literal('error'),
      /** null when the request was too broken to read its id. */
      id: requestId.nullable(),
      code: z.enum(errorCodes),
      message: z.string(),
      state: hardwareStateSchema,
    })
    .strict(),
  z.object({ type: z.literal('state'), state: hardwareStateSchema }).strict(),
]);
export type Reply = z.infer<typeof replySchema>;
