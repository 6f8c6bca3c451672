import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConcurrencyLimit } from '../../../models/ocr/concurrency-limit.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('concurrency limit', () => {
  test('runs at most `limit` tasks at once and the rest in arrival order', async () => {
    const limit = new ConcurrencyLimit(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        limit.run(async () => {
          running++;
          most = Math.max(most, running);
          order.push(i);
          await tick();
          running--;
          return i * 10;
        }),
      ),
    );
    assert.equal(most, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(results, [0, 10, 20, 30, 40, 50]);
  });

  test('a failing task frees its place', async () => {
    const limit = new ConcurrencyLimit(1);
    await assert.rejects(
      limit.run(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await limit.run(async () => 'next'), 'next');
    assert.equal(limit.pending, 0);
  });

  test('close rejects waiting tasks, waits for running ones and refuses new ones', async () => {
    const limit = new ConcurrencyLimit(1);
    let finished = false;
    const running = limit.run(async () => {
      await tick();
      await tick();
      finished = true;
    });
    const waiting = limit.run(async () => 'never');
    const closed = limit.close(new Error('closed'));
    await assert.rejects(waiting, /closed/);
    await closed;
    assert.ok(finished, 'close resolved only after the running task');
    await running;
    await assert.rejects(
      limit.run(async () => 'late'),
      /closed/,
    );
  });
});
