/**
 * A room ledger service in a process of its own, for the kill test: JSON lines on stdin (a kiosk
 * command or an observation, each with an id), one acknowledgement line on stdout per input once
 * it is committed. The message id is the ledger input id, so a message sent again after a
 * restart applies once.
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { parseLedgerCommand } from '../../../services/ledger/index.ts';
import { RoomLedgerService } from '../../../services/ledger-service/index.ts';
import { createStore, openDatabase } from '../../../services/store/index.ts';

const message = z.union([
  z.object({ id: z.string().min(1), submit: z.unknown() }).strict(),
  z
    .object({
      id: z.string().min(1),
      observe: z.object({ kind: z.enum(['appeared', 'vanished']), slotId: z.string() }).strict(),
    })
    .strict(),
]);

const db = await openDatabase({ url: process.env.LEDGER_DATABASE_URL, dataDir: '', poolSize: 2 });
const store = createStore(db);
const service = await RoomLedgerService.start({
  roomId: process.env.LEDGER_ROOM_ID!,
  repository: store.ledger,
  ledger: { severalMovedWindowMs: 0 },
});
const print = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
const { state } = service;
print({
  ready: true,
  placed: Object.fromEntries(Object.values(state.packages).map((p) => [p.id, p.slotId])),
  awaiting: state.awaiting,
});

createInterface({ input: process.stdin }).on('line', (line) => {
  let parsed: z.infer<typeof message>;
  try {
    parsed = message.parse(JSON.parse(line));
  } catch (error) {
    print({ ack: null, ok: false, error: (error as Error).message });
    return;
  }
  const { id } = parsed;
  const work =
    'submit' in parsed
      ? service.submit(parseLedgerCommand(parsed.submit), id)
      : service.observe(
          {
            ...parsed.observe,
            slots: [parsed.observe.slotId],
            cameraId: 'cam-1',
            box: { x: 1, y: 1, width: 10, height: 10 },
            confidence: 0.9,
            timeMs: 0,
            alsoSeenBy: [],
          },
          id,
        );
  work.then(
    (step) => print({ ack: id, ok: true, decisions: step.decisions.map((d) => d.type) }),
    (error: Error) => print({ ack: id, ok: false, error: error.message }),
  );
});

process.once('SIGTERM', () => {
  void service.stop().then(async () => {
    await db.close();
    process.exit(0);
  });
});
