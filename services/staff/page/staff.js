// The staff review page: plain DOM, no framework, no CDN. Text goes in with textContent only.

const state = { user: null, csrf: '', selectedFlagId: null, residents: [], events: null };

const $ = (id) => document.getElementById(id);

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'style') Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = state.csrf;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401 && path !== '/staff/login') showLogin();
    throw new ApiFailure(
      res.status,
      data.error?.code ?? 'error',
      data.error?.message ?? `request failed (${res.status})`,
    );
  }
  return data;
}

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 2500);
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');
const words = (s) => String(s).replaceAll('_', ' ');
const who = (p) =>
  p.recipient
    ? `${p.recipient.firstName} ${p.recipient.lastName} (${p.recipient.apartment})`
    : (p.recipientText ?? 'unknown recipient');

// ---- sign-in -------------------------------------------------------------------------------

function showLogin() {
  state.user = null;
  state.events?.close();
  state.events = null;
  for (const s of document.querySelectorAll('main > section')) s.hidden = true;
  $('tabs').hidden = true;
  $('who').hidden = true;
  $('login-view').hidden = false;
  $('login-username').focus();
}

async function signedIn(session) {
  state.user = session.user;
  state.csrf = session.csrfToken;
  $('login-view').hidden = true;
  $('tabs').hidden = false;
  $('who').hidden = false;
  $('who-name').textContent = `${session.user.displayName} (${session.user.role})`;
  for (const b of document.querySelectorAll('[data-admin]')) b.hidden = session.user.role !== 'admin';
  state.residents = (await api('GET', '/api/staff/residents?activeOnly=true')).residents;
  openTab('flags');
  listen();
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('login-error').textContent = '';
  try {
    const session = await api('POST', '/staff/login', {
      username: $('login-username').value,
      password: $('login-password').value,
    });
    $('login-password').value = '';
    await signedIn(session);
  } catch (error) {
    $('login-error').textContent = error.message;
  }
});

$('logout').addEventListener('click', async () => {
  await api('POST', '/staff/logout').catch(() => undefined);
  showLogin();
});

// ---- tabs ----------------------------------------------------------------------------------

const loaders = {
  flags: loadFlags,
  packages: searchPackages,
  residents: loadResidents,
  room: loadRoom,
  couriers: loadCouriers,
  accounts: loadAccounts,
};

function openTab(name) {
  for (const b of document.querySelectorAll('#tabs button'))
    b.classList.toggle('active', b.dataset.tab === name);
  for (const s of document.querySelectorAll('main > section.tab')) s.hidden = s.id !== `${name}-view`;
  loaders[name]().catch((error) => toast(error.message));
}

for (const b of document.querySelectorAll('#tabs button'))
  b.addEventListener('click', () => openTab(b.dataset.tab));

// ---- flags ---------------------------------------------------------------------------------

function listen() {
  state.events?.close();
  const source = new EventSource('/api/staff/flags/stream');
  state.events = source;
  source.addEventListener('open', () => {
    $('live-state').textContent = 'live';
  });
  source.addEventListener('error', () => {
    $('live-state').textContent = 'reconnecting…';
  });
  source.addEventListener('flags', (event) => {
    const version = JSON.parse(event.data);
    $('open-count').textContent = String(version.openCount);
    if (!$('flags-view').hidden) loadFlags().catch((error) => toast(error.message));
  });
}

async function loadFlags() {
  const { flags, openCount } = await api('GET', '/api/staff/flags?status=open');
  $('open-count').textContent = String(openCount);
  const list = $('flag-list');
  list.replaceChildren(
    ...flags.map((f) =>
      h(
        'li',
        {
          'data-flag-id': f.id,
          'data-kind': f.kind,
          class: f.id === state.selectedFlagId ? 'selected' : '',
          onclick: () => selectFlag(f.id),
        },
        h('div', { class: 'kind' }, words(f.kind)),
        h('div', {}, f.summary),
        h('div', { class: 'muted' }, `${when(f.raisedAt)}${f.slotId ? ` · ${f.slotId}` : ''}`),
      ),
    ),
  );
  if (flags.length === 0) list.append(h('li', { class: 'muted' }, 'No open flags.'));
  if (state.selectedFlagId && !flags.some((f) => f.id === state.selectedFlagId)) {
    state.selectedFlagId = null;
    $('flag-detail').replaceChildren(h('p', { class: 'muted' }, 'Pick a flag on the left.'));
  }
}

