import type {
  PackageView,
  ResidentChoice,
  RoomMap,
  ServerMessage,
  SessionView,
} from '../../kiosk/kiosk-protocol.ts';
import { h } from './element-builder.ts';
import { listenForScans } from './keyboard-wedge.ts';
import { KioskConnection, KioskRequestError, type Outgoing } from './kiosk-connection.ts';
import { captureFrame, fileToJpegBase64, startCamera, stopCamera } from './label-capture.ts';
import { roomMapView } from './room-map.ts';
import { hush, speak } from './spoken-prompts.ts';

type LabelReading = Extract<ServerMessage, { type: 'label_reading' }>;
type Placed = Extract<ServerMessage, { type: 'placed' }>;
type PickupStarted = Extract<ServerMessage, { type: 'pickup_started' }>;
type WrongPackage = Extract<ServerMessage, { type: 'wrong_package' }>;

/** What the kiosk shows: one screen at a time, each a plain value so a reload can rebuild it. */
type Screen =
  | { name: 'idle' }
  | { name: 'courier-pin' }
  | { name: 'resident-pin' }
  | { name: 'capture' }
  | { name: 'typing-tracking' }
  | { name: 'reading' }
  | { name: 'recipient'; reading: LabelReading; search?: ResidentChoice[] | undefined }
  | { name: 'awaiting' }
  | { name: 'placed'; placed: Placed }
  | { name: 'delivery-done'; stillAwaiting: number }
  | {
      name: 'pickup';
      packages: PackageView[];
      map: RoomMap | undefined;
      pickedUpIds: string[];
      pointingSlotId: string | null;
    }
  | { name: 'wrong-package'; message: WrongPackage; back: Extract<Screen, { name: 'pickup' }> }
  | {
      name: 'pickup-done';
      outcome: 'picked_up' | 'partly_picked_up' | 'nothing_picked_up';
      leftBehind: number;
    };

const idleAfterDoneMs = 8_000;
const idleAfterInactivityMs = 90_000;

let screen: Screen = { name: 'idle' };
let session: SessionView = { mode: 'idle' };
let notice: { text: string; kind: 'error' | 'info' } | undefined;
let busy = false;
let camera: MediaStream | undefined;
let doorTimer: ReturnType<typeof setTimeout> | undefined;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
let pinDigits = '';
// The pickup PIN's length and the groups the message prints it in (services/kiosk pickupPinDigits).
const pickupPinDigits = 10;
const pickupPinGroups = [3, 3, 4] as const;

const connection = new KioskConnection({
  onWelcome(current) {
    session = current;
    // A reloaded page or a dropped socket: carry on with the session the server still holds.
    if (current.mode === 'idle') {
      if (!['idle', 'courier-pin', 'resident-pin', 'delivery-done', 'pickup-done'].includes(screen.name))
        show({ name: 'idle' });
      else render();
    } else if (current.mode === 'courier') {
      if (!isCourierScreen(screen))
        show(current.awaitingPackageIds.length ? { name: 'awaiting' } : { name: 'capture' });
      else render();
    } else {
      if (screen.name !== 'pickup' && screen.name !== 'wrong-package')
        show({
          name: 'pickup',
          packages: current.packages,
          map: current.map,
          pickedUpIds: current.pickedUpIds,
          pointingSlotId: null,
        });
      else render();
    }
  },
  onPush: handlePush,
  onStatus(status, detail) {
    const banner = document.getElementById('connection')!;
    banner.hidden = status === 'online';
    // A new connection hears the records' state again after its welcome.
    if (status === 'connecting') showRecordsStatus('ok', null);
    banner.textContent =
      status === 'connecting'
        ? 'Connecting to the package room…'
        : (detail ?? 'Connection lost. Reconnecting…');
    document.body.dataset.connection = status;
  },
});

function isCourierScreen(s: Screen): boolean {
  return ['capture', 'typing-tracking', 'reading', 'recipient', 'awaiting', 'placed'].includes(s.name);
}

