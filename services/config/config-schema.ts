import { z } from 'zod';

const port = z.coerce
  .number({ error: 'must be an integer between 0 and 65535' })
  .int('must be an integer between 0 and 65535')
  .min(0, 'must be an integer between 0 and 65535')
  .max(65535, 'must be an integer between 0 and 65535');

const booleanWords: Record<string, boolean> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
};
const booleanLike = z.preprocess(
  (v) => (typeof v === 'string' ? (booleanWords[v.trim().toLowerCase()] ?? v) : v),
  z.boolean({ error: 'must be true or false (1, 0, yes and no are accepted too)' }),
);

const proxyNames = new Set(['loopback', 'linklocal', 'uniquelocal']);
const proxyAddress = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]);
const trustProxyError =
  'must be false, true, or proxy addresses and subnets separated by commas (loopback, 10.0.0.2, 192.168.1.0/24)';
/** Express's `trust proxy`, limited to what an installer needs: none, any, or a list of addresses. */
const trustProxy = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const text = v.trim().toLowerCase();
    return (
      booleanWords[text] ??
      text
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    );
  },
  z.union(
    [
      z.boolean(),
      z
        .array(z.string())
        .min(1, trustProxyError)
        .superRefine((items, ctx) => {
          const bad = items.find((item) => !proxyNames.has(item) && !proxyAddress.safeParse(item).success);
          if (bad !== undefined)
            ctx.addIssue({ code: 'custom', message: `${trustProxyError}; "${bad}" is none of these` });
        }),
    ],
    { error: trustProxyError },
  ),
);

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// connection string');

