import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../services/config/index.ts';
import { createScratchFolder } from '../support/databases.ts';

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    assert.doesNotMatch(error.message, /\n/, 'a config error is one line');
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  const folder = createScratchFolder('parcelroom-config-');
  after(() => folder.remove());

  test('with nothing set the service uses the embedded database and the demo room', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.database.url, undefined);
    assert.equal(config.database.dataDir, 'data/pglite');
    assert.equal(config.room.layoutFile, 'calibration/rooms/demo-room.yaml');
    assert.equal(config.http.port, 8080);
    assert.equal(config.demo.seed, true);
  });

  test('environment variables are parsed into typed values', () => {
    const config = loadConfig({
      env: {
        PORT: '9000',
        DATABASE_URL: 'postgres://u@db:5432/pr',
        PARCELROOM_DEMO_SEED: 'no',
        LOG_LEVEL: 'debug',
      },
    });
    assert.equal(config.http.port, 9000);
    assert.equal(config.database.url, 'postgres://u@db:5432/pr');
    assert.equal(config.demo.seed, false);
    assert.equal(config.log.level, 'debug');
  });

  test('PARCELROOM_HTTP_PORT wins over PORT', () => {
    assert.equal(loadConfig({ env: { PORT: '9000', PARCELROOM_HTTP_PORT: '9100' } }).http.port, 9100);
  });

  test('a bad port names the variable, the rule and the value', () => {
    assert.equal(
      configError(() => loadConfig({ env: { PORT: 'eighty' } })),
      'config: PORT must be an integer between 0 and 65535 (got "eighty")',
    );
    assert.match(
      configError(() => loadConfig({ env: { PARCELROOM_HTTP_PORT: '70000' } })),
      /^config: PARCELROOM_HTTP_PORT must be an integer between 0 and 65535/,
    );
  });

  test('a bad log level lists the allowed levels', () => {
    assert.match(
      configError(() => loadConfig({ env: { LOG_LEVEL: 'loud' } })),
      /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/,
    );
  });

  test('a database URL of another kind is refused', () => {
    assert.match(
      configError(() => loadConfig({ env: { DATABASE_URL: 'mysql://root@localhost/x' } })),
      /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ connection string/,
    );
  });

  test('a config file is read and the environment overrides it', () => {
    const file = join(folder.path, 'parcelroom.yaml');
    writeFileSync(file, 'http:\n  port: 7000\n  host: 0.0.0.0\nlog:\n  level: warn\n');
    const fromFile = loadConfig({ file, env: {} });
    assert.equal(fromFile.http.port, 7000);
    assert.equal(fromFile.http.host, '0.0.0.0');
    assert.equal(loadConfig({ file, env: { LOG_LEVEL: 'error' } }).log.level, 'error');
    assert.equal(loadConfig({ env: { PARCELROOM_CONFIG: file } }).http.port, 7000);
  });

  test('a bad value in the config file names the file and the key', () => {
    const file = join(folder.path, 'bad.yaml');
    writeFileSync(file, 'http:\n  port: -1\n');
    assert.equal(
      configError(() => loadConfig({ file, env: {} })),
      `config: ${file}: http.port must be an integer between 0 and 65535 (got -1)`,
    );
  });

  test('an unknown key in the config file is refused rather than ignored', () => {
    const file = join(folder.path, 'typo.yaml');
    writeFileSync(file, 'http:\n  prot: 8080\n');
    assert.match(
      configError(() => loadConfig({ file, env: {} })),
      /unknown setting "http.prot"/,
    );
  });

  test('a config file that is not YAML, or missing, gets its own error', () => {
    const file = join(folder.path, 'broken.yaml');
    writeFileSync(file, 'http: [unclosed\n');
    assert.match(
      configError(() => loadConfig({ file, env: {} })),
      /broken\.yaml is not valid YAML/,
    );
    assert.match(
      configError(() => loadConfig({ file: join(folder.path, 'absent.yaml'), env: {} })),
      /cannot read config file .*absent\.yaml: ENOENT/,
    );
  });
});