function show(next: Screen, keepNotice = false): void {
  if (screen.name === 'capture' && next.name !== 'capture') {
    stopCamera(camera);
    camera = undefined;
  }
  screen = next;
  if (!keepNotice) notice = undefined;
  if (next.name === 'courier-pin' || next.name === 'resident-pin') pinDigits = '';
  // The last visitor's words must not greet the next one.
  if (next.name === 'idle' || next.name === 'courier-pin' || next.name === 'resident-pin') hush();
  render();
  clearTimeout(idleTimer);
  if (next.name === 'delivery-done' || next.name === 'pickup-done')
    idleTimer = setTimeout(() => show({ name: 'idle' }), idleAfterDoneMs);
  else if (next.name === 'courier-pin' || next.name === 'resident-pin')
    idleTimer = setTimeout(() => show({ name: 'idle' }), idleAfterInactivityMs);
}

function fail(error: unknown): void {
  let text = error instanceof Error ? error.message : String(error);
  if (error instanceof KioskRequestError) {
    // The server's message already says how long to wait ("wait 40 s"); only the free tries are added.
    const { attemptsLeft, retryAfterMs } = error.reply;
    if (attemptsLeft !== undefined && attemptsLeft > 0 && retryAfterMs === undefined)
      text += ` (${attemptsLeft} more ${attemptsLeft === 1 ? 'try' : 'tries'} before the kiosk makes you wait)`;
  }
  notice = { text, kind: 'error' };
  render();
}

async function send(message: Outgoing, timeoutMs?: number): Promise<ServerMessage | undefined> {
  if (busy) return undefined;
  busy = true;
  render();
  try {
    return await connection.request(message, timeoutMs);
  } catch (error) {
    fail(error);
    return undefined;
  } finally {
    busy = false;
    render();
  }
}

// ------------------------------------------------------------------ actions

async function courierLogin(credentials: { pin: string } | { rfid: string }): Promise<void> {
  const reply = await send({ type: 'courier_login', ...credentials });
  pinDigits = '';
  if (reply?.type === 'session') {
    session = reply.session;
    show({ name: 'capture' });
  } else render();
}

async function residentLogin(credentials: { pin: string } | { qrToken: string }): Promise<void> {
  const reply = await send({ type: 'resident_login', ...credentials });
  pinDigits = '';
  if (reply?.type === 'pickup_started') startPickup(reply);
  else render();
}

function startPickup(reply: PickupStarted): void {
  show({ name: 'pickup', packages: reply.packages, map: reply.map, pickedUpIds: [], pointingSlotId: null });
}

async function sendLabel(jpegBase64: string): Promise<void> {
  show({ name: 'reading' });
  const reply = await send({ type: 'label_image', jpegBase64 }, 30_000);
  if (reply?.type === 'label_reading') show({ name: 'recipient', reading: reply });
  else show({ name: 'capture' }, true);
}

async function sendTracking(trackingNumber: string): Promise<void> {
  const reply = await send({ type: 'tracking_typed', trackingNumber });
  if (reply?.type === 'label_reading') show({ name: 'recipient', reading: reply });
}

async function confirmRecipient(reading: LabelReading, residentId: string | null): Promise<void> {
  const reply = await send({ type: 'recipient_confirm', readingId: reading.readingId, residentId });
  if (reply?.type === 'awaiting_placement') {
    if (session.mode === 'courier') session = { ...session, awaitingPackageIds: reply.awaitingPackageIds };
    show({ name: 'awaiting' });
  }
}

async function searchResidents(reading: LabelReading, query: string): Promise<void> {
  if (!query.trim()) return;
  const reply = await send({ type: 'resident_search', query: query.trim() });
  if (reply?.type === 'resident_list') show({ name: 'recipient', reading, search: reply.residents });
}

async function endSession(): Promise<void> {
  const wasCourier = session.mode === 'courier';
  const awaiting = session.mode === 'courier' ? session.awaitingPackageIds.length : 0;
  const reply = await send({ type: 'session_end' });
  if (reply?.type === 'session') {
    session = reply.session;
    show(wasCourier ? { name: 'delivery-done', stillAwaiting: awaiting } : { name: 'idle' });
  }
}

