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
        pretty: booleanLike.default(false),
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
        scenario: z.string().trim().min(1).default('14-busy-afternoon'),
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
        ocrWorkers: z.coerce
          .number({ error: 'must be a number of OCR workers from 1 to 8' })
          .int('must be a number of OCR workers from 1 to 8')
          .min(1, 'must be a number of OCR workers from 1 to 8')
          .max(8, 'must be a number of OCR workers from 1 to 8')
          .default(2),
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
  { env: 'DATABASE_URL', path: ['database', 'url'], doc: 'PostgreSQL server; unset = embedded PGlite' },
  { env: 'PARCELROOM_DATA_DIR', path: ['database', 'dataDir'], doc: 'Folder of the embedded database' },
  {
    env: 'PARCELROOM_DB_POOL_SIZE',
    path: ['database', 'poolSize'],
    doc: 'Connections to a PostgreSQL server',
  },
  { env: 'PARCELROOM_LAYOUT', path: ['room', 'layoutFile'], doc: 'Room layout file (YAML or JSON)' },
  { env: 'LOG_LEVEL', path: ['log', 'level'], doc: 'pino log level' },
  { env: 'PARCELROOM_LOG_PRETTY', path: ['log', 'pretty'], doc: 'Human-readable logs instead of JSON' },
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
  { env: 'PARCELROOM_OCR_WORKERS', path: ['labels', 'ocrWorkers'], doc: 'OCR workers kept warm' },
  { env: 'PARCELROOM_SHUTDOWN_TIMEOUT_MS', path: ['shutdownTimeoutMs'], doc: 'Grace period on SIGTERM' },
] as const;
