import { aimAngles, listSlots, type RoomLayout, unitFrame, unitPoint } from '../../calibration/index.ts';
import { randomAppearance } from '../scenarios/package-appearance.ts';
import type { ScenePackage, ScenePerson, SceneState } from '../scene.ts';
import type { SeededRandom } from '../seeded-random.ts';

/**
 * A random but physically plausible moment of the room, for training data: packages of every
 * kind on random slots (some stacked, straddling, two to a slot, leaning), sometimes people
 * reaching in, any light from dim to bright, the laser and strobes now and then.
 */
export function randomScene(
  layout: RoomLayout,
  random: SeededRandom,
  options: { people: boolean },
): SceneState {
  const slots = listSlots(layout);
  const free = new Set(slots.map((s) => s.id));
  const packages: ScenePackage[] = [];
  const count = random.int(2, Math.min(24, slots.length));
  for (let i = 0; i < count && free.size > 0; i++) {
    const chosen = random.pick([...free]);
    const slot = slots.find((s) => s.id === chosen)!;
    free.delete(slot.id);
    const shape = random.float();
    const id = `pkg-${i}`;
    const neighbour = slots.find(
      (s) =>
        s.unitId === slot.unitId && s.levelNumber === slot.levelNumber && s.slotIndex === slot.slotIndex + 1,
    );
    if (shape < 0.1 && neighbour && free.has(neighbour.id)) {
      // Straddling two slots.
      free.delete(neighbour.id);
      const look = randomAppearance(random, 'box', {
        across: slot.widthCm + neighbour.widthCm - 4,
        depth: slot.depthCm - 3,
        height: slot.heightCm - 2,
      });
      look.sizeCm.across = Math.max(look.sizeCm.across, slot.widthCm + 4);
      packages.push(
        pose(
          id,
          look,
          slot.unitId,
          slot.levelNumber,
          (slot.offsetCm + slot.widthCm + neighbour.offsetCm) / 2,
          random,
        ),
      );
    } else if (shape < 0.2) {
      // Two small packages side by side.
      for (const side of [-1, 1]) {
        const look = randomAppearance(random, undefined, {
          across: slot.widthCm / 2 - 1,
          depth: slot.depthCm - 3,
          height: slot.heightCm - 2,
        });
        packages.push(
          pose(
            `${id}-${side < 0 ? 'l' : 'r'}`,
            look,
            slot.unitId,
            slot.levelNumber,
            slot.offsetCm + slot.widthCm / 2 + (side * slot.widthCm) / 4,
            random,
          ),
        );
      }
    } else {
      const look = randomAppearance(random, undefined, {
        across: slot.widthCm - 1.5,
        depth: slot.depthCm - 3,
        height: slot.heightCm - 2,
      });
      const base = pose(id, look, slot.unitId, slot.levelNumber, slot.offsetCm + slot.widthCm / 2, random);
      packages.push(base);
      const room = slot.heightCm - look.sizeCm.height - 2;
      if (shape > 0.88 && look.kind === 'box' && room > 6) {
        const top = randomAppearance(random, 'box', {
          across: look.sizeCm.across - 2,
          depth: look.sizeCm.depth - 2,
          height: room,
        });
        packages.push({
          ...pose(`${id}-top`, top, slot.unitId, slot.levelNumber, base.pose.acrossCm, random),
          pose: { ...base.pose, stackedOn: id, yawDeg: random.between(-10, 10) },
        });
      }
    }
  }

  const people: ScenePerson[] = [];
  if (options.people && random.chance(0.35)) {
    for (let i = random.int(1, 2); i > 0; i--) {
      const unit = random.pick(layout.units);
      const frame = unitFrame(unit);
      const stand = unitPoint(frame, random.between(0, unit.widthCm), -random.between(40, 90), 0);
      const target = random.pick(slots.filter((s) => s.unitId === unit.id));
      const reach = random.chance(0.7);
      people.push({
        id: `person-${i}`,
        standingAtCm: { x: stand.x, y: stand.y },
        clothing: random.pick([
          '#34495e',
          '#7f8c8d',
          '#8e44ad',
          '#c0392b',
          '#16a085',
          '#d35400',
          '#212121',
          '#5d4037',
        ]),
        ...(reach ? { reachingForCm: { ...target.aimPoint } } : {}),
      });
    }
  }

  const laserSlot = random.pick(slots);
  return {
    timeMs: 0,
    packages,
    people,
    lighting: {
      brightness: random.chance(0.05) ? random.between(0.08, 0.2) : random.between(0.45, 1.3),
      warmth: random.between(-0.5, 0.5),
    },
    locator: {
      laser: {
        on: random.chance(0.2) && layout.locator !== undefined,
        ...aimAngles(layout.locator?.mount.positionCm ?? { x: 0, y: 0, z: 0 }, laserSlot.aimPoint),
      },
      strobesOn: random.chance(0.1) && layout.strobeZones.length ? [random.pick(layout.strobeZones).id] : [],
    },
    camerasOffline: [],
  };
}

function pose(
  id: string,
  appearance: ScenePackage['appearance'],
  unitId: string,
  levelNumber: number,
  acrossCm: number,
  random: SeededRandom,
): ScenePackage {
  const flat = appearance.kind === 'letter' || appearance.kind === 'padded-envelope';
  return {
    id,
    appearance,
    pose: {
      unitId,
      levelNumber,
      acrossCm,
      backCm: random.between(0.5, 6),
      yawDeg: random.between(-12, 12),
      leanDeg: flat ? random.between(6, 20) : random.chance(0.05) ? random.between(3, 10) : 0,
    },
  };
}
