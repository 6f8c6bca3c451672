// The simulator's control panel: plain JavaScript served as is, so the demo needs no build step.
const $ = (id) => document.getElementById(id);
const message = $('message');
let slotIds = [];

function say(text, isError = false) {
  message.textContent = text;
  message.className = isError ? 'error' : '';
}

async function call(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error?.message ?? `HTTP ${response.status}`);
  return answer;
}

async function place(slotId) {
  try {
    const receipt = await call('/scene/place', slotId ? { slotId } : {});
    say(`A courier is placing ${receipt.packageId} on ${receipt.slotId}.`);
  } catch (error) {
    say(error.message, true);
  }
  void refresh();
}

async function take(slotId) {
  try {
    const receipt = await call('/scene/take', { slotId });
    say(`A resident is taking ${receipt.packageId} from ${receipt.slotId}.`);
  } catch (error) {
    say(error.message, true);
  }
  void refresh();
}

function drawShelves(scene) {
  const units = new Map();
  for (const id of Object.keys(scene.slots)) {
    const match = /^([A-Z]+)(\d+)-(\d+)$/.exec(id);
    if (!match) continue;
    const [, unit, level] = match;
    if (!units.has(unit)) units.set(unit, new Map());
    const levels = units.get(unit);
    if (!levels.has(level)) levels.set(level, []);
    levels.get(level).push(id);
  }
  const free = new Set(scene.freeSlots);
  const shelves = $('shelves');
  shelves.replaceChildren();
  for (const [unit, levels] of units) {
    const box = document.createElement('div');
    box.className = 'unit';
    const name = document.createElement('div');
    name.className = 'unit-name';
    name.textContent = `Unit ${unit}`;
    box.append(name);
    // Highest level on top, as the shelf stands.
    for (const level of [...levels.keys()].sort((a, b) => Number(b) - Number(a))) {
      const row = document.createElement('div');
      row.className = 'level';
      for (const id of levels.get(level)) {
        const button = document.createElement('button');
        button.type = 'button';
        const held = scene.slots[id];
        button.textContent = held.length ? `${id} ▣` : id;
        button.dataset.slot = id;
        if (held.length) {
          button.className = 'full';
          button.title = `take ${held.join(', ')}`;
          button.onclick = () => take(id);
        } else if (!free.has(id)) {
          button.className = 'busy';
          button.title = 'someone is placing a package here';
        } else {
          button.title = 'place a package here';
          button.onclick = () => place(id);
        }
        row.append(button);
      }
      box.append(row);
    }
    shelves.append(box);
  }
}

async function refresh() {
  try {
    const scene = await (await fetch('/scene')).json();
    const ids = Object.keys(scene.slots);
    if (ids.join() !== slotIds.join()) {
      slotIds = ids;
      const select = $('slot');
      const chosen = select.value;
      select.replaceChildren(...ids.map((id) => new Option(id, id)));
      if (chosen) select.value = chosen;
    }
    drawShelves(scene);
    const locator = await (await fetch('/locator')).json();
    $('locator').textContent = locator.laser.on
      ? `Laser on at pan ${locator.laser.panDeg.toFixed(1)}°, tilt ${locator.laser.tiltDeg.toFixed(1)}°`
      : 'Laser off';
    if (locator.strobesOn.length) $('locator').textContent += `; strobes ${locator.strobesOn.join(', ')}`;
  } catch {
    $('locator').textContent = 'simulator not answering';
  }
}

async function start() {
  const { cameras } = await (await fetch('/cameras')).json();
  $('cameras').replaceChildren(
    ...cameras.map((camera) => {
      const figure = document.createElement('figure');
      const img = document.createElement('img');
      img.src = camera.stream;
      img.alt = `${camera.name ?? camera.id} live`;
      // A camera that went offline drops its stream: try again a little later.
      img.onerror = () => setTimeout(() => (img.src = `${camera.stream}?t=${Date.now()}`), 2000);
      const caption = document.createElement('figcaption');
      caption.textContent = `${camera.id}${camera.name ? ` — ${camera.name}` : ''}`;
      figure.append(img, caption);
      return figure;
    }),
  );
  const { links } = await (await fetch('/demo/links.json')).json();
  $('links').replaceChildren(
    ...Object.entries(links).map(([label, url]) => {
      const a = document.createElement('a');
      a.href = url;
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = label;
      return a;
    }),
  );
  $('place').onclick = () => place($('slot').value);
  $('place-random').onclick = () => place();
  $('take').onclick = () => take($('slot').value);
  await refresh();
  setInterval(refresh, 1000);
}

void start();
