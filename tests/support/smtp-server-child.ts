/**
 * A mail server in its own process, for tests: `smtp-server` on a loopback port, with STARTTLS
 * and AUTH (PLAIN, LOGIN) when told to. Started by smtp-server-process.ts through `fork`; its
 * options come as JSON in argv[2], and it talks to the test over the IPC channel only: it says
 * `listening` with its port, and answers `report` with everything it saw. It exits when the test
 * goes away (the channel closes), so a failed test leaves no server behind.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { z } from 'zod';

export const smtpChildOptionsSchema = z
  .object({
    /** 0 = any free port; a fixed one to come back on the same port after a restart. */
    port: z.number().int().min(0).max(65_535).default(0),
    /** When set, STARTTLS is offered with this certificate; without it the server has none. */
    tls: z.object({ keyFile: z.string(), certFile: z.string() }).strict().optional(),
    /** When set, AUTH PLAIN/LOGIN is required (and, with tls, only after STARTTLS). */
    users: z.record(z.string(), z.string()).optional(),
    /** Reply codes for the first DATA commands, in order (e.g. [451, 451]); then `otherwise`. */
    dataReplies: z.array(z.number().int().min(400).max(599)).default([]),
    /** The reply to every later DATA: a code to refuse it with, or null to accept the mail. */
    otherwise: z.number().int().min(400).max(599).nullable().default(null),
  })
  .strict();
export type SmtpChildOptions = z.input<typeof smtpChildOptionsSchema>;

export interface ReceivedMail {
  from: string | null;
  to: string[];
  /** The raw message as the server got it, base64 (IPC carries JSON). */
  rawBase64: string;
  /** Whether the session had been upgraded with STARTTLS when the mail came. */
  secure: boolean;
  /** The user the session logged in as, if any. */
  user: string | null;
}

export interface SmtpServerReport {
  connections: number;
  logins: Array<{ user: string; method: string; accepted: boolean; secure: boolean }>;
  /** MAIL FROM commands: an envelope begun, whether or not a mail followed. */
  envelopes: number;
  dataAttempts: number;
  mails: ReceivedMail[];
}

export type ChildToParent =
  | { type: 'listening'; port: number }
  | { type: 'report'; requestId: number; report: SmtpServerReport };
export type ParentToChild = { type: 'report'; requestId: number };

const parentMessageSchema = z.object({ type: z.literal('report'), requestId: z.number().int() });

function main(): void {
  if (!process.send)
    throw new Error('smtp-server-child.ts must be started with fork (it needs an IPC channel)');
  const options = smtpChildOptionsSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  const report: SmtpServerReport = { connections: 0, logins: [], envelopes: 0, dataAttempts: 0, mails: [] };
  const send = (message: ChildToParent) => process.send?.(message);

  const disabled: string[] = [];
  if (!options.tls) disabled.push('STARTTLS');
  if (!options.users) disabled.push('AUTH');
  const serverOptions: SMTPServerOptions = {
    logger: false,
    // A reverse lookup of 127.0.0.1 can cost ~100 ms a connection on a box without a resolver.
    disableReverseLookup: true,
    disabledCommands: disabled,
    authOptional: !options.users,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: !options.tls,
    ...(options.tls
      ? { key: readFileSync(options.tls.keyFile), cert: readFileSync(options.tls.certFile) }
      : {}),
    onConnect(_session, callback) {
      report.connections++;
      callback();
    },
    onAuth(auth, session, callback) {
      const user = auth.username ?? '';
      const accepted = options.users?.[user] !== undefined && options.users[user] === auth.password;
      report.logins.push({ user, method: auth.method, accepted, secure: session.secure });
      if (!accepted) {
        callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
        return;
      }
      callback(null, { user });
    },
    onMailFrom(_address, _session, callback) {
      report.envelopes++;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        report.dataAttempts++;
        const code =
          report.dataAttempts <= options.dataReplies.length
            ? options.dataReplies[report.dataAttempts - 1]
            : options.otherwise;
        if (code !== null && code !== undefined) {
          callback(
            Object.assign(new Error(`test server refuses DATA ${report.dataAttempts}`), {
              responseCode: code,
            }),
          );
          return;
        }
        // Recorded before the 250 goes out: a client that has its OK finds the mail in the report.
        report.mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          rawBase64: Buffer.concat(chunks).toString('base64'),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : null,
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.on('error', (error) => {
    process.stderr.write(`smtp-server-child: ${error.message}\n`);
  });
  server.listen(options.port, '127.0.0.1', () => {
    send({ type: 'listening', port: (server.server.address() as AddressInfo).port });
  });
  process.on('message', (raw) => {
    const message = parentMessageSchema.parse(raw);
    send({ type: 'report', requestId: message.requestId, report });
  });
  // The test process went away (or closed the channel): nothing is left to report to.
  process.on('disconnect', () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}

main();
