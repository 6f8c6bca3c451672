import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../services/config/index.ts';
import { prettyLogsFor } from '../../../services/logging/index.ts';

describe('log format', () => {
  test('logs are pretty on a terminal and JSON lines through a pipe when nothing is set', () => {
    const unset = loadConfig({ env: {} }).log.pretty;
    assert.equal(unset, undefined);
    assert.equal(prettyLogsFor(unset, { isTTY: true }), true);
    assert.equal(prettyLogsFor(unset, { isTTY: false }), false);
    assert.equal(prettyLogsFor(unset, {}), false, 'a stream that says nothing is not a terminal');
  });

  test('PARCELROOM_LOG_PRETTY forces either format whatever stdout is', () => {
    const on = loadConfig({ env: { PARCELROOM_LOG_PRETTY: 'yes' } }).log.pretty;
    const off = loadConfig({ env: { PARCELROOM_LOG_PRETTY: 'false' } }).log.pretty;
    assert.equal(prettyLogsFor(on, { isTTY: false }), true);
    assert.equal(prettyLogsFor(off, { isTTY: true }), false);
  });
});
