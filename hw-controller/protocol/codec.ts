import type { z } from 'zod';
import {
  type ErrorCode,
  maxBodyBytes,
  protocolTag,
  type Reply,
  type Request,
  replySchema,
  requestSchema,
} from './messages.ts';

export type Decoded<T> =
  | { ok: true; message: T }
  | { ok: false; id: number | null; code: ErrorCode; message: string };

/** One message as its two frames: the protocol tag and the JSON body. */
export function encodeMessage(message: Request | Reply): [Buffer, Buffer] {
  return [Buffer.from(protocolTag), Buffer.from(JSON.stringify(message))];
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** The id of a body that failed its schema, when it has a usable one, so the error can name it. */
function salvageId(body: unknown): number | null {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 1 ? id : null;
}

function decode<T>(frames: Buffer[], schema: z.ZodType<T>): Decoded<T> {
  if (frames.length !== 2) {
    return {
      ok: false,
      id: null,
      code: 'malformed',
      message: `expected 2 frames (protocol tag, JSON body), got ${frames.length}`,
    };
  }
  const [tagFrame, bodyFrame] = frames as [Buffer, Buffer];
  const tag = tagFrame.length <= 64 ? tagFrame.toString('latin1') : '';
  if (tag !== protocolTag) {
    return tag.startsWith('parcelroom-hw/')
      ? {
          ok: false,
          id: null,
          code: 'unsupported_version',
          message: `this end speaks ${protocolTag}, not ${tag}`,
        }
      : {
          ok: false,
          id: null,
          code: 'malformed',
          message: `first frame must be the protocol tag ${protocolTag}`,
        };
  }
  if (bodyFrame.length > maxBodyBytes) {
    return {
      ok: false,
      id: null,
      code: 'too_large',
      message: `body is ${bodyFrame.length} bytes; at most ${maxBodyBytes} are accepted`,
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(bodyFrame.toString('utf8'));
  } catch {
    return { ok: false, id: null, code: 'malformed', message: 'body is not valid JSON' };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    return { ok: false, id: salvageId(body), code: 'malformed', message: firstIssue(parsed.error) };
  }
  return { ok: true, message: parsed.data };
}

export const decodeRequest = (frames: Buffer[]): Decoded<Request> => decode(frames, requestSchema);
export const decodeReply = (frames: Buffer[]): Decoded<Reply> => decode(frames, replySchema);
