/**
 * Incremental synth: a run renders only the edge nodes whose inputs changed
 * and keeps the other files as they are, and the output is always what a
 * full render gives, byte for byte. Random sequences of edits (nodes added,
 * removed, renamed, overridden; defaults, profiles, shared settings, patches,
 * the generator; a damaged record, hand-edited or deleted files) are each
 * followed by an incremental synth into one folder, compared with a full
 * render of the same config. Seeded, so it fails the same way every time.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../lib/config/errors';
import { digestOf } from '../lib/incremental/digest';
import { parseRecord, RECORD_FILE, renderRecord } from '../lib/incremental/record';
import { parseConfig } from '../lib/load';
import { documents } from '../lib/outdir/documents';
import { MARKER } from '../lib/outdir/folder';
import { checkOutdir, publish } from '../lib/outdir/publish';
import { StatCache } from '../lib/outdir/stat-cache';
import { readPortRecord, synthManifests, synthOutput, SynthResult } from '../lib/synth';
import { readTree, run } from './support/cli';
import { fleetConfig } from './support/fleet';
import { ROOT } from './support/platform';

const CONFIG = 'platform.yaml';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-incremental-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A small fleet config: the bundled one with `n` more nodes, one of them on a profile. */
function fleet(n: number): any {
  const config = parse(fs.readFileSync(path.join(ROOT, CONFIG), 'utf8'));
  config.edge.profiles = { small: { resources: { limits: { memory: '256Mi' } } } };
  for (let i = 0; i < n; i++) config.edge.nodes.push({ name: `node-${i}`, address: `192.0.2.${100 + i}`, arch: i % 2 ? 'arm64' : 'amd64', ...(i === 0 ? { profile: 'small' } : {}) });
  return config;
}

/** The files the last {@link synthInto} read (the local cache lets it keep files without reading them). */
const read = new Set<string>();
const recordingFs = {
  ...fs,
  readFileSync: ((p: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    read.add(String(p));
    return (fs.readFileSync as (...a: unknown[]) => unknown)(p, ...rest);
  }) as typeof fs.readFileSync,
} as typeof fs;

/**
 * Makes the files of `out` written in the last minute look written an hour ago (each run a different second), as
 * if the next run came much later: only then does the local cache remember them.
 */
let runs = 0;
function age(out: string): void {
  const then = Date.now() / 1000 - 3600 - ++runs;
  for (const f of readTree(out).keys()) {
    const abs = path.join(out, f);
    if (fs.statSync(abs).mtimeMs > Date.now() - 60_000) fs.utimesSync(abs, then, then);
  }
}

/**
 * One synth of `config` into `out` as the CLI runs it, with its local caches in `tmp`: incremental, or full; what
 * it kept, or the config errors.
 */
function synthInto(out: string, config: unknown, generator: string, full = false): { result?: SynthResult; full: Map<string, string> | string; incremental: Map<string, string> | string } {
  const render = (f: () => Map<string, string>) => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ConfigError) return e.issues.map((i) => i.message).join('\n');
      throw e;
    }
  };
  const cache = { dir: path.join(tmp, 'cache'), version: generator };
  let loaded: ReturnType<typeof parseConfig>;
  try {
    loaded = parseConfig(stringify(config), CONFIG, { previousPorts: readPortRecord(out), cache });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const issues = e.issues.map((i) => i.message).join('\n');
    return { full: issues, incremental: issues };
  }
  let result: SynthResult | undefined;
  const expected = render(() => synthOutput(loaded, { generator }).files);
  read.clear();
  const incremental = render(() => {
    // As the CLI does: each rendered node's file goes straight to the folder's writer.
    publish(out, (current, sink) => (result = synthOutput(loaded, { current: full ? undefined : current, generator, sink })), { configFile: path.join(tmp, CONFIG), cache, io: recordingFs });
    const tree = readTree(out);
    tree.delete(MARKER);
    return tree;
  });
  age(out);
  return { result, full: expected, incremental };
}