function handleScan(text: string): void {
  const value = text.trim();
  const isQr = value.startsWith('pr1.');
  switch (screen.name) {
    case 'idle':
    case 'courier-pin':
      if (isQr) void residentLogin({ qrToken: value });
      else void courierLogin({ rfid: value });
      break;
    case 'resident-pin':
      if (isQr) void residentLogin({ qrToken: value });
      else if (value.length === pickupPinDigits && /^\d+$/.test(value)) void residentLogin({ pin: value });
      break;
    case 'capture':
    case 'typing-tracking':
    case 'awaiting':
    case 'placed':
      // A handheld barcode scanner on a courier screen reads the tracking number.
      void sendTracking(value);
      break;
    default:
      break;
  }
}

function showRecordsStatus(database: 'ok' | 'unavailable', text: string | null): void {
  const banner = document.getElementById('records')!;
  banner.hidden = database === 'ok';
  banner.textContent = text ?? '';
  document.body.dataset.records = database;
}

function handlePush(message: ServerMessage): void {
  switch (message.type) {
    case 'service_status':
      showRecordsStatus(message.database, message.message);
      break;
    case 'speech':
      speak(message.text);
      break;
    case 'door': {
      const banner = document.getElementById('door')!;
      clearTimeout(doorTimer);
      banner.hidden = !message.unlocked;
      banner.textContent = 'Door unlocked: come in';
      if (message.unlocked) doorTimer = setTimeout(() => (banner.hidden = true), message.durationMs);
      break;
    }
    case 'session':
      session = message.session;
      if (message.session.mode === 'idle') {
        if (isCourierScreen(screen)) show({ name: 'delivery-done', stillAwaiting: 0 });
        else if (screen.name === 'pickup' || screen.name === 'wrong-package')
          show({ name: 'pickup-done', outcome: 'nothing_picked_up', leftBehind: 0 });
      }
      break;
    case 'placed':
      if (session.mode === 'courier')
        session = {
          ...session,
          awaitingPackageIds: message.awaitingPackageIds,
          placed: [
            ...session.placed.filter((p) => p.packageId !== message.package.packageId),
            message.package,
          ],
        };
      // Do not pull a courier away from a label they are dealing with.
      if (['awaiting', 'placed', 'capture'].includes(screen.name)) show({ name: 'placed', placed: message });
      else {
        notice = { text: `Your package is on ${message.package.slotId ?? 'a shelf'}.`, kind: 'info' };
        render();
      }
      break;
    case 'unregistered_object':
      notice = {
        text: `Something was put on ${message.words ?? message.slotId} that was not registered. Please register it first.`,
        kind: 'error',
      };
      render();
      break;
    case 'delivery_ended':
      if (isCourierScreen(screen))
        show({ name: 'delivery-done', stillAwaiting: message.awaitingPackageIds.length });
      break;
    case 'locator':
      if (screen.name === 'pickup')
        show({ ...screen, pointingSlotId: message.state === 'pointing' ? message.slotId : null }, true);
      break;
    case 'picked_up':
      if (screen.name === 'pickup' || screen.name === 'wrong-package') {
        const pickup = screen.name === 'pickup' ? screen : screen.back;
        show({ ...pickup, pickedUpIds: [...pickup.pickedUpIds, message.packageId] });
      }
      break;
    case 'wrong_package':
      if (screen.name === 'pickup') show({ name: 'wrong-package', message, back: screen });
      break;
    case 'pickup_ended':
      show({ name: 'pickup-done', outcome: message.outcome, leftBehind: message.leftBehindIds.length });
      break;
    default:
      break;
  }
}

// ------------------------------------------------------------------ screens

function render(): void {
  document.body.dataset.screen = screen.name;
  document.body.classList.toggle('busy', busy);
  const main = document.getElementById('screen')!;
  const view = screenView();
  const alert = notice
    ? h('p', {
        class: `notice ${notice.kind}`,
        testid: 'notice',
        attrs: { role: 'alert' },
        text: notice.text,
      })
    : null;
  // The camera preview survives re-renders: replacing it would restart the camera.
  const video = main.querySelector('video');
  main.replaceChildren(...(alert ? [alert, view] : [view]));
  const slot = main.querySelector('[data-video-slot]');
  if (slot && video) slot.replaceWith(video);
}