/** The whole service configuration after env and file have been merged. */
export const serviceConfigSchema = z
  .object({
    http: z
      .object({
        host: z.string().trim().min(1, 'must be a host name or IP address').default('127.0.0.1'),
        port: port.default(8080),
        bodyLimitKb: z.coerce.number().int().min(1).max(65536).default(256),
        trustProxy: trustProxy.default(false),
      })
      .strict()
      .prefault({}),
    database: z
      .object({
        url: postgresUrl.optional(),
        dataDir: z.string().trim().min(1).default('data/pglite'),
        poolSize: z.coerce.number().int().min(1).max(100).default(10),
      })
      .strict()
      .prefault({}),
    room: z
      .object({
        layoutFile: z.string().trim().min(1).default('calibration/rooms/demo-room.yaml'),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
            error: 'must be one of fatal, error, warn, info, debug, trace, silent',
          })
          .default('info'),
        // Unset: pretty on a terminal, JSON lines otherwise (services/logging/log-format.ts).
        pretty: booleanLike.optional(),
      })
      .strict()
      .prefault({}),
    demo: z
      .object({
        seed: booleanLike.default(true),
      })
      .strict()
      .prefault({}),
    simulator: z
      .object({
        enabled: booleanLike.default(true),
        host: z.string().trim().min(1, 'must be a host name or IP address').default('127.0.0.1'),
        port: port.default(8554),
        fps: z.coerce
          .number({ error: 'must be a frame rate from 1 to 30' })
          .min(1, 'must be a frame rate from 1 to 30')
          .max(30, 'must be a frame rate from 1 to 30')
          .default(10),
        scenario: z.string().trim().min(1).default('live'),
      })
      .strict()
      .prefault({}),
    hwController: z
      .object({
        /** The daemon's ZeroMQ endpoint; unset with the simulator on starts one with the sim driver. */
        endpoint: z
          .string()
          .trim()
          .regex(/^(tcp:\/\/\S+:\d+|ipc:\/\/\S+)$/, 'must be a ZeroMQ endpoint like tcp://127.0.0.1:5560')
          .optional(),
        heartbeatMs: z.coerce
          .number({ error: 'must be a heartbeat period from 20 to 10000 ms' })
          .int('must be a heartbeat period from 20 to 10000 ms')
          .min(20, 'must be a heartbeat period from 20 to 10000 ms')
          .max(10_000, 'must be a heartbeat period from 20 to 10000 ms')
          .default(500),
      })
      .strict()
      .prefault({}),
    labels: z
      .object({
        /** The building's address as carriers print it: the anchor for finding the recipient. */
        buildingStreet: z.string().trim().min(1).default('1200 Harbor View Rd'),
        buildingCity: z.string().trim().min(1).default('Oakland'),
        buildingState: z.string().trim().min(2).max(3).default('CA'),
        buildingZip: z.string().trim().min(3).max(10).default('94607'),
        ocrEngine: z
          .enum(['tesseract.js', 'tesseract-native', 'pp-ocrv4'], {
            error: 'must be tesseract.js, tesseract-native or pp-ocrv4',
          })
          .default('tesseract.js'),
        /** The second look at a tracking-number line the page reading missed ("none": no second look). */
        ocrLineEngine: z
          .enum(['tesseract.js', 'tesseract-native', 'pp-ocrv4', 'none'], {
            error: 'must be tesseract.js, tesseract-native, pp-ocrv4 or none',
          })
          .default('pp-ocrv4'),
        ocrWorkers: z.coerce
          .number({ error: 'must be a number of OCR workers from 1 to 8' })
          .int('must be a number of OCR workers from 1 to 8')
          .min(1, 'must be a number of OCR workers from 1 to 8')
          .max(8, 'must be a number of OCR workers from 1 to 8')
          .default(2),
      })
      .strict()
      .prefault({}),
    notifications: z
      .object({
        /** Run the outbox worker and the reminder scheduler in this process. */
        enabled: booleanLike.default(true),
        fromAddress: z.string().trim().min(3).default('Parcelroom <parcelroom@localhost>'),
        /** Where residents reach this service; links in messages start with it. */
        publicBaseUrl: z
          .url({ error: 'must be an http:// or https:// URL', protocol: /^https?$/ })
          .default('http://127.0.0.1:8080'),
        /** HMAC key of the residents' photo links; unset = a random one per start. */
        linkSecret: z
          .string()
          .min(16, 'must be at least 16 characters (e.g. 32 random hex digits)')
          .optional(),
        photoLinkDays: z.coerce.number().int().min(1).max(90).default(14),
        reminderDays: z.coerce
          .number({ error: 'must be a number of days from 1 to 60' })
          .int('must be a number of days from 1 to 60')
          .min(1, 'must be a number of days from 1 to 60')
          .max(60, 'must be a number of days from 1 to 60')
          .default(3),
        maxReminders: z.coerce.number().int().min(0).max(10).default(2),
        pollIntervalMs: z.coerce.number().int().min(50).max(600_000).default(2000),
        maxAttempts: z.coerce.number().int().min(1).max(50).default(8),
        retryBaseMs: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
        retryMaxMs: z.coerce.number().int().min(10).max(86_400_000).default(3_600_000),
        leaseMs: z.coerce.number().int().min(1000).max(3_600_000).default(120_000),
        /** IANA time zone for times written in messages; the machine's when unset. */
        timeZone: z
          .string()
          .refine((v) => {
            try {
              new Intl.DateTimeFormat('en-US', { timeZone: v });
              return true;
            } catch {
              return false;
            }
          }, 'must be an IANA time zone such as America/Los_Angeles')
          .optional(),
        /** A copy of services/notifications/templates to use instead of the bundled messages. */
        templatesDir: z.string().trim().min(1).optional(),
        /** Without an SMTP host, mail and texts are written as files here (the demo). */
        dropDir: z.string().trim().min(1).default('data/outbox-mail'),
        smtp: z
          .object({
            host: z.string().trim().min(1).optional(),
            port: port.default(587),
            secure: booleanLike.default(false),
            requireTls: booleanLike.default(false),
            user: z.string().optional(),
            password: z.string().optional(),
            /** PEM file of the CA (or the server's own certificate) to trust instead of the system's roots. */
            caFile: z.string().trim().min(1).optional(),
            timeoutMs: z.coerce.number().int().min(100).max(300_000).default(30_000),
          })
          .strict()
          .prefault({}),
        sms: z
          .object({
            url: z.url({ error: 'must be an http:// or https:// URL', protocol: /^https?$/ }).optional(),
            from: z.string().trim().min(1).optional(),
            user: z.string().optional(),
            password: z.string().optional(),
            timeoutMs: z.coerce.number().int().min(100).max(300_000).default(15_000),
          })
          .strict()
          .refine((sms) => !sms.url || sms.from, {
            error: 'needs a sender number (from) when a provider URL is set',
            path: ['from'],
          })
          .prefault({}),
      })
      .strict()
      .prefault({}),
    kiosk: z
      .object({
        /** `id:token,id:token`; unset = the demo device `kiosk-1` with a token kept in the database. */
        devices: z
          .string()
          .trim()
          .regex(
            /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}:[A-Za-z0-9_-]{24,256}(,[A-Za-z0-9][A-Za-z0-9_-]{0,63}:[A-Za-z0-9_-]{24,256})*$/,
            'must be id:token pairs separated by commas (tokens of 24 to 256 letters, digits, - or _)',
          )
          .optional(),
        /** Key of pickup PINs, QR tokens and kiosk photo URLs; unset = a random one kept in the database. */
        secret: z.string().min(32, 'must be at least 32 characters (e.g. 64 random hex digits)').optional(),
        doorUnlockMs: z.coerce.number().int().min(1000).max(60_000).default(10_000),
        pickupTokenDays: z.coerce.number().int().min(1).max(90).default(14),
      })
      .strict()
      .prefault({}),
    pipeline: z
      .object({
        /** Watch the simulated cameras with the room pipeline (the ledger and the kiosk run either way). */
        enabled: booleanLike.default(true),
        detectorModel: z.string().trim().min(1).optional(),
        /** How long the start waits for every camera's first look before checking the room state. */
        stockTimeoutMs: z.coerce
          .number({ error: 'must be a number of milliseconds from 1000 to 600000' })
          .int('must be a number of milliseconds from 1000 to 600000')
          .min(1000, 'must be a number of milliseconds from 1000 to 600000')
          .max(600_000, 'must be a number of milliseconds from 1000 to 600000')
          .default(15_000),
      })
      .strict()
      .prefault({}),
    shutdownTimeoutMs: z.coerce.number().int().min(100).max(600000).default(10000),
  })
  .strict();