/** The name of the Deployment in an edge node's file of `out`. */
function deploymentOf(out: string, node: string): string | undefined {
  const file = [...readTree(out).keys()].find((f) => f.endsWith(`/${node}.k8s.yaml`));
  return file && documents(file, fs.readFileSync(path.join(out, file), 'utf8')).find((d) => d.id.kind === 'Deployment')?.id.name;
}

/** An edit: a change to the config, the generator or the output folder. */
type Edit = (state: { config: any; generator: string; out: string }) => void;

const nodeIndex = fc.nat(50);
const pick = (config: any, i: number) => config.edge.nodes[i % config.edge.nodes.length];
const EDITS: fc.Arbitrary<[string, Edit]>[] = [
  fc.nat(1000).map((k) => ['add a node', ({ config }) => config.edge.nodes.push({ name: `added-${k}`, address: `198.51.100.${k % 250}`, arch: 'amd64' })]),
  nodeIndex.map((i) => ['remove a node', ({ config }) => config.edge.nodes.length > 1 && config.edge.nodes.splice(i % config.edge.nodes.length, 1)]),
  fc.tuple(nodeIndex, fc.nat(1000)).map(([i, k]) => ['rename a node', ({ config }) => (pick(config, i).name = `renamed-${k}`)]),
  fc.tuple(nodeIndex, fc.constantFrom('256Mi', '512Mi', '1Gi')).map(([i, m]) => ['override a node', ({ config }) => (pick(config, i).resources = { limits: { memory: m } })]),
  fc.tuple(nodeIndex, fc.constantFrom('a', 'b')).map(([i, v]) => ['label a node', ({ config }) => (pick(config, i).nodeLabels = { 'example.com/zone': v })]),
  nodeIndex.map((i) => ['move a node to a profile', ({ config }) => (pick(config, i).profile = 'small')]),
  fc.constantFrom('128Mi', '384Mi').map((m) => ['change a profile', ({ config }) => (config.edge.profiles.small = { resources: { limits: { memory: m } } })]),
  fc.constantFrom('DEBUG', 'INFO').map((l) => ['change the defaults', ({ config }) => (config.edge.defaults.logLevel = l)]),
  fc.constantFrom('a', 'b').map((v) => ['change commonLabels', ({ config }) => (config.commonLabels = { team: v })]),
  fc.constantFrom('203.0.113.20:30091', '203.0.113.21:30091').map((a) => ['change the edge proxy address', ({ config }) => (config.edge.proxyAddress = a)]),
  fc.constantFrom('metaserver', 'sidecar').map((m) => ['change the API access', ({ config }) => (config.edge.apiAccess = { mode: m })]),
  fc.constantFrom('neursafe-fl', 'fl-two').map((ns) => ['change the namespace', ({ config }) => (config.namespace = ns)]),
  fc.tuple(nodeIndex, fc.constantFrom('x', 'y')).map(([i, v]) => ['patch a node', ({ config, out }) => {
    const name = deploymentOf(out, pick(config, i).name);
    if (name !== undefined) config.patches = [{ target: { kind: 'Deployment', name }, merge: { metadata: { annotations: { 'example.com/patched': v } } } }];
  }]),
  fc.constant(['drop the patches', ({ config }) => (config.patches = [])]),
  fc.nat(3).map((k) => ['change the generator', (s) => (s.generator = `abc${k}`)]),
  fc.constant(['change nothing', () => undefined]),
  fc.constantFrom('junk\n', '', 'drop a line').map((how) => ['damage the record', ({ out }) => {
    const file = path.join(out, RECORD_FILE);
    if (!fs.existsSync(file)) return;
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    fs.writeFileSync(file, how === 'drop a line' ? lines.filter((_, j) => j !== 3).join('\n') : how);
  }]),
  fc.tuple(nodeIndex, fc.constantFrom('append', 'delete', 'replace')).map(([i, how]) => ['hand-edit a node file', ({ config, out }) => {
    const file = [...readTree(out).keys()].find((f) => f.endsWith(`/${pick(config, i).name}.k8s.yaml`));
    if (file === undefined) return;
    const abs = path.join(out, file);
    if (how === 'append') fs.appendFileSync(abs, '# edited\n');
    else if (how === 'delete') fs.rmSync(abs);
    else fs.writeFileSync(abs, fs.readFileSync(abs, 'utf8').replace('replicas: 1', 'replicas: 2'));
  }]),
];

