import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { createScratchBackend, type ScratchBackend } from '../support/databases.ts';
import { cliPath, repoRoot } from '../support/service-process.ts';

// util-linux's `script` runs the command on a pseudo-terminal: what a person typing `npm start` sees.
// `exec`: the shell `script` starts would otherwise take the Ctrl-C below too and end with 130.
const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal colour codes are what is stripped
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').replaceAll('\r', '');

describe('the service on a terminal', () => {
  let backend: ScratchBackend;
  before(async () => {
    backend = await createScratchBackend('embedded');
  });
  after(async () => backend?.dispose());

  test('logs human-readable lines and ends its start-up with the credentials and the addresses to open', async () => {
    const child = spawn(
      'script',
      ['-qec', `exec ${shellQuote(process.execPath)} ${shellQuote(cliPath)} start`, '/dev/null'],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          TERM: 'xterm',
          PARCELROOM_DATA_DIR: backend.settings.dataDir,
          PARCELROOM_HTTP_PORT: '0',
          PARCELROOM_SIMULATOR_PORT: '0',
          LOG_LEVEL: 'info',
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      screen += chunk;
    });
    const exited = once(child, 'exit');
    try {
      const deadline = Date.now() + 120_000;
      while (!/Demo control panel +http:\/\/\S+\/demo\n/.test(plain(screen))) {
        assert.ok(child.exitCode === null, `the service exited:\n${plain(screen)}`);
        assert.ok(Date.now() < deadline, `no start-up summary on the terminal:\n${plain(screen)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const text = plain(screen);
      assert.match(text, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: room running$/m, 'pretty lines, not JSON');
      assert.doesNotMatch(text, /^\{"level"/m);
      const running = text.indexOf('INFO: room running');
      const credentials = text.indexOf('Staff login   user: admin   password: ');
      const addresses = text.indexOf('Parcelroom is running. Open:');
      assert.ok(running < credentials && credentials < addresses, text.slice(running));
      assert.match(text.slice(addresses), /Staff review +http:\/\/127\.0\.0\.1:\d+\/staff\n/);
    } finally {
      // Ctrl-C on the terminal: the SIGINT a person sends, which stops the service cleanly.
      if (child.exitCode === null) child.stdin.write('\x03');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, plain(screen).slice(-2000));
    }
    assert.match(plain(screen), /INFO: stopped$/m);
  });
});
