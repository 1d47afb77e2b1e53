/**
 * Image references: the platform's own components (`<registry>/<upstream
 * name>:<tag>[@<digest>]`, unless the config overrides one) and the mirror
 * rule that rewrites any reference to come from `images.mirror`.
 */
import { Config } from './config/schema';

/** The image of a platform component (`upstream`: its upstream name, e.g. nsfl-proxy): the override when set, else registry/name:tag, with its digest when one is set. */
export function platformImage(
  config: { readonly images: Pick<Config['images'], 'registry' | 'tag' | 'digests'> },
  upstream: string,
  override?: string,
): string {
  const digest = config.images.digests[upstream];
  return override ?? `${config.images.registry}/${upstream}:${config.images.tag}${digest === undefined ? '' : `@${digest}`}`;
}

/** Docker Hub's registry host as it is written in references; a reference with no host means it. */
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Host and path of a reference or a registry prefix: the first segment is a host when it has a "." or ":" or is localhost (the rule Docker and containerd use). */
function splitHost(ref: string): { host: string; path: string } {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? ref : ref.slice(0, slash);
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) return { host: first, path: ref.slice(slash + 1) };
  return { host: 'docker.io', path: ref };
}

/** A reference's registry host and its path there (Docker Hub's one-segment names with their implicit `library/`): where it is pulled from. */
export function imageSource(ref: string): { readonly host: string; readonly path: string } {
  const { host, path } = splitHost(ref);
  return DOCKER_HUB.has(host) ? { host: 'docker.io', path: path.includes('/') ? path : `library/${path}` } : { host, path };
}

/**
 * An image reference pulled from `mirror` instead: `<mirror>/<path>` where
 * path is the reference without its registry host, and Docker Hub's
 * one-segment names (busybox) get their implicit `library/`. Tag and digest
 * are kept; a reference already under `<mirror>/` is returned as it is.
 */
export function mirrorImage(ref: string, mirror: string): string {
  return ref.startsWith(`${mirror}/`) ? ref : `${mirror}/${imageSource(ref).path}`;
}

/** A registry prefix (`images.registry`: host and path) under `mirror`: `<mirror>/<path>`, or the mirror itself for a bare host. */
export function mirrorRegistry(registry: string, mirror: string): string {
  if (registry === mirror || registry.startsWith(`${mirror}/`)) return registry;
  const prefix = splitHost(`${registry}/_`).path.slice(0, -'/_'.length);
  return prefix === '' ? mirror : `${mirror}/${prefix}`;
}

/**
 * The imagePullPolicy Kubernetes gives a container that sets none (the API server's defaulting): `Always` for a
 * reference with no digest whose tag is `latest` or missing, else `IfNotPresent`.
 */
export function defaultPullPolicy(ref: string): 'Always' | 'IfNotPresent' {
  if (ref.includes('@')) return 'IfNotPresent';
  const name = ref.slice(ref.lastIndexOf('/') + 1);
  const colon = name.indexOf(':');
  return colon < 0 || name.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}