test('every incremental synth after random edits equals a full render, byte for byte', () => {
  let kept = 0;
  let knownAgain = 0;
  fc.assert(
    fc.property(fc.array(fc.oneof(...EDITS), { minLength: 4, maxLength: 10 }), (edits) => {
      const out = fs.mkdtempSync(path.join(tmp, 'out-'));
      const state = { config: fleet(3), generator: 'abc0', out };
      let keptBefore = synthInto(out, state.config, state.generator).result?.kept ?? new Set<string>();
      for (const [what, edit] of edits) {
        edit(state);
        // Written since the last run (by a hand edit): the cache must not vouch for them.
        const touched = new Set([...readTree(out).keys()].filter((f) => fs.statSync(path.join(out, f)).mtimeMs > Date.now() - 60_000));
        const { full, incremental, result } = synthInto(out, state.config, state.generator);
        expect({ after: what, files: incremental }).toEqual({ after: what, files: full });
        const keptNow = result?.kept ?? new Set<string>();
        kept += keptNow.size;
        // A file kept by the run before and untouched since is known from the local cache: kept without reading it.
        const again = [...keptNow].filter((f) => keptBefore.has(f) && !touched.has(f));
        expect({ after: what, read: again.filter((f) => read.has(path.join(out, f))) }).toEqual({ after: what, read: [] });
        knownAgain += again.length;
        keptBefore = keptNow;
      }
    }),
    { seed: 20261207, numRuns: 12 },
  );
  // The runs did keep files, many known from the cache: what was compared is incremental output, both ways.
  expect(kept).toBeGreaterThan(20);
  expect(knownAgain).toBeGreaterThan(10);
});

describe('what a run renders', () => {
  const out = () => path.join(tmp, 'dist');
  const nodeCount = (config: any) => config.edge.nodes.length;

  test('an edit to one node renders that node only; a default renders all; an unchanged fleet none', () => {
    const config = fleet(4);
    expect(synthInto(out(), config, 'abc').result!.kept.size).toBe(0);
    expect(synthInto(out(), config, 'abc').result!.kept.size).toBe(nodeCount(config));
    config.edge.nodes[2].resources = { limits: { memory: '1Gi' } };
    const edited = synthInto(out(), config, 'abc').result!;
    expect(edited.kept.size).toBe(nodeCount(config) - 1);
    // The one rendered went straight to the folder's writer; every other node's file was kept.
    expect(edited.streamed).toBe(1);
    const nodeFiles = [...readTree(out()).keys()].filter((f) => f.startsWith('edge/') && f.endsWith('.k8s.yaml'));
    expect(nodeFiles.filter((f) => !edited.kept.has(f))).toEqual([expect.stringMatching(new RegExp(`/${config.edge.nodes[2].name}\\.k8s\\.yaml$`))]);
    config.edge.defaults.logLevel = 'DEBUG';
    expect(synthInto(out(), config, 'abc').result!.kept.size).toBe(0);
    expect(synthInto(out(), config, 'def').result!.kept.size).toBe(0);
    expect(synthInto(out(), config, 'def', true).result!.kept.size).toBe(0);
  });

  test("the output's record is committed with it: a copy of the folder (a fresh clone) is warm", () => {
    const config = fleet(2);
    synthInto(out(), config, 'abc');
    const clone = path.join(tmp, 'clone');
    fs.cpSync(out(), clone, { recursive: true });
    expect(synthInto(clone, config, 'abc').result!.kept.size).toBe(nodeCount(config));
  });

  test('files kept as they are stay the same files: not rewritten', () => {
    const config = fleet(2);
    synthInto(out(), config, 'abc');
    const file = [...readTree(out()).keys()].find((f) => f.endsWith('/node-1.k8s.yaml'))!;
    const inode = fs.statSync(path.join(out(), file)).ino;
    config.edge.nodes[0].resources = { limits: { memory: '1Gi' } };
    synthInto(out(), config, 'abc');
    expect(fs.statSync(path.join(out(), file)).ino).toBe(inode);
  });
});