function screenView(): HTMLElement {
  switch (screen.name) {
    case 'idle':
      return idleView();
    case 'courier-pin':
      return pinView('Courier login', 'Enter your courier PIN or hold your badge to the reader.', 10, (pin) =>
        courierLogin({ pin }),
      );
    case 'resident-pin':
      return pinView(
        'Pick up a package',
        `Enter the ${pickupPinDigits}-digit PIN from your message, or scan its QR code.`,
        pickupPinDigits,
        (pin) => residentLogin({ pin }),
        pickupPinGroups,
      );
    case 'capture':
      return captureView();
    case 'typing-tracking':
      return typingView();
    case 'reading':
      return section(
        'reading',
        h('h1', { text: 'Reading the label…' }),
        h('div', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }),
      );
    case 'recipient':
      return recipientView(screen.reading, screen.search);
    case 'awaiting':
      return awaitingView();
    case 'placed':
      return placedView(screen.placed);
    case 'delivery-done':
      return section(
        'delivery-done',
        h('h1', { text: 'Thank you!' }),
        h('p', {
          class: 'lead',
          text:
            screen.stillAwaiting > 0
              ? `${screen.stillAwaiting} package${screen.stillAwaiting === 1 ? ' was' : 's were'} not seen on a shelf. The building staff will check.`
              : 'Every package is on a shelf and its recipient is being told.',
        }),
        bigButton('Done', () => show({ name: 'idle' }), 'primary', 'done'),
      );
    case 'pickup':
      return pickupView(screen);
    case 'wrong-package':
      return wrongPackageView(screen.message, screen.back);
    case 'pickup-done':
      return section(
        'pickup-done',
        h('h1', {
          text: screen.outcome === 'nothing_picked_up' ? 'Nothing was taken' : 'Enjoy your package!',
        }),
        h('p', {
          class: 'lead',
          text:
            screen.outcome === 'picked_up'
              ? 'Your pickup is recorded. Please close the door behind you.'
              : screen.outcome === 'partly_picked_up'
                ? `Recorded. ${screen.leftBehind} package${screen.leftBehind === 1 ? ' is' : 's are'} still waiting for you.`
                : 'Your packages are still on the shelf. Enter your PIN again when you are ready.',
        }),
        bigButton('Done', () => show({ name: 'idle' }), 'primary', 'done'),
      );
  }
}

function section(name: string, ...children: Array<Node | null | false>): HTMLElement {
  return h('section', { class: `screen screen-${name}`, testid: `screen-${name}` }, ...children);
}

function bigButton(
  label: string,
  onclick: () => void,
  kind: 'primary' | 'secondary' | 'quiet' = 'secondary',
  testid?: string,
): HTMLButtonElement {
  const button = h('button', {
    class: `big ${kind}`,
    text: label,
    onclick: () => onclick(),
    ...(testid ? { testid } : {}),
  });
  button.disabled = busy;
  return button;
}

function idleView(): HTMLElement {
  return section(
    'idle',
    h('h1', { text: 'Package room' }),
    h('p', { class: 'lead', text: 'Scan the QR code from your message, or choose:' }),
    h(
      'div',
      { class: 'choices' },
      bigButton('Pick up a package', () => show({ name: 'resident-pin' }), 'primary', 'start-pickup'),
      bigButton('Courier delivery', () => show({ name: 'courier-pin' }), 'secondary', 'start-delivery'),
    ),
    h('p', { class: 'hint', text: 'Couriers: hold your badge to the reader at any time.' }),
  );
}

/**
 * `groups` (a fixed-length PIN, the resident's): the dots are shown in those groups, which are easier
 * to type and check than ten digits in a row, and the PIN is sent at its last digit, with no OK.
 */