export type ServiceConfig = z.infer<typeof serviceConfigSchema>;
export type ServiceConfigInput = z.input<typeof serviceConfigSchema>;

/**
 * Environment variables and the config path each one sets. Keeping the table in one place
 * lets an error name the variable the user actually typed.
 */
export const environmentSettings = [
  { env: 'PARCELROOM_HTTP_HOST', path: ['http', 'host'], doc: 'Address the HTTP server binds to' },
  { env: 'PORT', path: ['http', 'port'], doc: 'HTTP port (0 picks a free one)' },
  { env: 'PARCELROOM_HTTP_PORT', path: ['http', 'port'], doc: 'HTTP port; wins over PORT' },
  { env: 'PARCELROOM_HTTP_BODY_LIMIT_KB', path: ['http', 'bodyLimitKb'], doc: 'Largest accepted JSON body' },
  {
    env: 'PARCELROOM_HTTP_TRUST_PROXY',
    path: ['http', 'trustProxy'],
    doc: 'Proxies whose X-Forwarded-Proto is believed: false, true or addresses',
  },
  { env: 'DATABASE_URL', path: ['database', 'url'], doc: 'PostgreSQL server; unset = embedded PGlite' },
  { env: 'PARCELROOM_DATA_DIR', path: ['database', 'dataDir'], doc: 'Folder of the embedded database' },
  {
    env: 'PARCELROOM_DB_POOL_SIZE',
    path: ['database', 'poolSize'],
    doc: 'Connections to a PostgreSQL server',
  },
  { env: 'PARCELROOM_LAYOUT', path: ['room', 'layoutFile'], doc: 'Room layout file (YAML or JSON)' },
  { env: 'LOG_LEVEL', path: ['log', 'level'], doc: 'pino log level' },
  {
    env: 'PARCELROOM_LOG_PRETTY',
    path: ['log', 'pretty'],
    doc: 'Human-readable logs (true) or JSON lines (false); unset: human-readable when stdout is a terminal',
  },
  { env: 'PARCELROOM_DEMO_SEED', path: ['demo', 'seed'], doc: 'Seed demo residents, couriers, staff' },
  {
    env: 'PARCELROOM_SIMULATOR',
    path: ['simulator', 'enabled'],
    doc: 'Serve the simulated room cameras (the demo)',
  },
  { env: 'PARCELROOM_SIMULATOR_HOST', path: ['simulator', 'host'], doc: 'Address the simulator binds to' },
  {
    env: 'PARCELROOM_SIMULATOR_PORT',
    path: ['simulator', 'port'],
    doc: 'Simulator port (0 picks a free one)',
  },
  { env: 'PARCELROOM_SIMULATOR_FPS', path: ['simulator', 'fps'], doc: 'Simulated cameras frame rate' },
  {
    env: 'PARCELROOM_SIMULATOR_SCENARIO',
    path: ['simulator', 'scenario'],
    doc: 'Bundled scenario name or scenario file the demo loops',
  },
  {
    env: 'PARCELROOM_HW_ENDPOINT',
    path: ['hwController', 'endpoint'],
    doc: 'hw-controller daemon endpoint; unset = a sim daemon next to the simulator',
  },
  {
    env: 'PARCELROOM_HW_HEARTBEAT_MS',
    path: ['hwController', 'heartbeatMs'],
    doc: 'Heartbeat to the daemon',
  },
  {
    env: 'PARCELROOM_BUILDING_STREET',
    path: ['labels', 'buildingStreet'],
    doc: 'Street line of the building',
  },
  { env: 'PARCELROOM_BUILDING_CITY', path: ['labels', 'buildingCity'], doc: 'City of the building' },
  { env: 'PARCELROOM_BUILDING_STATE', path: ['labels', 'buildingState'], doc: 'State of the building' },
  { env: 'PARCELROOM_BUILDING_ZIP', path: ['labels', 'buildingZip'], doc: 'ZIP code of the building' },
  {
    env: 'PARCELROOM_OCR_ENGINE',
    path: ['labels', 'ocrEngine'],
    doc: 'Label OCR: tesseract.js, tesseract-native or pp-ocrv4',
  },
  {
    env: 'PARCELROOM_OCR_LINE_ENGINE',
    path: ['labels', 'ocrLineEngine'],
    doc: 'Second look at tracking-number lines: tesseract.js, tesseract-native, pp-ocrv4 or none',
  },
  { env: 'PARCELROOM_OCR_WORKERS', path: ['labels', 'ocrWorkers'], doc: 'OCR workers kept warm' },
  { env: 'PARCELROOM_KIOSK_DEVICES', path: ['kiosk', 'devices'], doc: 'Kiosk devices as id:token,id:token' },
  {
    env: 'PARCELROOM_KIOSK_SECRET',
    path: ['kiosk', 'secret'],
    doc: 'Key of pickup PINs, QR tokens and kiosk photo URLs',
  },
  { env: 'PARCELROOM_KIOSK_DOOR_MS', path: ['kiosk', 'doorUnlockMs'], doc: 'Door open time after a login' },
  {
    env: 'PARCELROOM_PICKUP_TOKEN_DAYS',
    path: ['kiosk', 'pickupTokenDays'],
    doc: 'Days a pickup QR code works',
  },
  {
    env: 'PARCELROOM_PIPELINE',
    path: ['pipeline', 'enabled'],
    doc: 'Watch the simulated cameras with the room pipeline',
  },
  {
    env: 'PARCELROOM_DETECTOR_MODEL',
    path: ['pipeline', 'detectorModel'],
    doc: 'Package detector ONNX file',
  },
  {
    env: 'PARCELROOM_STOCK_TIMEOUT_MS',
    path: ['pipeline', 'stockTimeoutMs'],
    doc: 'Wait at start for the cameras’ first look before checking the room state',
  },
  { env: 'PARCELROOM_NOTIFICATIONS', path: ['notifications', 'enabled'], doc: 'Run the notification worker' },
  { env: 'PARCELROOM_MAIL_FROM', path: ['notifications', 'fromAddress'], doc: 'From address of emails' },
  {
    env: 'PARCELROOM_PUBLIC_URL',
    path: ['notifications', 'publicBaseUrl'],
    doc: 'Base URL links in messages use',
  },
  { env: 'PARCELROOM_LINK_SECRET', path: ['notifications', 'linkSecret'], doc: 'HMAC key of photo links' },
  {
    env: 'PARCELROOM_PHOTO_LINK_DAYS',
    path: ['notifications', 'photoLinkDays'],
    doc: 'Days a photo link works',
  },
  { env: 'PARCELROOM_REMINDER_DAYS', path: ['notifications', 'reminderDays'], doc: 'Days between reminders' },
  { env: 'PARCELROOM_MAX_REMINDERS', path: ['notifications', 'maxReminders'], doc: 'Reminders per package' },
  {
    env: 'PARCELROOM_NOTIFY_POLL_MS',
    path: ['notifications', 'pollIntervalMs'],
    doc: 'How often the worker looks at the outbox',
  },
  {
    env: 'PARCELROOM_NOTIFY_MAX_ATTEMPTS',
    path: ['notifications', 'maxAttempts'],
    doc: 'Attempts before parking',
  },
  {
    env: 'PARCELROOM_NOTIFY_RETRY_BASE_MS',
    path: ['notifications', 'retryBaseMs'],
    doc: 'First retry delay',
  },
  {
    env: 'PARCELROOM_NOTIFY_RETRY_MAX_MS',
    path: ['notifications', 'retryMaxMs'],
    doc: 'Longest retry delay',
  },
  {
    env: 'PARCELROOM_NOTIFY_LEASE_MS',
    path: ['notifications', 'leaseMs'],
    doc: 'How long a worker holds a message',
  },
  {
    env: 'PARCELROOM_NOTIFY_TIME_ZONE',
    path: ['notifications', 'timeZone'],
    doc: 'Time zone of times in messages',
  },
  {
    env: 'PARCELROOM_TEMPLATES_DIR',
    path: ['notifications', 'templatesDir'],
    doc: 'Folder of message templates',
  },
  {
    env: 'PARCELROOM_MAIL_DROP_DIR',
    path: ['notifications', 'dropDir'],
    doc: 'Folder for mail when no SMTP',
  },
  {
    env: 'PARCELROOM_SMTP_HOST',
    path: ['notifications', 'smtp', 'host'],
    doc: 'SMTP server; unset = mail drop',
  },
  { env: 'PARCELROOM_SMTP_PORT', path: ['notifications', 'smtp', 'port'], doc: 'SMTP port' },
  { env: 'PARCELROOM_SMTP_SECURE', path: ['notifications', 'smtp', 'secure'], doc: 'SMTP over implicit TLS' },
  {
    env: 'PARCELROOM_SMTP_REQUIRE_TLS',
    path: ['notifications', 'smtp', 'requireTls'],
    doc: 'Refuse SMTP without STARTTLS',
  },
  { env: 'PARCELROOM_SMTP_USER', path: ['notifications', 'smtp', 'user'], doc: 'SMTP login' },
  { env: 'PARCELROOM_SMTP_PASSWORD', path: ['notifications', 'smtp', 'password'], doc: 'SMTP password' },
  {
    env: 'PARCELROOM_SMTP_CA_FILE',
    path: ['notifications', 'smtp', 'caFile'],
    doc: 'PEM file of the CA the SMTP server’s certificate must chain to',
  },
  { env: 'PARCELROOM_SMS_URL', path: ['notifications', 'sms', 'url'], doc: 'SMS provider URL; unset = drop' },
  { env: 'PARCELROOM_SMS_FROM', path: ['notifications', 'sms', 'from'], doc: 'SMS sender number' },
  { env: 'PARCELROOM_SMS_USER', path: ['notifications', 'sms', 'user'], doc: 'SMS provider account' },
  { env: 'PARCELROOM_SMS_PASSWORD', path: ['notifications', 'sms', 'password'], doc: 'SMS provider token' },
  { env: 'PARCELROOM_SHUTDOWN_TIMEOUT_MS', path: ['shutdownTimeoutMs'], doc: 'Grace period on SIGTERM' },
] as const;