test('a full render with the nodes built one by one equals the nodes built in the platform tree', () => {
  const loaded = parseConfig(stringify(fleet(3)), CONFIG);
  const inline = synthManifests(loaded);
  const deferred = synthOutput(loaded).files;
  for (const [file, objects] of inline) expect(documents(file, deferred.get(file)).map((d) => parse(d.text))).toEqual(objects);
});

describe('--check verifies the record and the files without rendering what is unchanged', () => {
  const setup = () => {
    const out = path.join(tmp, 'dist');
    const config = path.join(tmp, CONFIG);
    fs.writeFileSync(config, stringify(fleet(2)));
    expect(run(['synth', '--config', config, '--outdir', out]).code).toBe(0);
    return { out, config, check: () => run(['synth', '--config', config, '--outdir', out, '--check']) };
  };

  test('an unchanged folder matches, every node verified by its record', () => {
    const { check } = setup();
    expect(check()).toMatchObject({ code: 0, stdout: expect.stringContaining('edge nodes, 0 rendered)') });
  });

  test.each([
    ['a kept node file', (out: string) => [...readTree(out).keys()].find((f) => f.endsWith('/node-0.k8s.yaml'))!],
    ['the record', () => RECORD_FILE],
  ])('a hand edit of %s is reported', (_, file) => {
    const { out, check } = setup();
    const rel = file(out);
    fs.appendFileSync(path.join(out, rel), '# edited\n');
    expect(check()).toMatchObject({ code: 3, stderr: expect.stringContaining(`${out}/${rel}: differs from what the config gives`) });
  });

  test('a hand edit that keeps the file\'s size is reported, also once the local cache knows the file', () => {
    const { out, check } = setup();
    age(out);
    expect(check().code).toBe(0);
    const rel = [...readTree(out).keys()].find((f) => f.endsWith('/node-1.k8s.yaml'))!;
    const abs = path.join(out, rel);
    fs.writeFileSync(abs, fs.readFileSync(abs, 'utf8').replace('replicas: 1', 'replicas: 2'));
    expect(check()).toMatchObject({ code: 3, stderr: expect.stringContaining(`${out}/${rel}: differs from what the config gives`) });
  });

  test('--full renders every node, and a missing record makes the next run render them all', () => {
    const { out, config } = setup();
    expect(run(['synth', '--config', config, '--outdir', out, '--full']).stdout).toContain('(4 edge nodes, 4 rendered)');
    fs.rmSync(path.join(out, RECORD_FILE));
    expect(checkOutdir(out, (current, sink) => synthOutput(parseConfig(fs.readFileSync(config, 'utf8'), config), { current, sink }), config)).toEqual([`${out}/${RECORD_FILE}: is missing`]);
    expect(run(['synth', '--config', config, '--outdir', out]).stdout).toContain('(4 edge nodes, 4 rendered)');
  });
});

test('the local cache of the output folder remembers a file only once it has not changed for 2 s, and knows it only while its size, time and inode stay', () => {
  const dir = { dir: path.join(tmp, 'cache'), version: 'v1' };
  const out = path.join(tmp, 'out');
  fs.mkdirSync(out);
  const file = 'edge/a.k8s.yaml';
  const abs = path.join(out, file);
  fs.mkdirSync(path.dirname(abs));
  fs.writeFileSync(abs, 'x: 1\n');
  const what = { content: 'd1', ids: [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'fl', name: 'a' }, { apiVersion: 'v1', kind: 'Namespace', name: 'fl' }] };
  const learn = () => {
    const cache = new StatCache(dir, out);
    cache.known(file);
    cache.learn(file, what);
    cache.save();
    return new StatCache(dir, out).known(file);
  };
  // Just written: an edit in the same tick of the clock would keep its time.
  expect(learn()).toBeUndefined();
  const then = Date.now() / 1000 - 3600;
  fs.utimesSync(abs, then, then);
  expect(learn()).toEqual(what);
  // Edited in place, the same size: a new time.
  fs.writeFileSync(abs, 'x: 2\n');
  expect(new StatCache(dir, out).known(file)).toBeUndefined();
  fs.utimesSync(abs, then, then);
  expect(learn()).toEqual(what);
  // Replaced by another file of the same size and time: another inode.
  fs.writeFileSync(`${abs}.new`, 'x: 3\n');
  fs.utimesSync(`${abs}.new`, then, then);
  fs.renameSync(`${abs}.new`, abs);
  expect(new StatCache(dir, out).known(file)).toBeUndefined();
  // Another output folder has a cache of its own; another version of synth does not read it; no folder, no cache.
  fs.utimesSync(abs, then - 1, then - 1);
  expect(learn()).toEqual(what);
  expect(new StatCache(dir, path.join(tmp, 'other')).known(file)).toBeUndefined();
  expect(new StatCache({ ...dir, version: 'v2' }, out).known(file)).toBeUndefined();
  expect(new StatCache(undefined, out).known(file)).toBeUndefined();
});