function pinView(
  title: string,
  hint: string,
  maxDigits: number,
  submit: (pin: string) => void,
  groups?: readonly number[],
): HTMLElement {
  const press = (key: string) => {
    if (busy) return;
    notice = undefined;
    if (key === '⌫') pinDigits = pinDigits.slice(0, -1);
    else if (pinDigits.length < maxDigits) pinDigits += key;
    if (groups && pinDigits.length === maxDigits) submit(pinDigits);
    else render();
  };
  const dot = (i: number) => h('span', { class: i < pinDigits.length ? 'dot filled' : 'dot' });
  const dots = groups
    ? groups.map((size, g) => {
        const start = groups.slice(0, g).reduce((a, b) => a + b, 0);
        return h('span', { class: 'group' }, ...Array.from({ length: size }, (_, i) => dot(start + i)));
      })
    : Array.from({ length: Math.max(4, pinDigits.length) }, (_, i) => dot(i));
  const pad = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '⌫', '0', 'OK'].map((key) =>
    h('button', {
      class: key === 'OK' ? 'key ok' : 'key',
      text: key,
      testid: key === 'OK' ? 'pin-ok' : key === '⌫' ? 'pin-back' : `pin-${key}`,
      attrs: { 'aria-label': key === '⌫' ? 'delete' : key },
      onclick: () => (key === 'OK' ? pinDigits.length >= 4 && submit(pinDigits) : press(key)),
    }),
  );
  for (const key of pad) key.disabled = busy;
  return section(
    screen.name,
    h('h1', { text: title }),
    h('p', { class: 'lead', text: hint }),
    h(
      'div',
      {
        class: 'pin-display',
        testid: 'pin-display',
        attrs: { 'aria-label': `${pinDigits.length} digits entered` },
      },
      ...dots,
    ),
    h('div', { class: 'pin-pad' }, ...pad),
    bigButton('Cancel', () => show({ name: 'idle' }), 'quiet', 'cancel'),
  );
}

function captureView(): HTMLElement {
  const courier = session.mode === 'courier' ? session.courier : undefined;
  const placed = session.mode === 'courier' ? session.placed.length : 0;
  const fileInput = h('input', {
    testid: 'label-file',
    attrs: { type: 'file', accept: 'image/*', capture: 'environment' },
  });
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    fileToJpegBase64(file).then(sendLabel, fail);
  });
  const chooseFile = bigButton('Choose a photo', () => fileInput.click(), 'secondary', 'choose-photo');
  let preview: Node;
  if (camera) preview = h('div', { attrs: { 'data-video-slot': '' } });
  else {
    const video = h('video', { class: 'camera', attrs: { autoplay: '', muted: '', playsinline: '' } });
    video.muted = true;
    preview = video;
    void startCamera(video).then((stream) => {
      if (screen.name !== 'capture') return stopCamera(stream);
      camera = stream;
      if (!stream)
        video.replaceWith(
          h('p', { class: 'no-camera', text: 'No camera: choose a photo or type the number.' }),
        );
    });
  }
  return section(
    'capture',
    h('h1', { text: courier ? `Hello ${courier.name.split(' ')[0]}: show the label` : 'Show the label' }),
    h('p', { class: 'lead', text: 'Hold the label up to the camera, then Take photo.' }),
    h(
      'div',
      { class: 'capture-row' },
      h('div', { class: 'camera-frame' }, preview),
      h(
        'div',
        { class: 'capture-actions' },
        bigButton(
          'Take photo',
          () => {
            const video = document.querySelector<HTMLVideoElement>('video.camera');
            if (!video) return fail(new Error('No camera: choose a photo or type the number.'));
            captureFrame(video).then(sendLabel, fail);
          },
          'primary',
          'take-photo',
        ),
        chooseFile,
        bigButton('Type the number', () => show({ name: 'typing-tracking' }), 'secondary', 'type-tracking'),
        bigButton(
          placed > 0 ? `Finish (${placed} placed)` : 'Finish',
          () => void endSession(),
          'quiet',
          'finish',
        ),
      ),
    ),
    fileInput,
  );
}

function typingView(): HTMLElement {
  const input = h('input', {
    class: 'text-entry',
    testid: 'tracking-input',
    attrs: {
      type: 'text',
      inputmode: 'text',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-label': 'Tracking number',
    },
  });
  const submit = () => input.value.trim().length >= 6 && void sendTracking(input.value);
  input.addEventListener('keydown', (event) => event.key === 'Enter' && submit());
  setTimeout(() => input.focus(), 0);
  return section(
    'typing-tracking',
    h('h1', { text: 'Type the tracking number' }),
    input,
    h(
      'div',
      { class: 'choices' },
      bigButton('Continue', submit, 'primary', 'tracking-submit'),
      bigButton('Back', () => show({ name: 'capture' }), 'quiet', 'back'),
    ),
  );
}

