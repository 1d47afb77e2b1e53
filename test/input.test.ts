/**
 * Bounded input: the config must be a regular file of limited size, YAML
 * aliases and merge keys work on purpose (an alias bomb is a clear error),
 * and any number of errors is found quickly and printed up to a cap.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXIT } from '../lib/exit-codes';
import { MAX_CONFIG_BYTES } from '../lib/config/load';
import { parseConfig } from '../lib/load';
import { ISSUE_CAP } from '../main';
import { run } from './support/cli';
import { DEFAULT_CONFIG, synth } from './support/platform';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-input-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs synth on `config` into a fresh folder; asserts the folder was not created. */
function refused(config: string): string {
  const out = path.join(tmp, 'out');
  const r = run(['synth', '--config', config, '--outdir', out]);
  expect(r.code).toBe(EXIT.configErrors);
  expect(r.stderr).not.toMatch(/internal error|at .*\.[jt]s:\d+/);
  expect(fs.existsSync(out)).toBe(false);
  return r.stderr;
}

test.each([
  ['a FIFO', () => {
    const fifo = path.join(tmp, 'fifo.yaml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    return fifo;
  }, /not a regular file \(a device, pipe or socket\)/],
  ['/dev/zero', () => '/dev/zero', /not a regular file/],
  ['a folder', () => tmp, /not a regular file \(a folder\)/],
  ['a file over the size limit', () => {
    const big = path.join(tmp, 'big.yaml');
    fs.writeFileSync(big, 'name: x\n');
    fs.truncateSync(big, MAX_CONFIG_BYTES + 1);
    return big;
  }, /more than the limit of 16777216 \(16 MiB\)/],
])('%s as the config is refused without reading it', (_what, make, message) => {
  expect(refused(make())).toMatch(message);
});

test('an alias bomb is a clear error', () => {
  let text = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
  for (const [prev, name] of [...'abcdefgh'].map((c, i) => [c, 'bcdefghi'[i]])) text += `${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]\n`;
  const file = path.join(tmp, 'bomb.yaml');
  fs.writeFileSync(file, text);
  expect(refused(file)).toMatch(/bomb\.yaml: error: invalid YAML: aliases expand to more than \d+ nodes/);
});

test('aliases and merge keys are supported: the same output as the config written out', () => {
  const withMerge = DEFAULT_CONFIG.replace(/^ {4}- name: edge-node-1$/m, '    - &node\n      name: edge-node-1').replace(/^ {4}- name: edge-node-2$/m, '    - <<: *node\n      name: edge-node-2');
  expect(withMerge).toContain('<<: *node');
  expect(synth(withMerge).files).toEqual(synth().files);
});

test('a repeated key is reported at its line', () => {
  expect(() => parseConfig('name: a\nnamespace: b\nname: c\n', 'f.yaml')).toThrow(/^f\.yaml:3:1: error: invalid YAML: Map keys must be unique$/);
});

test('thousands of errors: found in one pass, the first 50 printed, then how many more', () => {
  const n = 20_000;
  const file = path.join(tmp, 'many.yaml');
  fs.writeFileSync(file, `name: x\njobScheduler:\n${Array.from({ length: n }, (_, i) => `  k${i}: 1\n`).join('')}`);
  const lines = refused(file).split('\n');
  expect(lines.filter((l) => l.includes(': error: jobScheduler.k'))).toHaveLength(ISSUE_CAP);
  expect(lines[0]).toMatch(/many\.yaml:3:3: error: jobScheduler\.k0: unknown field "k0"/);
  expect(lines).toContain(`... and ${n - ISSUE_CAP} more`);
  expect(lines[lines.length - 1]).toBe(`${n} errors in ${file}; nothing was written.`);
});
