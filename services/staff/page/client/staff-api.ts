import type { JsonOf } from '../../index.ts';

/** A refusal from the staff API, with the code and message the server gave. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

let csrfToken = '';
let signedOut: () => void = () => undefined;

/** The token every state-changing request carries; it comes with the sign-in. */
export function useCsrfToken(token: string): void {
  csrfToken = token;
}

/** What to do when the server no longer knows the session (expired, signed out elsewhere). */
export function onSignedOut(handler: () => void): void {
  signedOut = handler;
}

type ErrorBody = { error?: { code?: string; message?: string } };

/** Calls the staff API; `Answer` is the server's type of the answer (services/staff/staff-answers.ts). */
export async function api<Answer = unknown>(
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<JsonOf<Answer>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data: unknown = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401 && path !== '/staff/login') signedOut();
    const { error } = data as ErrorBody;
    throw new ApiFailure(
      res.status,
      error?.code ?? 'error',
      error?.message ?? `request failed (${res.status})`,
    );
  }
  return data as JsonOf<Answer>;
}

/** The message to show for a failure of any kind. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