function choiceButton(choice: ResidentChoice, reading: LabelReading, best: boolean): HTMLButtonElement {
  const button = h(
    'button',
    {
      class: best ? 'big candidate best' : 'big candidate',
      testid: 'candidate',
      attrs: { 'data-resident-id': choice.residentId },
      onclick: () => void confirmRecipient(reading, choice.residentId),
    },
    h('span', { class: 'name', text: `${choice.firstName} ${choice.lastName}` }),
    h('span', { class: 'apartment', text: `Apt ${choice.apartment}` }),
  );
  button.disabled = busy;
  return button;
}

function recipientView(reading: LabelReading, search: ResidentChoice[] | undefined): HTMLElement {
  const query = h('input', {
    class: 'text-entry',
    testid: 'resident-search',
    attrs: {
      type: 'search',
      placeholder: 'Name or apartment',
      autocomplete: 'off',
      'aria-label': 'Search residents',
    },
  });
  query.addEventListener(
    'keydown',
    (event) => event.key === 'Enter' && void searchResidents(reading, query.value),
  );
  const heading =
    reading.status === 'confident'
      ? 'Is this for…'
      : reading.status === 'uncertain'
        ? 'Who is it for?'
        : 'Nobody found: search the name';
  const candidates = search ?? reading.candidates;
  return section(
    'recipient',
    h('h1', { text: heading }),
    h(
      'dl',
      { class: 'reading', testid: 'reading' },
      h('dt', { text: 'Tracking' }),
      h('dd', { testid: 'tracking-number', text: reading.trackingNumber ?? 'not read' }),
      h('dt', { text: 'Carrier' }),
      h('dd', { text: reading.carrier?.toUpperCase() ?? '—' }),
      h('dt', { text: 'Label says' }),
      h('dd', { text: reading.recipientText ?? 'not read' }),
    ),
    h(
      'div',
      { class: 'candidates' },
      ...candidates.map((c, i) =>
        choiceButton(c, reading, !search && i === 0 && reading.status === 'confident'),
      ),
    ),
    search && search.length === 0 ? h('p', { class: 'hint', text: 'No resident matches that.' }) : null,
    h(
      'div',
      { class: 'search-row' },
      query,
      bigButton('Search', () => void searchResidents(reading, query.value), 'secondary', 'search'),
    ),
    h(
      'div',
      { class: 'choices' },
      bigButton('Nobody here fits', () => void confirmRecipient(reading, null), 'quiet', 'no-recipient'),
      bigButton('Retake the photo', () => show({ name: 'capture' }), 'quiet', 'retake'),
    ),
  );
}

function awaitingView(): HTMLElement {
  const waiting = session.mode === 'courier' ? session.awaitingPackageIds.length : 1;
  return section(
    'awaiting',
    h('h1', { text: 'Place it on any shelf' }),
    h('p', {
      class: 'lead',
      text: 'Put the package on any free spot, label facing out. The cameras see where it lands.',
    }),
    h('div', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }),
    h('p', {
      class: 'hint',
      testid: 'awaiting-count',
      text: `${waiting} package${waiting === 1 ? '' : 's'} waiting for a shelf`,
    }),
    h(
      'div',
      { class: 'choices' },
      bigButton('Add another package', () => show({ name: 'capture' }), 'secondary', 'add-another'),
      bigButton('Finish', () => void endSession(), 'quiet', 'finish'),
    ),
  );
}

function packageCard(view: PackageView, done = false): HTMLElement {
  return h(
    'article',
    {
      class: done ? 'package done' : 'package',
      testid: 'package',
      attrs: { 'data-package-id': view.packageId },
    },
    view.photoUrl
      ? h('img', { class: 'photo', attrs: { src: view.photoUrl, alt: 'Photo of the package on its shelf' } })
      : null,
    h(
      'div',
      { class: 'where' },
      h('p', { class: 'slot-id', testid: 'slot-id', text: view.slotId ?? '?' }),
      h('p', { class: 'words', text: view.words ?? 'on a shelf' }),
      view.trackingNumber ? h('p', { class: 'tracking', text: view.trackingNumber }) : null,
      done ? h('p', { class: 'taken', text: 'Taken ✓' }) : null,
    ),
  );
}

