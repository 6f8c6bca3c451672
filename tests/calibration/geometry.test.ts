import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyHomography,
  computeHomography,
  createPinholeCamera,
  invertHomography,
  isSimplePolygon,
  type Point2,
  pointInPolygon,
  polygonArea,
  polygonsOverlap,
} from '../../calibration/index.ts';

const square: Point2[] = [
  [0, 0],
  [10, 0],
  [10, 10],
  [0, 10],
];

describe('geometry', () => {
  test('a point on the optical axis projects to the image centre; one to the right lands right of it', () => {
    const camera = createPinholeCamera(
      { positionCm: { x: 0, y: 0, z: 100 }, lookAtCm: { x: 0, y: 100, z: 100 }, horizontalFovDeg: 90 },
      { width: 1000, height: 500 },
    );
    const centre = camera.project({ x: 0, y: 200, z: 100 })!;
    assert.deepEqual([centre.x, centre.y], [500, 250]);
    // 90° field of view: a point at 45° lands on the image edge.
    const edge = camera.project({ x: 200, y: 200, z: 100 })!;
    assert.ok(Math.abs(edge.x - 1000) < 1e-9);
    const below = camera.project({ x: 0, y: 200, z: 50 })!;
    assert.ok(below.y > 250, 'lower in the room is lower in the image');
    assert.equal(camera.project({ x: 0, y: -50, z: 100 }), undefined, 'behind the camera');
  });

  test('a homography maps its four points exactly and inverts', () => {
    const target: Point2[] = [
      [100, 120],
      [400, 100],
      [420, 380],
      [90, 360],
    ];
    const h = computeHomography(square, target);
    square.forEach((p, i) => {
      const [x, y] = applyHomography(h, p);
      assert.ok(Math.hypot(x - target[i]![0], y - target[i]![1]) < 1e-6);
    });
    const back = applyHomography(invertHomography(h), applyHomography(h, [3, 7]));
    assert.ok(Math.hypot(back[0] - 3, back[1] - 7) < 1e-6);
    assert.throws(
      () =>
        computeHomography(
          [
            [0, 0],
            [1, 1],
            [2, 2],
            [0, 1],
          ],
          target,
        ),
      /collinear/,
    );
  });

  test('polygons: area, containment, simplicity and overlap', () => {
    assert.equal(polygonArea(square), 100);
    assert.equal(pointInPolygon([5, 5], square), true);
    assert.equal(pointInPolygon([15, 5], square), false);
    assert.equal(isSimplePolygon(square), true);
    assert.equal(
      isSimplePolygon([
        [0, 0],
        [10, 10],
        [10, 0],
        [0, 10],
      ]),
      false,
    );
    const neighbour: Point2[] = [
      [10, 0],
      [20, 0],
      [20, 10],
      [10, 10],
    ];
    assert.equal(polygonsOverlap(square, neighbour), false, 'sharing an edge is not overlapping');
    assert.equal(
      polygonsOverlap(
        square,
        neighbour.map(([x, y]) => [x - 1, y] as const),
      ),
      true,
    );
    assert.equal(polygonsOverlap(square, square), true, 'identical polygons overlap');
    assert.equal(
      polygonsOverlap(square, [
        [2, 2],
        [4, 2],
        [4, 4],
      ]),
      true,
      'one inside the other',
    );
  });
});
