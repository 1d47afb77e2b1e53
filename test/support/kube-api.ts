/**
 * A recording stand-in for the Kubernetes API server, for running the
 * generated kubectl scripts with the real kubectl: plain HTTP on 127.0.0.1
 * (a random port), the legacy discovery documents kubectl reads (`/api`,
 * `/apis`, `/api/v1`, `/apis/<group>/<version>`), and namespaced resources
 * held in memory (get, list with an equality label selector, merge patch,
 * JSON patch `add`).
 *
 * Every resource request is **authorized against RBAC rules** as the API
 * server does: the verb comes from the HTTP method and whether a name is in
 * the path (GET name → get, GET → list, GET ?watch → watch, POST → create,
 * PUT → update, PATCH → patch, DELETE name → delete, DELETE → deletecollection),
 * then it must match a rule's apiGroups, resources, verbs (and resourceNames)
 * in the Role's namespace; otherwise the answer is 403 with a Kubernetes
 * Status, as kubectl sees it from a real server. Discovery is allowed to
 * everyone, like the `system:discovery` ClusterRole does for authenticated
 * users. Each request is recorded with its verb, resource and answer.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';

/** An RBAC PolicyRule, as a generated Role holds it. */
export interface Rule {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

/** A resource type the server serves. */
export interface ResourceType {
  /** API group ('' for the core group). */
  readonly group: string;
  readonly version: string;
  /** Plural name, e.g. `deployments`. */
  readonly resource: string;
  readonly kind: string;
}

/** One recorded resource request. */
interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name?: string;
  /** The HTTP status answered. */
  readonly status: number;
  /** The request body (patches). */
  readonly body?: string;
}

/** The server's state and record. */
export interface FakeApiServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Resource requests in arrival order (discovery not included). */
  readonly requests: Recorded[];
  /** The objects of a resource in a namespace (live: patches change them). */
  objects(resource: string, namespace: string): any[];
  /** Writes a kubeconfig for this server (a bearer token; RBAC decides, not the token) and returns its path. */
  kubeconfig(dir: string): string;
  close(): Promise<void>;
}

/** Options of {@link startFakeApiServer}. */
export interface FakeApiServerOptions {
  readonly types: readonly ResourceType[];
  /** The Role's namespace and rules: the only rights of the caller. */
  readonly role: { readonly namespace: string; readonly rules: readonly Rule[] };
  /** Initial objects, each with apiVersion, kind and metadata.namespace. */
  readonly objects: readonly any[];
}

/** The RBAC verb of a request. */
function verbOf(method: string, name: string | undefined, query: URLSearchParams): string {
  switch (method) {
    case 'GET':
      return name !== undefined ? 'get' : query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return name !== undefined ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/** Whether RBAC rules allow a request (a Role: same namespace only). */
function allows(rules: readonly Rule[], r: { verb: string; group: string; resource: string; name?: string }): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).includes(v) || (list ?? []).includes('*');
  return rules.some(
    (rule) =>
      has(rule.apiGroups, r.group) &&
      has(rule.resources, r.resource) &&
      has(rule.verbs, r.verb) &&
      (rule.resourceNames === undefined || rule.resourceNames.length === 0 || (r.name !== undefined && rule.resourceNames.includes(r.name))),
  );
}

/** Whether an object's labels match an equality-based selector (`a=b,c=d`, `a==b`, `a!=b`). */
function matches(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) throw new Error(`unsupported label selector term: ${term}`);
    const value = labels?.[m[1]];
    return m[2] === '!=' ? value !== m[3] : value === m[3];
  });
}

/** A JSON merge (patch objects into the target; enough for the annotation patches kubectl sends). */
function merge(target: any, patch: any): any {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

/** A JSON patch (RFC 6902) of `add` operations, the only ones the generated scripts send; other operations throw. */
function jsonPatch(target: any, ops: readonly { op: string; path: string; value?: unknown }[]): any {
  const out = JSON.parse(JSON.stringify(target));
  for (const { op, path: at, value } of ops) {
    if (op !== 'add') throw new Error(`JSON patch op ${op} is not served by this test server`);
    const keys = at.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    const parent = keys.reduce((o, k) => o[k], out);
    if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, value);
    else parent[last] = value;
  }
  return out;
}

