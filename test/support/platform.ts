/**
 * Test helpers: synthesize a config text the way the CLI does, then look at
 * the result as a user would (parsed YAML files, objects by kind and name).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { ConfigError, formatIssue } from '../../lib/config/errors';
import { LoadOptions, parseConfig } from '../../lib/load';
import { synthFiles } from '../../lib/synth';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** The bundled default config's text. */
export const DEFAULT_CONFIG = fs.readFileSync(path.join(ROOT, 'platform.yaml'), 'utf8');

/** A synthesized platform, as files and parsed objects. */
export interface Synthesized {
  /** Output path → YAML text. */
  readonly files: Map<string, string>;
  /** Every object, parsed back from the YAML text, with the file it is in. */
  readonly objects: { file: string; obj: any }[];
  /** The object of a kind and name (and namespace, when given); throws when missing. */
  get(kind: string, name: string, namespace?: string): any;
  /** All objects of a kind. */
  all(kind: string): any[];
  /**
   * A container with the ConfigMaps it takes with `envFrom` written into its `env`, first, as the kubelet sets them
   * (its own `env` wins), and no `envFrom` (sources not in the output, such as a user's Secret, are dropped): what
   * {@link envOf} and {@link plainEnv} need for such a container.
   */
  withEnvFrom(container: any): any;
  /** Warnings printed for the config. */
  readonly warnings: string[];
}

/** Synthesizes config text (YAML) as `npm run synth` would. */
export function synth(text: string = DEFAULT_CONFIG, file = 'platform.yaml', options: LoadOptions = {}): Synthesized {
  const loaded = parseConfig(text, file, options);
  const files = synthFiles(loaded);
  const { warnings } = loaded;
  const objects: { file: string; obj: any }[] = [];
  for (const [f, yamlText] of files) {
    if (!f.endsWith('.yaml')) continue; // the port record
    for (const doc of parseAllDocuments(yamlText)) {
      if ('errors' in doc && doc.errors.length > 0) throw new Error(`${f}: ${doc.errors[0].message}`);
      objects.push({ file: f, obj: doc.toJS() });
    }
  }
  return {
    files,
    objects,
    warnings: warnings.map((w) => w.message),
    get(kind, name, namespace) {
      const found = objects.find((o) => o.obj.kind === kind && o.obj.metadata.name === name && (namespace === undefined || o.obj.metadata.namespace === namespace));
      if (!found) throw new Error(`no ${kind} ${name}${namespace ? ` in ${namespace}` : ''}`);
      return found.obj;
    },
    all(kind) {
      return objects.filter((o) => o.obj.kind === kind).map((o) => o.obj);
    },
    withEnvFrom(container) {
      const from = (container.envFrom ?? []).flatMap((f: any) => {
        const cm = f.configMapRef && objects.find((o) => o.obj.kind === 'ConfigMap' && o.obj.metadata.name === f.configMapRef.name)?.obj;
        return cm ? Object.entries(cm.data ?? {}).map(([name, value]) => ({ name: `${f.prefix ?? ''}${name}`, value })) : [];
      });
      const { envFrom: _taken, ...rest } = container;
      return { ...rest, env: [...from, ...(container.env ?? [])] };
    },
  };
}

/** The default config with a YAML fragment merged over it (parsed, deep-merged, re-serialized). */
export function withOverrides(overrides: Record<string, unknown>, base: string = DEFAULT_CONFIG): string {
  const merged = deepMerge(parse(base), overrides);
  return stringify(merged);
}

function deepMerge(a: any, b: any): any {
  if (b === undefined) return a;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: any = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = v === null ? undefined : deepMerge(a[k], v);
    return out;
  }
  return b;
}

/** Containers (init and regular) of a workload object. */
export function containers(obj: any): any[] {
  const spec = obj.spec.template.spec;
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/**
 * The host path a container sees at `path`: through the deepest of its mounts that holds `path`, when that mount's
 * volume is a hostPath; none otherwise (another volume, or no mount: the container's own filesystem).
 */
export function hostPathAt(spec: any, container: any, path: string): string | undefined {
  const holding = (container.volumeMounts ?? []).filter((m: any) => path === m.mountPath || path.startsWith(`${m.mountPath}/`));
  const mount = holding.sort((a: any, b: any) => b.mountPath.length - a.mountPath.length)[0];
  const volume = mount && spec.volumes.find((v: any) => v.name === mount.name);
  if (!volume?.hostPath) return undefined;
  return `${volume.hostPath.path}${mount.subPath ? `/${mount.subPath}` : ''}${path.slice(mount.mountPath.length)}`;
}

/** A Certificate's issuer as cert-manager reads its issuerRef (the group and kind it leaves out are cert-manager's defaults). */
export function issuerOf(certificate: any): { group: string; kind: string; name: string } {
  return { group: 'cert-manager.io', kind: 'Issuer', ...certificate.spec.issuerRef };
}

/** Throws for a container that takes ConfigMaps with `envFrom`: its `env` alone is not its environment. */
function ownEnv(container: any): any[] {
  if (container.envFrom?.some((f: any) => f.configMapRef)) throw new Error(`container ${container.name} takes ConfigMaps with envFrom: pass out.withEnvFrom(container)`);
  return container.env ?? [];
}

/** The value of an env var of a container (the last entry of its name, as in Kubernetes), or its valueFrom. */
export function envOf(container: any, name: string): any {
  const e = [...ownEnv(container)].reverse().find((v: any) => v.name === name);
  return e === undefined ? undefined : (e.value ?? e.valueFrom);
}

/** The plain (non-Secret) environment of a container as a record. */
export function plainEnv(container: any): Record<string, string> {
  return Object.fromEntries(ownEnv(container).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
}

/** The `file:line:col: error: path: message` lines a config is rejected with (none when it is valid). */
export function configErrors(text: string, options: LoadOptions = {}): string[] {
  try {
    parseConfig(text, 'platform.yaml', options);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.filter((i) => i.severity === 'error').map(formatIssue);
    throw e;
  }
}