function placedView(placed: Placed): HTMLElement {
  const waiting = placed.awaitingPackageIds.length;
  return section(
    'placed',
    h('h1', { text: `On the shelf: ${placed.package.slotId ?? '?'}` }),
    placed.uncertain
      ? h('p', { class: 'notice info', text: 'It rests across two spots; the building staff will check.' })
      : null,
    h(
      'div',
      { class: 'placed-row' },
      h(
        'div',
        { class: 'placed-side' },
        packageCard(placed.package),
        waiting > 0
          ? h('p', {
              class: 'hint',
              testid: 'awaiting-count',
              text: `${waiting} more package${waiting === 1 ? '' : 's'} waiting for a shelf`,
            })
          : null,
        h(
          'div',
          { class: 'choices' },
          bigButton('Add another package', () => show({ name: 'capture' }), 'primary', 'add-another'),
          bigButton('Finish', () => void endSession(), 'secondary', 'finish'),
        ),
      ),
      roomMapView(placed.map),
    ),
  );
}

function pickupView(state: Extract<Screen, { name: 'pickup' }>): HTMLElement {
  const remaining = state.packages.filter((p) => !state.pickedUpIds.includes(p.packageId));
  const map = state.map
    ? { ...state.map, highlightSlotIds: remaining.map((p) => p.slotId).filter((s): s is string => !!s) }
    : undefined;
  const first = remaining[0];
  return section(
    'pickup',
    h('h1', {
      text: first ? `Take your package from ${first.slotId ?? 'the shelf'}` : 'All your packages are taken',
    }),
    h('p', {
      class: 'lead',
      testid: 'pickup-words',
      text: first
        ? `${first.words ?? ''}. ${state.pointingSlotId ? 'The red dot shows it.' : ''}`.trim()
        : 'Recording your pickup…',
    }),
    h(
      'div',
      { class: 'placed-row' },
      h(
        'div',
        { class: 'packages' },
        ...state.packages.map((p) => packageCard(p, state.pickedUpIds.includes(p.packageId))),
      ),
      map && remaining.length > 0 ? roomMapView(map, { pointingSlotId: state.pointingSlotId }) : null,
    ),
    h(
      'p',
      { class: 'hint', testid: 'locator-state' },
      state.pointingSlotId ? `Laser pointing at ${state.pointingSlotId}` : 'Look for the flashing light',
    ),
    bigButton('I am done', () => void endSession(), 'quiet', 'finish'),
  );
}

function wrongPackageView(message: WrongPackage, back: Extract<Screen, { name: 'pickup' }>): HTMLElement {
  return section(
    'wrong-package',
    h('h1', { text: 'That is not your package' }),
    h('p', {
      class: 'lead',
      text: `Please put it back on ${message.slotId}. Yours ${message.expectedSlotIds.length === 1 ? 'is' : 'are'} on ${message.expectedSlotIds.join(', ')}.`,
    }),
    h(
      'div',
      { class: 'wrong-row' },
      roomMapView(message.map),
      bigButton('Back to my package', () => show(back), 'primary', 'back'),
    ),
  );
}

listenForScans(handleScan);
// A physical keyboard works the PIN pad too. Keys faster than a person types are a scanner's:
// they are taken back out of the PIN, and the scan listener above handles the whole run.
let lastPadKeyAtMs = 0;
let digitsBeforeRun = '';
document.addEventListener('keydown', (event) => {
  if (screen.name !== 'courier-pin' && screen.name !== 'resident-pin') return;
  const now = performance.now();
  const fast = now - lastPadKeyAtMs < 60;
  lastPadKeyAtMs = now;
  if (fast) {
    if (pinDigits !== digitsBeforeRun) {
      pinDigits = digitsBeforeRun;
      render();
    }
    return;
  }
  digitsBeforeRun = pinDigits;
  const button = /^\d$/.test(event.key)
    ? document.querySelector<HTMLButtonElement>(`[data-testid="pin-${event.key}"]`)
    : event.key === 'Backspace'
      ? document.querySelector<HTMLButtonElement>('[data-testid="pin-back"]')
      : event.key === 'Enter'
        ? document.querySelector<HTMLButtonElement>('[data-testid="pin-ok"]')
        : null;
  button?.click();
});
render();
connection.start();
