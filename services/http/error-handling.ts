import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { NotFoundError, unavailabilityReason } from '../store/index.ts';
import { ApiError } from './api-error.ts';

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `no route for ${req.method} ${req.path}`));
};

/**
 * Turns errors into `{ error: { code, message } }`. Anything unexpected is logged with its stack
 * and answered with a generic message: internals never reach a client.
 */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  if (error instanceof ApiError) {
    res
      .status(error.status)
      .json({ error: { code: error.code, message: error.message, details: error.details } });
    return;
  }
  if (error instanceof ZodError) {
    const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    const first = issues[0];
    res.status(400).json({
      error: {
        code: 'invalid_request',
        message: first ? `${first.path || 'request'}: ${first.message}` : 'invalid request',
        details: issues,
      },
    });
    return;
  }
  if (error instanceof NotFoundError) {
    res.status(404).json({ error: { code: 'not_found', message: error.message } });
    return;
  }
  if (unavailabilityReason(error) !== undefined) {
    // Nothing was recorded; the same request works once the database is back.
    req.log?.warn({ err: error }, 'request refused: the database is unavailable');
    res
      .status(503)
      .set('Retry-After', '5')
      .json({
        error: {
          code: 'unavailable',
          message: 'the database is unavailable for a moment; nothing was changed, try again shortly',
        },
      });
    return;
  }
  // body-parser marks its own errors (malformed JSON, too large) with a status and `expose`.
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (error as { expose?: boolean }).expose) {
    const type = (error as { type?: string }).type;
    const code =
      type === 'entity.too.large'
        ? 'payload_too_large'
        : type === 'entity.parse.failed'
          ? 'malformed_json'
          : 'bad_request';
    const message =
      code === 'payload_too_large'
        ? 'request body is larger than the server accepts'
        : code === 'malformed_json'
          ? 'request body is not valid JSON'
          : (error as Error).message;
    res.status(status).json({ error: { code, message } });
    return;
  }
  req.log?.error({ err: error }, 'request failed');
  res
    .status(500)
    .json({ error: { code: 'internal', message: 'internal error; the incident is in the service log' } });
};
