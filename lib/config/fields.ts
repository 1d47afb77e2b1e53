/**
 * Field types of the config schema, each built from the one rule that will
 * judge the value where it lands (the API server's rules in `k8s-rules.ts`,
 * the programs' address syntax in `addresses.ts`). Patterns and length limits
 * go into the JSON Schema; every message says what form is expected, with an
 * example. Re-exported by `schema.ts` for use in any config field.
 */
import { z } from 'zod';
import {
  explainHost, explainHostPort, explainIpv4, explainUrl, GIT_REPO_URL, HOST, HOST_PORT, hostOf, HTTP_URL, HTTPS_URL, IPV4, IPV4_CIDR, isLocalOnly, isSpecialIpv4,
  MONGODB_URI,
} from './addresses';
import {
  CONFIG_MAP_KEY, DNS1035_LABEL, DNS1123_LABEL, DNS1123_SUBDOMAIN, DNS_LABEL_MAX, DNS_SUBDOMAIN_MAX, isQualifiedName, LABEL_VALUE, mapBytes,
  MAX_ANNOTATIONS_BYTES, NODE_PORT_RANGE, PORT_RANGE, QUALIFIED_NAME, QUANTITY, quantityValue, TAINT_EFFECTS, tolerationProblems,
} from './k8s-rules';

/** A string of at most `max` characters matching `pattern`; `expected` names the form, with an example. */
function text(pattern: RegExp, max: number, expected: string) {
  return z
    .string()
    .max(max, { error: `must be at most ${max} characters (${expected})`, abort: true })
    .regex(pattern, { error: `must be ${expected}`, abort: true });
}

/** A DNS-1123 label, e.g. `neursafe-fl` (namespaces, Secret references, profile names). */
export const dnsLabel = text(DNS1123_LABEL, DNS_LABEL_MAX, 'a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit, e.g. neursafe-fl');

/** A DNS-1035 label, e.g. `nsfl`: what a Service name must be, so also a prefix of Service names. */
export const dns1035Label = text(DNS1035_LABEL, DNS_LABEL_MAX, 'a DNS-1035 label: lower-case letters, digits and "-", starting with a letter and ending with a letter or digit, e.g. nsfl');

/** A DNS-1123 subdomain, e.g. `fast-ssd` (StorageClass and IngressClass names). */
export const dnsSubdomain = text(DNS1123_SUBDOMAIN, DNS_SUBDOMAIN_MAX, 'a DNS-1123 subdomain: lower-case letters, digits, "-" and ".", e.g. fast-ssd');

/** A Kubernetes node name that is also a valid label value (at most 63 characters), e.g. `edge-node-1`. */
export const nodeName = text(DNS1123_SUBDOMAIN, DNS_LABEL_MAX, 'a Kubernetes node name (DNS-1123 subdomain of at most 63 characters: lower-case letters, digits, "-" and "."), e.g. edge-node-1');

/** A label value, e.g. `nsfl-cloud`. */
export const labelValue = text(LABEL_VALUE, DNS_LABEL_MAX, 'a Kubernetes label value: letters, digits, "-", "_" and ".", starting and ending with a letter or digit, e.g. nsfl-cloud');

/** A label or annotation key, e.g. `example.com/rack` or `rack`. */
export const labelKey = z
  .string()
  .max(DNS_SUBDOMAIN_MAX + 1 + DNS_LABEL_MAX, { error: 'is too long for a label key', abort: true })
  .regex(QUALIFIED_NAME, { error: 'must be a Kubernetes label key: an optional DNS prefix and "/", then a name of letters, digits, "-", "_", ".", e.g. example.com/rack', abort: true })
  .refine(isQualifiedName, { error: 'must be a Kubernetes label key: the name after "/" is at most 63 characters, the prefix at most 253' });

/** Annotations of one object: label-key keys, at most 256 KiB in all (the API server's limit). */
export const annotations = z
  .record(labelKey, z.string())
  .refine((a) => mapBytes(a) <= MAX_ANNOTATIONS_BYTES, {
    error: (iss) => `annotations take ${mapBytes(iss.input as Record<string, string>)} bytes; the API server allows at most ${MAX_ANNOTATIONS_BYTES} (256 KiB) per object`,
  });

/** A key inside a Secret or ConfigMap, e.g. `password`. */
export const secretKey = text(CONFIG_MAP_KEY, DNS_SUBDOMAIN_MAX, 'a Secret key: letters, digits, "-", "_" and ".", not "." or "..", e.g. password');