/** Starts the server on a random port of 127.0.0.1. */
export async function startFakeApiServer(options: FakeApiServerOptions): Promise<FakeApiServer> {
  const requests: Recorded[] = [];
  const store = new Map<string, any[]>();
  const typeOf = (group: string, resource: string) => options.types.find((t) => t.group === group && t.resource === resource);
  const key = (resource: string, namespace: string) => `${resource}/${namespace}`;
  const objects = (resource: string, namespace: string) => {
    if (!store.has(key(resource, namespace))) store.set(key(resource, namespace), []);
    return store.get(key(resource, namespace))!;
  };
  for (const obj of options.objects) {
    const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
    const type = options.types.find((t) => t.group === group && t.version === version && t.kind === obj.kind);
    if (!type) throw new Error(`no resource type for ${obj.apiVersion} ${obj.kind}`);
    // A real server's list items carry no kind or apiVersion: kubectl fills them in from the list's.
    const { kind: _kind, apiVersion: _apiVersion, ...rest } = structuredClone(obj);
    objects(type.resource, obj.metadata.namespace).push(rest);
  }

  let url = '';
  const discovery = (p: string): unknown => {
    if (p === '/version') return { major: '1', minor: '28', gitVersion: 'v1.28.0', platform: 'linux/amd64' };
    if (p === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: url.replace('http://', '') }] };
    const groups = [...new Set(options.types.filter((t) => t.group !== '').map((t) => `${t.group}/${t.version}`))];
    if (p === '/apis') {
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: groups.map((gv) => {
          const [name, version] = gv.split('/');
          const v = { groupVersion: gv, version };
          return { name, versions: [v], preferredVersion: v };
        }),
      };
    }
    const gv = p === '/api/v1' ? 'v1' : p.startsWith('/apis/') ? p.slice('/apis/'.length) : undefined;
    if (gv === undefined || (gv !== 'v1' && !groups.includes(gv))) return undefined;
    const [group, version] = gv === 'v1' ? ['', 'v1'] : gv.split('/');
    const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: gv,
      resources: options.types
        .filter((t) => t.group === group && t.version === version)
        .map((t) => ({ name: t.resource, singularName: t.kind.toLowerCase(), namespaced: true, kind: t.kind, verbs })),
    };
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const u = new URL(req.url!, 'http://x');
      const send = (status: number, doc: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(doc));
      };
      const d = discovery(u.pathname);
      if (d !== undefined && req.method === 'GET') return send(200, d);
      // /api/v1/namespaces/<ns>/<resource>[/<name>] or /apis/<group>/<version>/namespaces/<ns>/<resource>[/<name>]
      const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(u.pathname);
      if (!m) return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `the server could not find the requested resource (${u.pathname})` });
      const group = m[1] ? '' : m[2];
      const [namespace, resource, name] = [m[4], m[5], m[6]];
      const verb = verbOf(req.method!, name, u.searchParams);
      const record = (status: number) => requests.push({ method: req.method!, path: req.url!, verb, group, resource, namespace, ...(name !== undefined ? { name } : {}), status,
        ...(body ? { body } : {}) });
      const type = typeOf(group, resource);
      if (!type) {
        record(404);
        return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
      }
      const qualified = group === '' ? resource : `${resource}.${group}`;
      if (namespace !== options.role.namespace || !allows(options.role.rules, { verb, group, resource, name })) {
        record(403);
        return send(403, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `${qualified}${name ? ` "${name}"` : ''} is forbidden: User "system:serviceaccount:${options.role.namespace}:test" ` +
            `cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "${namespace}"`,
          reason: 'Forbidden',
          details: { ...(name ? { name } : {}), group, kind: resource },
          code: 403,
        });
      }
      const list = objects(resource, namespace);
      const apiVersion = group === '' ? type.version : `${group}/${type.version}`;
      const found = name === undefined ? undefined : list.find((o) => o.metadata.name === name);
      if (name !== undefined && !found) {
        record(404);
        return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${qualified} "${name}" not found`, details: { name, group, kind: resource } });
      }
      if (verb === 'list') {
        record(200);
        return send(200, { kind: `${type.kind}List`, apiVersion, metadata: { resourceVersion: '1' }, items: list.filter((o) => matches(o.metadata.labels, u.searchParams.get('labelSelector'))) });
      }
      if (verb === 'get') {
        record(200);
        return send(200, { kind: type.kind, apiVersion, ...found });
      }
      if (verb === 'patch') {
        const patched = req.headers['content-type'] === 'application/json-patch+json' ? jsonPatch(found, JSON.parse(body)) : merge(found, JSON.parse(body));
        list.splice(list.indexOf(found), 1, patched);
        record(200);
        return send(200, { kind: type.kind, apiVersion, ...patched });
      }
      record(405);
      return send(405, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'MethodNotAllowed', code: 405, message: `${verb} is not served by this test server` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    requests,
    objects,
    kubeconfig(dir: string): string {
      const file = path.join(dir, 'kubeconfig');
      fs.writeFileSync(
        file,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'test', cluster: { server: url } }],
          users: [{ name: 'test', user: { token: 'test' } }],
          contexts: [{ name: 'test', context: { cluster: 'test', user: 'test' } }],
          'current-context': 'test',
        }),
      );
      return file;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Runs a shell script (a generated Job's or CronJob's) asynchronously, so a
 * server of this process can answer it; its exit status and its output.
 */
export function runShell(script: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', script], { env });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (status) => resolve({ status, output }));
  });
}