function frameWithBoxes(observation) {
  const img = h('img', { src: observation.frameUrl, alt: `camera ${observation.cameraId ?? ''} frame` });
  const frame = h('div', { class: 'frame' }, img);
  img.addEventListener('load', () => {
    const b = observation.box;
    if (!b || !img.naturalWidth) return;
    frame.append(
      h('div', {
        class: 'box',
        style: {
          left: `${(100 * b.x) / img.naturalWidth}%`,
          top: `${(100 * b.y) / img.naturalHeight}%`,
          width: `${(100 * b.width) / img.naturalWidth}%`,
          height: `${(100 * b.height) / img.naturalHeight}%`,
        },
      }),
    );
  });
  return frame;
}

function select(name, options, placeholder) {
  return h(
    'select',
    { name, id: `action-${name}` },
    h('option', { value: '' }, placeholder),
    ...options.map(([value, label]) => h('option', { value }, label)),
  );
}

async function selectFlag(flagId) {
  state.selectedFlagId = flagId;
  for (const li of document.querySelectorAll('#flag-list li'))
    li.classList.toggle('selected', li.dataset.flagId === flagId);
  const detail = $('flag-detail');
  detail.setAttribute('aria-busy', 'true');
  const { flag, timeline, candidates } = await api('GET', `/api/staff/flags/${flagId}`);
  // A newer click wins: an answer for a flag no longer selected is dropped.
  if (state.selectedFlagId !== flagId) return;
  const evidence = h(
    'div',
    { class: 'evidence' },
    ...flag.evidence.observations.map((o) =>
      h(
        'figure',
        {},
        o.frameUrl ? frameWithBoxes(o) : null,
        o.cropUrl ? h('div', { class: 'crop' }, h('img', { src: o.cropUrl, alt: 'crop' })) : null,
        h(
          'figcaption',
          { class: 'muted' },
          `${words(o.kind ?? 'observation')} in ${o.slotId ?? '?'}${o.confidence !== undefined ? ` · confidence ${Number(o.confidence).toFixed(2)}` : ''} · ${o.cameraId ?? ''}`,
        ),
      ),
    ),
  );
  if (flag.evidence.observations.length === 0)
    evidence.append(h('p', { class: 'muted' }, 'No pictures for this flag.'));

  const slotOptions = [
    ...candidates.slots.map((s) => [
      s.id,
      `${s.id} (candidate${s.packages.length ? `, holds ${s.packages.length}` : ''})`,
    ]),
    ...candidates.freeSlotIds
      .filter((id) => !candidates.slots.some((s) => s.id === id))
      .map((id) => [id, `${id} (free)`]),
  ];
  const packageOptions = candidates.packages.map((p) => [
    p.id,
    `${who(p)} · ${p.carrier ?? ''} ${p.trackingNumber ?? ''} · ${words(p.state)}${p.slotId ? ` in ${p.slotId}` : ''}`,
  ]);
  const residentOptions = state.residents.map((r) => [r.id, `${r.apartment} ${r.firstName} ${r.lastName}`]);
  const slotSelect = select('slotId', slotOptions, 'slot…');
  const packageSelect = select('packageId', packageOptions, 'package…');
  const residentSelect = select('residentId', residentOptions, 'resident…');
  const reason = h('input', { name: 'reason', id: 'action-reason', placeholder: 'reason for dismissing' });
  const error = h('p', { class: 'error', role: 'alert', id: 'action-error' });

  const act = async (body) => {
    error.textContent = '';
    try {
      const done = await api('POST', `/api/staff/flags/${flag.id}/actions`, body);
      toast(`${words(body.action)}: done`);
      state.selectedFlagId = null;
      delete detail.dataset.flagId;
      // Flags the action answered too (a never-placed flag of the package just placed) leave the queue with it.
      const also = (done.alsoResolved ?? []).map((f) => `${words(f.kind)}: ${f.summary}`);
      detail.replaceChildren(
        h('p', { class: 'muted', id: 'action-done' }, `Flag ${words(body.action)}.`),
        ...(also.length
          ? [h('p', { class: 'muted', id: 'action-also-resolved' }, `Also resolved: ${also.join('; ')}`)]
          : []),
      );
      await loadFlags();
    } catch (e) {
      error.textContent = e.message;
    }
  };
  const chosen = (el) => el.value || undefined;

  detail.dataset.flagId = flag.id;
  detail.removeAttribute('aria-busy');
  detail.replaceChildren(
    h('div', { class: 'kind' }, words(flag.kind)),
    h('h2', { id: 'flag-summary' }, flag.summary),
    h(
      'p',
      { class: 'muted' },
      `raised ${when(flag.raisedAt)}${flag.slotId ? ` · slot ${flag.slotId}` : ''}${flag.cameraId ? ` · ${flag.cameraId}` : ''}`,
    ),
    evidence,
    candidates.packages.length
      ? h(
          'p',
          {},
          h('strong', {}, 'Packages: '),
          candidates.packages.map((p) => `${who(p)} (${words(p.state)})`).join('; '),
        )
      : null,
    h(
      'div',
      { class: 'timeline' },
      ...timeline.map((e) =>
        h(
          'div',
          { class: e.payload?.flagId === flag.id ? 'this' : '' },
          h('span', {}, clock(e.occurredAt)),
          h('span', {}, e.type),
          h(
            'span',
            { class: 'muted' },
            [e.payload?.slotId, e.packageId?.slice(0, 8)].filter(Boolean).join(' · '),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          { id: 'act-confirm', class: 'primary', onclick: () => act({ action: 'confirm' }) },
          'Confirm',
        ),
        h(
          'button',
          { id: 'act-not-a-package', onclick: () => act({ action: 'not_a_package' }) },
          'Not a package',
        ),
        h(
          'button',
          {
            id: 'act-picked-up',
            onclick: () =>
              act({
                action: 'picked_up',
                packageId: chosen(packageSelect),
                residentId: chosen(residentSelect),
              }),
          },
          'Mark picked up',
        ),
      ),
      h(
        'div',
        { class: 'row' },
        slotSelect,
        h(
          'button',
          {
            id: 'act-reassign-slot',
            onclick: () =>
              act({ action: 'reassign_slot', slotId: slotSelect.value, packageId: chosen(packageSelect) }),
          },
          'Reassign slot',
        ),
      ),
      h(
        'div',
        { class: 'row' },
        packageSelect,
        residentSelect,
        h(
          'button',
          {
            id: 'act-reassign-package',
            onclick: () =>
              act({
                action: 'reassign_package',
                packageId: chosen(packageSelect),
                residentId: chosen(residentSelect),
              }),
          },
          'Reassign package / resident',
        ),
      ),
      h(
        'div',
        { class: 'row' },
        reason,
        h(
          'button',
          {
            id: 'act-dismiss',
            class: 'danger',
            onclick: () => act({ action: 'dismiss', reason: reason.value }),
          },
          'Dismiss',
        ),
      ),
      error,
    ),
  );
}

// ---- packages ------------------------------------------------------------------------------

async function searchPackages() {
  const form = new FormData($('package-search'));
  const params = new URLSearchParams();
  for (const [k, v] of form) if (String(v).trim()) params.set(k, String(v).trim());
  $('package-error').textContent = '';
  try {
    const { packages } = await api('GET', `/api/staff/packages?${params}`);
    $('package-rows').replaceChildren(
      ...packages.map((p) =>
        h(
          'tr',
          { 'data-package-id': p.id },
          h('td', {}, when(p.registeredAt)),
          h(
            'td',
            {},
            p.recipient ? `${p.recipient.firstName} ${p.recipient.lastName}` : (p.recipientText ?? ''),
          ),
          h('td', {}, p.recipient?.apartment ?? ''),
          h('td', {}, p.carrier ?? ''),
          h('td', {}, p.trackingNumber ?? ''),
          h('td', {}, words(p.state)),
          h('td', {}, p.slotId ?? ''),
          h('td', {}, p.photoUrl ? h('img', { src: p.photoUrl, alt: 'package' }) : ''),
        ),
      ),
    );
  } catch (error) {
    $('package-error').textContent = error.message;
  }
}

$('package-search').addEventListener('submit', (event) => {
  event.preventDefault();
  searchPackages();
});

// ---- residents -----------------------------------------------------------------------------

async function loadResidents() {
  const { residents } = await api('GET', '/api/staff/residents');
  state.residents = residents.filter((r) => r.active);
  $('resident-rows').replaceChildren(
    ...residents.map((r) =>
      h(
        'tr',
        {},
        h('td', {}, r.apartment),
        h('td', {}, `${r.firstName} ${r.lastName}`),
        h('td', {}, r.email ?? ''),
        h('td', {}, r.phone ?? ''),
        h('td', {}, r.active ? 'yes' : 'moved out'),
        h(
          'td',
          {},
          h(
            'button',
            {
              onclick: async () => {
                await api('PATCH', `/api/staff/residents/${r.id}`, { active: !r.active }).catch((e) =>
                  toast(e.message),
                );
                loadResidents();
              },
            },
            r.active ? 'Deactivate' : 'Reactivate',
          ),
        ),
      ),
    ),
  );
}

function formBody(form) {
  const body = {};
  for (const [k, v] of new FormData(form)) if (String(v).trim()) body[k] = String(v).trim();
  return body;
}

function submitter(formId, errorId, path, after) {
  $(formId).addEventListener('submit', async (event) => {
    event.preventDefault();
    $(errorId).textContent = '';
    try {
      const result = await api('POST', path, formBody($(formId)));
      $(formId).reset();
      after?.(result);
    } catch (error) {
      $(errorId).textContent = error.message;
    }
  });
}

submitter('resident-form', 'resident-error', '/api/staff/residents', () => loadResidents());

// ---- room ----------------------------------------------------------------------------------

async function loadRoom() {
  const room = await api('GET', '/api/staff/room');
  $('room-name').textContent = room.roomId;
  $('room-status').replaceChildren(
    ...room.cameras.map((c) =>
      h(
        'span',
        { class: `pill ${c.status === 'online' ? 'ok' : 'bad'}` },
        `${c.name}: ${c.status}${c.offlineReason ? ` (${c.offlineReason})` : ''}${
          c.live ? ` · ${c.live.state}, ${Number(c.live.fps ?? 0).toFixed(1)} fps` : ''
        }`,
      ),
    ),
    h(
      'span',
      { class: `pill ${room.controller.linkState === 'up' ? 'ok' : 'bad'}` },
      `controller: ${words(room.controller.linkState)}`,
    ),
    h('span', { class: 'pill' }, `${room.openFlagCount} open flags`),
    h('span', { class: 'pill' }, `${room.awaitingPlacementCount} awaiting a shelf`),
  );
  const units = new Map();
  for (const s of room.slots) {
    if (!units.has(s.unitId)) units.set(s.unitId, new Map());
    const levels = units.get(s.unitId);
    if (!levels.has(s.levelNumber)) levels.set(s.levelNumber, []);
    levels.get(s.levelNumber).push(s);
  }
  $('room-units').replaceChildren(
    ...[...units].map(([unitId, levels]) =>
      h(
        'div',
        { class: 'unit' },
        h('strong', {}, `Unit ${unitId}`),
        ...[...levels].map(([, slots]) =>
          h(
            'div',
            { class: 'level' },
            ...slots.map((s) =>
              h(
                'div',
                {
                  class: `slot${s.packages.length ? ' full' : ''}${s.objects.length ? ' object' : ''}${s.openFlagCount ? ' flagged' : ''}`,
                  'data-slot-id': s.id,
                },
                h('div', {}, h('strong', {}, s.id)),
                ...s.packages.map((p) =>
                  h(
                    'div',
                    {},
                    p.recipient
                      ? `${p.recipient.lastName} ${p.recipient.apartment}`
                      : (p.trackingNumber ?? 'package'),
                  ),
                ),
                ...s.objects.map(() => h('div', { class: 'muted' }, 'unregistered object')),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

// ---- couriers and accounts (admin) ---------------------------------------------------------

async function loadCouriers() {
  const { couriers } = await api('GET', '/api/staff/couriers');
  $('courier-rows').replaceChildren(
    ...couriers.map((c) =>
      h(
        'tr',
        {},
        h('td', {}, c.name),
        h('td', {}, c.company),
        h('td', {}, c.rfidTag ?? ''),
        h('td', {}, c.active ? 'yes' : 'no'),
        h(
          'td',
          {},
          h(
            'button',
            {
              onclick: async () => {
                try {
                  const { pin } = await api('POST', `/api/staff/couriers/${c.id}/pin`, {});
                  window.alert(`New PIN for ${c.name}: ${pin}\nIt is shown only this once.`);
                } catch (e) {
                  toast(e.message);
                }
              },
            },
            'New PIN',
          ),
          ' ',
          h(
            'button',
            {
              onclick: async () => {
                await api('PATCH', `/api/staff/couriers/${c.id}`, { active: !c.active }).catch((e) =>
                  toast(e.message),
                );
                loadCouriers();
              },
            },
            c.active ? 'Deactivate' : 'Reactivate',
          ),
        ),
      ),
    ),
  );
}

submitter('courier-form', 'courier-error', '/api/staff/couriers', () => loadCouriers());

async function loadAccounts() {
  const { accounts } = await api('GET', '/api/staff/accounts');
  $('account-rows').replaceChildren(
    ...accounts.map((a) =>
      h(
        'tr',
        {},
        h('td', {}, a.username),
        h('td', {}, a.displayName),
        h('td', {}, a.role),
        h('td', {}, a.disabled ? 'yes' : 'no'),
        h(
          'td',
          {},
          h(
            'button',
            {
              onclick: async () => {
                await api('PATCH', `/api/staff/accounts/${a.id}`, { disabled: !a.disabled }).catch((e) =>
                  toast(e.message),
                );
                loadAccounts();
              },
            },
            a.disabled ? 'Enable' : 'Disable',
          ),
        ),
      ),
    ),
  );
}

submitter('account-form', 'account-error', '/api/staff/accounts', () => loadAccounts());

// ---- start ---------------------------------------------------------------------------------

api('GET', '/staff/session')
  .then(signedIn)
  .catch(() => showLogin());