/** A port number, 1-65535. */
export const port = z
  .number()
  .int({ error: 'must be a whole number (a port from 1 to 65535, e.g. 8080)' })
  .min(PORT_RANGE.min, { error: 'must be a port number from 1 to 65535' })
  .max(PORT_RANGE.max, { error: 'must be a port number from 1 to 65535' });

/** A NodePort in the API server's default range 30000-32767. */
export const nodePort = z
  .number()
  .int({ error: 'must be a whole number (a NodePort from 30000 to 32767, e.g. 30091)' })
  .min(NODE_PORT_RANGE.min, { error: 'must be in the NodePort range 30000-32767' })
  .max(NODE_PORT_RANGE.max, { error: 'must be in the NodePort range 30000-32767' });

/** An IPv4 address, e.g. `10.96.0.10`. */
export const ipv4 = z.string().regex(IPV4, { error: (iss) => explainIpv4(iss.input, '10.96.0.10'), abort: true });

/** An IPv4 address the API server takes as a Service external IP: not loopback, 0.0.0.0 or link-local. */
export const externalIpv4 = ipv4.refine((ip) => !isSpecialIpv4(ip), {
  error: 'must not be loopback (127.0.0.0/8), 0.0.0.0 or link-local (169.254.0.0/16, 224.0.0.0/24): the API server refuses them as external IPs',
});

/** An IPv4 address or DNS name another machine can reach (no port), e.g. `192.0.2.10` or `edge-1.example.com`. */
export const host = z
  .string()
  .regex(HOST, { error: (iss) => explainHost(iss.input), abort: true })
  .refine((h) => !isLocalOnly(h), { error: 'must be an address other machines reach, not loopback (127.0.0.0/8), localhost or 0.0.0.0' });

/**
 * `host:port` as the programs split it (no scheme, no IPv6, port 1-65535) whose host other machines reach
 * (not loopback, localhost or 0.0.0.0), e.g. `203.0.113.10:30091`.
 */
export const externalHostPort = z
  .string()
  .regex(HOST_PORT, { error: (iss) => explainHostPort(iss.input, '203.0.113.10:30091'), abort: true })
  .refine((a) => !isLocalOnly(a.slice(0, a.lastIndexOf(':'))), {
    error: 'must be an address other machines reach, not loopback (127.0.0.0/8), localhost or 0.0.0.0',
  });

/** An IPv4 CIDR block, e.g. `203.0.113.0/24`. */
export const ipv4Cidr = z.string().regex(IPV4_CIDR, { error: 'must be an IPv4 CIDR block, e.g. 203.0.113.0/24 (one address: 203.0.113.10/32)' });

/** An `http://` or `https://` URL of a host and optional port (no path), e.g. `http://minio.example.com:9000`. */
export const httpUrl = z.string().regex(HTTP_URL, { error: (iss) => explainUrl(iss.input, ['http', 'https'], 'http://minio.example.com:9000') });

/** An `https://` URL of a host and optional port (no path), e.g. `https://169.254.30.10:10550`. */
const httpsUrl = z.string().regex(HTTPS_URL, { error: (iss) => explainUrl(iss.input, ['https'], 'https://169.254.30.10:10550'), abort: true });

/** {@link httpsUrl} whose host is not loopback, localhost or 0.0.0.0 (it is dialled from inside a pod). */
export const externalHttpsUrl = httpsUrl.refine((u) => !isLocalOnly(hostOf(u)), {
  error: 'must be an address other machines reach, not loopback (127.0.0.0/8), localhost or 0.0.0.0',
});

/** A database address: `host:port`, or for MongoDB a `mongodb://` URI, e.g. `db.example.com:5432`; not loopback (a pod's own). */
export const databaseAddress = z
  .string()
  .refine((a) => HOST_PORT.test(a) || MONGODB_URI.test(a), {
    error: (iss) =>
      /^mongodb/.test(String(iss.input))
        ? 'must be a MongoDB URI without spaces, e.g. mongodb://db.example.com:27017/neursafe_fl'
        : `${explainHostPort(iss.input, 'db.example.com:5432')}; MongoDB also takes a mongodb:// URI`,
    abort: true,
  })
  .refine((a) => !isLocalOnly(hostOf(a)), { error: 'must be an address other machines reach, not loopback (127.0.0.0/8), localhost or 0.0.0.0 (a pod\'s loopback is the pod itself)' })
  .meta({ anyOf: [{ pattern: HOST_PORT.source }, { pattern: MONGODB_URI.source }] });