describe('the record and its digests', () => {
  const record = { generator: 'ab12', fleet: 'cd34', files: new Map([['edge/s01/b.k8s.yaml', { input: '01', content: '02' }], ['edge/s00/a.k8s.yaml', { input: '03', content: '04' }]]) };

  test('reads back what it wrote, and nothing from a damaged or edited text', () => {
    const text = renderRecord(record);
    expect(parseRecord(text)).toEqual({ ...record, files: new Map([...record.files].sort()) });
    expect(text.split('\n').filter((l) => l.startsWith('edge/'))).toEqual(['edge/s00/a.k8s.yaml 03 04', 'edge/s01/b.k8s.yaml 01 02']);
    for (const damaged of [text.replace(' 03 ', ' 05 '), text.slice(0, -2), text.replace('generator', 'generater'), '', undefined]) expect(parseRecord(damaged)).toBeUndefined();
  });

  test('only plain data has a digest: a Map, a Set, a class instance or a function would hide inputs', () => {
    expect(digestOf({ a: [1, 'x', null, { b: true }] })).toBe(digestOf({ a: [1, 'x', null, { b: true }] }));
    expect(digestOf({ a: 1 })).not.toBe(digestOf({ a: 2 }));
    for (const bad of [new Map(), new Set(), new (class X {})(), () => 1]) expect(() => digestOf({ nested: [bad] })).toThrow(/not plain data/);
  });
});

test('the compiled synth renders a large fleet on worker threads, with the same bytes as on one thread and in process', () => {
  const config = path.join(tmp, CONFIG);
  fs.writeFileSync(config, fleetConfig(800));
  const synthWith = (threads: number) => {
    const out = path.join(tmp, `threads-${threads}`);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'run.js'), 'main.ts', 'synth', '--config', config, '--outdir', out], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, NSFL_SYNTH_THREADS: String(threads) },
    });
    expect(r.status).toBe(0);
    return { stdout: r.stdout, tree: readTree(out) };
  };
  const spread = synthWith(2);
  const single = synthWith(0);
  expect(spread.stdout).toContain('(800 edge nodes, 800 rendered on 3 threads)');
  expect(single.stdout).toContain('(800 edge nodes, 800 rendered)');
  expect(spread.tree).toEqual(single.tree);
  const inProcess = synthOutput(parseConfig(fs.readFileSync(config, 'utf8'), config)).files;
  spread.tree.delete(MARKER);
  // The record's generator digest is the same from source and bundled.
  expect(spread.tree).toEqual(inProcess);
});

test("a worker that never answers (it did not load, or died) costs time, not output: its share is rendered on the main thread", () => {
  const loaded = parseConfig(fleetConfig(520), CONFIG);
  const dead = path.join(tmp, 'dead-worker.js');
  fs.writeFileSync(dead, "throw new Error('not the bundle');\n");
  const spread = synthOutput(loaded, { workers: { script: dead, threads: 1, stallMs: 300 } });
  expect(spread.threads).toBe(1);
  expect(spread.files).toEqual(synthOutput(loaded).files);
});
