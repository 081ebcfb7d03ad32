// Model URLs that do not parse are usage errors (exit 2, with a hint), never internal errors:
// a --base or <name> argument, $TL_MODEL_BASE_URL, and a server's redirect to a broken address.
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { FetchError, getBuffer } from '../../src/models/http';
import { runCli } from '../helpers/cli';
import { makeColourFolder } from '../helpers/colour-run';
import { tempDir } from './helpers';

let work: string;
beforeAll(() => {
  work = tempDir('bad-urls');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const env = () => ({ TL_CACHE_DIR: path.join(work, 'cache'), NO_COLOR: '1' });

test("transfer --base 'http://[::1' exits 2 naming the value, with a hint", async () => {
  const data = path.join(work, 'data');
  await makeColourFolder(data, 2, false);
  const r = await runCli(['transfer', '--base', 'http://[::1', '--data', data, '--out', path.join(work, 'out'), '--epochs', '1'], env());
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("'http://[::1' is not a valid URL");
  expect(r.stderr).toContain('brackets');
  expect(fs.existsSync(path.join(work, 'out'))).toBe(false);
});

test('models show / pull / import with a malformed URL exit 2', async () => {
  for (const args of [['models', 'show', 'http://[::1'], ['models', 'pull', 'https://exa mple.com/model.json'], ['models', 'import', 'http://[::1', work]]) {
    const r = await runCli(args, env());
    expect({ args, code: r.code }).toEqual({ args, code: 2 });
    expect(r.stderr).toMatch(/is not a valid URL/);
  }
});

test('a malformed $TL_MODEL_BASE_URL exits 2 naming the variable', async () => {
  const r = await runCli(['models', 'pull', 'mobilenet-v1-0.25-128'], { ...env(), TL_MODEL_BASE_URL: 'http://[::1' });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('$TL_MODEL_BASE_URL');
});

test('a redirect to a malformed Location is a FetchError naming it', async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(302, { Location: 'http://[::1' });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const err = await getBuffer(`http://127.0.0.1:${(server.address() as AddressInfo).port}/m`, 1000).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect(err.message).toContain("redirected to an invalid URL 'http://[::1'");
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