/** An Ingress host: a DNS name, optionally `*.` first, not an IP address, e.g. `fl.example.com`. */
export const ingressHost = text(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, DNS_SUBDOMAIN_MAX, 'a lower-case DNS name, optionally starting with "*.", e.g. ' +
  'fl.example.com')
  .refine((h) => !IPV4.test(h), { error: 'must be a DNS name, not an IP address (the API server refuses IPs as Ingress hosts), e.g. fl.example.com' });

/** A Git repository URL, e.g. `https://git.example.com/team/repo.git` or `git@git.example.com:team/repo.git`. */
export const gitRepoUrl = z.string().regex(GIT_REPO_URL, {
  error: 'must be a Git repository URL without spaces, e.g. https://git.example.com/team/repo.git or git@git.example.com:team/repo.git',
});

/** A Kubernetes quantity (`100m`, `0.5`, `256Mi`, `2Gi`) or a number, at least 0. */
const quantity = z
  .union([z.string(), z.number()])
  .refine((q) => quantityValue(q) !== undefined, { error: 'must be a Kubernetes quantity such as 100m, 0.5, 256Mi or 2Gi', abort: true })
  .meta({ pattern: QUANTITY.source });

/** A quantity above zero, e.g. `10Gi` or `100m`. */
export const positiveQuantity = quantity.refine((q) => (quantityValue(q) ?? 0) > 0, { error: 'must be more than 0', abort: true });

/** Memory: a quantity of at least one byte, e.g. `256Mi` (`256m` would be 0.256 bytes). */
const memory = quantity.refine((q) => (quantityValue(q) ?? 0) >= 1, { error: 'must be at least 1 byte, e.g. 256Mi or 1Gi ("m" means thousandths: 256m is 0.256 bytes)' });

const resourceList = z.strictObject({
  cpu: positiveQuantity.optional().describe('CPU, e.g. 100m or 1.'),
  memory: memory.optional().describe('Memory, e.g. 256Mi.'),
});

/** Compute resources of one container; each request at most its limit (the API server's rule). */
export const resourcesSchema = z
  .strictObject({
    requests: resourceList.optional().describe('What the scheduler reserves.'),
    limits: resourceList.optional().describe('The most the container may use.'),
  })
  .superRefine((r, ctx) => {
    for (const key of ['cpu', 'memory'] as const) {
      const [req, lim] = [r.requests?.[key], r.limits?.[key]];
      if (req !== undefined && lim !== undefined && quantityValue(req)! > quantityValue(lim)!) {
        ctx.addIssue({ code: 'custom', path: ['requests', key], message: `request ${req} is above limits.${key} ${lim}: a request may be at most its limit` });
      }
    }
  })
  .describe('Container resources (requests and limits).');

/** A toleration, checked as the API server checks it. */
export const toleration = z
  .strictObject({
    key: z.string().optional().describe('Taint key; empty (with operator Exists) tolerates every taint.'),
    operator: z.enum(['Exists', 'Equal']).optional().describe('Default Equal.'),
    value: z.string().optional().describe('Taint value (operator Equal only).'),
    effect: z.enum(TAINT_EFFECTS).optional().describe('Taint effect to tolerate; empty tolerates every effect.'),
    tolerationSeconds: z.number().int().optional().describe('How long the pod stays after a NoExecute taint (effect NoExecute only).'),
  })
  .superRefine((t, ctx) => {
    for (const p of tolerationProblems(t)) ctx.addIssue({ code: 'custom', path: [p.field], message: p.message });
  });

/** An absolute path, e.g. `/mnt/neursafe_fl`: no trailing "/", no "." or ".." segments. */
export const absolutePath = z
  .string()
  .max(4095, { error: 'must be at most 4095 characters (a path)', abort: true })
  .regex(/^\/([^/\0]+\/?)*$/, { error: 'must be an absolute path such as /mnt/neursafe_fl', abort: true })
  .refine((p) => p === '/' || !p.endsWith('/'), { error: 'must not end with "/", e.g. /mnt/neursafe_fl' })
  .refine((p) => !p.split('/').some((s) => s === '..' || s === '.'), { error: 'must not contain "." or ".." segments, e.g. /mnt/neursafe_fl' });

/** Environment variables for a container: names as the programs read them, at most 256 KiB in all. */
export const envVars = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name: letters, digits and "_", not starting with a digit, e.g. REPORT_PERIOD' }), z.string())
  .refine((e) => mapBytes(e) <= 256 * 1024, { error: 'must take at most 256 KiB in all (it is part of a Deployment, which the API server limits to about 1.5 MiB)' });

/** A free-form text written into a program's config file, at most `max` characters. */
export function freeText(max: number) {
  return z.string().max(max, { error: `must be at most ${max} characters` });
}
