/**
 * Every value that lands in a manifest or a program's config is checked by
 * the rule that will judge it there, and the message says what is expected
 * (with an example), which field is missing, or which other field clashes.
 */
import { configErrors, synth, withOverrides } from './support/platform';


/** The 1-based line of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

const node = (extra: object = {}) => ({ name: 'edge-node-1', address: '192.0.2.11', ...extra });
const withNode = (extra: object, edge: object = {}) => withOverrides({ edge: { ...edge, nodes: [node(extra)] } });

describe('values that reach a manifest or a program are checked where they are written', () => {
  test.each([
    ['an IPv4 part above 255', withNode({ address: '300.1.1.1' }), 'edge.nodes[0].address: "300.1.1.1" is not an IPv4 address (four numbers 0-255) (expected an IPv4 address or a DNS name, e.g. ' +
      '192.0.2.10 or edge-1.example.com)'],
    ['a loopback node address', withNode({ address: '127.0.0.1' }), 'edge.nodes[0].address: must be an address other machines reach, not loopback (127.0.0.0/8), localhost or 0.0.0.0'],
    ['0.0.0.0 as the proxy address', withOverrides({ proxy: { externalAddress: '0.0.0.0:30091' } }), 'proxy.externalAddress: must be an address other machines reach'],
    ['a loopback external IP', withOverrides({ proxy: { expose: { type: 'ExternalIPs', externalIPs: ['127.0.0.1'] } } }), 'proxy.expose.externalIPs[0]: must not be loopback'],
    ['a port past 65535', withOverrides({ edge: { cloudCoreAddress: 'cloudcore.example.com:70000' } }), 'edge.cloudCoreAddress: port 70000 is not from 1 to 65535 (expected host:port, e.g. ' +
      '203.0.113.10:30091)'],
    ['a scheme in host:port', withOverrides({ edge: { databaseAddress: 'http://203.0.113.10:30432' } }), 'edge.databaseAddress: no scheme: drop "http://" (expected host:port, e.g. db.example.com:5432)'],
    ['a space in host:port', withOverrides({ edge: { proxyAddress: 'proxy .example.com:30091' } }), 'edge.proxyAddress: spaces are not allowed'],
    ['an empty host', withOverrides({ edge: { proxyAddress: ':30091' } }), 'edge.proxyAddress: the host is empty'],
    ['a bad port in apiAccess.server', withOverrides({ edge: { apiAccess: { mode: 'sidecar', server: 'https://169.254.30.10:99999' } } }), 'edge.apiAccess.server: port 99999 is not from 1 to 65535 (expected https://host[:port], e.g. https://169.254.30.10:10550)'],
    ['a port that is not a number in apiAccess.server', withOverrides({ edge: { apiAccess: { mode: 'sidecar', server: 'https://api.example.com:abc' } } }), 'edge.apiAccess.server: port "abc" is not a number'],
    ['a repo URL with spaces', withOverrides({ gitops: { argocd: { repoURL: 'https://git.example.com/my repo.git' } } }), 'gitops.argocd.repoURL: must be a Git repository URL without spaces, e.g. https://git.example.com/team/repo.git'],
    ['a name starting with a digit (Service names are DNS-1035 labels)', withOverrides({ name: '9fl' }), 'name: must be a DNS-1035 label: lower-case letters, digits and "-", starting with a letter'],
    ['a class name with a space', withOverrides({ apiGateway: { ingressClassName: 'nginx internal' } }), 'apiGateway.ingressClassName: must be a DNS-1123 subdomain'],
    ['a storage class with upper case', withOverrides({ database: { embedded: { storageClassName: 'Fast' } } }), 'database.embedded.storageClassName: must be a DNS-1123 subdomain'],
    ['an empty secret key', withOverrides({ routeToken: { name: 'route-token', key: '' } }), 'routeToken.key: must be a Secret key: letters, digits, "-", "_" and ".", not "." or "..", e.g. password'],
    ['storageSize 0', withOverrides({ database: { embedded: { storageSize: 0 } } }), 'database.embedded.storageSize: must be more than 0, found number 0'],
    ['memory in thousandths', withOverrides({ jobScheduler: { resources: { limits: { memory: '512m' } } } }), 'jobScheduler.resources.limits.memory: must be at least 1 byte, e.g. 256Mi or 1Gi'],
    ['requests above limits', withOverrides({ jobScheduler: { resources: { requests: { cpu: 2 }, limits: { cpu: '500m' } } } }), 'jobScheduler.resources.requests.cpu: request 2 is above ' +
      'limits.cpu 500m: a request may be at most its limit'],
    ['an Ingress host that is an IP', withOverrides({ apiGateway: { hostnames: ['203.0.113.10'] } }), 'apiGateway.hostnames[0]: must be a DNS name, not an IP address'],
    ['a huge annotation', withOverrides({ proxy: { expose: { annotations: { big: 'x'.repeat(300 * 1024) } } } }), 'proxy.expose.annotations: annotations take 307203 bytes; the API server allows ' +
      'at most 262144 (256 KiB) per object'],
    ['an FL namespace that cannot name a coordinator Service', withOverrides({ sharedRoot: { namespaces: ['Team_A'] } }), 'sharedRoot.namespaces[0]: must be a DNS-1035 label'],
    ['an empty cluster label value', withOverrides({ taskManager: { clusterLabelValue: '' } }), 'taskManager.clusterLabelValue: must not be empty'],
    ['a loopback database address', withOverrides({ database: { type: 'postgreSQL', external: { address: '127.0.0.1:5432', credentials: { name: 'db' } } } }), 'database.external.address: must be ' +
      'an address other machines reach'],
    ['a huge site label (it lands in a ConfigMap)', withOverrides({ taskManager: { label: 'x'.repeat(2 * 1024 * 1024) } }), 'taskManager.label: must be at most 1024 characters'],
  ])('%s', (_what, text, message) => {
    expect(configErrors(text).join('\n')).toContain(message);
  });
});

describe('Kubernetes rules the OpenAPI schema cannot see', () => {
  test.each([
    ['Exists with a value', [{ key: 'gpu', operator: 'Exists', value: 'yes' }], 'edge.nodes[0].tolerations[0].value: must be empty when operator is Exists'],
    ['Equal without a key', [{ operator: 'Equal', value: 'yes' }], 'edge.nodes[0].tolerations[0].operator: must be Exists when key is empty'],
    ['no operator and no key', [{ value: 'yes' }], 'edge.nodes[0].tolerations[0].operator: must be Exists when key is empty'],
    ['tolerationSeconds without NoExecute', [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }], 'edge.nodes[0].tolerations[0].tolerationSeconds: is only allowed ' +
      'with effect: NoExecute'],
  ])('a toleration with %s', (_what, tolerations, message) => {
    expect(configErrors(withNode({ tolerations })).join('\n')).toContain(message);
  });

  test('valid tolerations pass', () => {
    expect(configErrors(withNode({ tolerations: [{ operator: 'Exists' }, { key: 'gpu', value: 'a', effect: 'NoExecute', tolerationSeconds: 60 }] }))).toEqual([]);
  });

  test('two site folders at the same path name each other', () => {
    expect(configErrors(withNode({ dirs: { workspace: '/data/fl', datasets: '/data/fl' } }))).toEqual([
      expect.stringMatching(new RegExp(
        String.raw`:\d+:\d+: error: edge\.nodes\[0\]\.dirs\.datasets: ` +
        String.raw`the datasets folder "\/data\/fl" is the same path as edge\.nodes\[0\]\.dirs\.workspace: each site folder needs its own path$`,
      )),
    ]);
  });

  test('a site folder set in the defaults that collides with a default folder is reported once, at the defaults', () => {
    const text = withOverrides({ edge: { defaults: { dirs: { lmdb: '/var/lib/neursafe-fl/workspace' } }, nodes: [node(), node({ name: 'edge-node-2', address: '192.0.2.12' })] } });
    expect(configErrors(text)).toEqual([
      expect.stringContaining('edge.defaults.dirs.lmdb: the lmdb folder "/var/lib/neursafe-fl/workspace" is the same path as the default workspace folder'),
    ]);
  });

  test.each([
    ['/tmp', 'its scratch space'],
    ['/etc/neursafe-fl', 'its config folder'],
    ['/etc', 'its config folder'],
  ])('a site folder %s that overlaps what the pod already mounts', (dir, what) => {
    expect(configErrors(withNode({ dirs: { lmdb: dir } })).join('\n')).toContain(`edge.nodes[0].dirs.lmdb: the lmdb folder "${dir}" overlaps`);
    expect(configErrors(withNode({ dirs: { lmdb: dir } })).join('\n')).toContain(what);
  });

  test('a shared root under /tmp makes the cloud site folders overlap /tmp, reported at sharedRoot.hostPath', () => {
    expect(configErrors(withOverrides({ sharedRoot: { hostPath: '/tmp/fl' } })).join('\n')).toContain('sharedRoot.hostPath: the lmdb folder "/tmp/fl/task-manager/lmdb" overlaps /tmp');
  });

  test('a node label that would override the cluster label is an error', () => {
    expect(configErrors(withNode({ nodeLabels: { 'kubernetes.io/cluster_id': 'other' } }))).toEqual([
      expect.stringContaining('edge.nodes[0].nodeLabels["kubernetes.io/cluster_id"]: "kubernetes.io/cluster_id" is the cluster label (taskManager.clusterLabelKey)'),
    ]);
    expect(configErrors(withNode({ nodeLabels: { 'kubernetes.io/hostname': 'other' } })).join('\n')).toContain('is set by the node itself and pins the task manager to it');
  });

  test('a request above a limit set at another level names that level', () => {
    const text = withOverrides({ edge: { defaults: { resources: { limits: { memory: '256Mi' } } }, nodes: [node({ resources: { requests: { memory: '1Gi' } } })] } });
    expect(configErrors(text)).toEqual([
      expect.stringContaining('edge.nodes[0].resources.requests.memory: request 1Gi is above the limit 256Mi set in edge.defaults.resources.limits.memory'),
    ]);
  });
});

describe('messages that help', () => {
  test('a missing required field is named as missing, at the line of its mapping', () => {
    const text = withOverrides({ edge: { nodes: [{ name: 'edge-node-1' }] } });
    expect(configErrors(text)).toEqual([`platform.yaml:${lineOf(text, 'name: edge-node-1')}:7: error: edge.nodes[0].address: missing required field \`address\``]);
  });

  test('a cross-field error about a field not written shows the line of the other field and names it', () => {
    const text = withOverrides({ jobScheduler: { port: 8001 } });
    expect(configErrors(text)).toEqual([
      `platform.yaml:${lineOf(text, 'port: 8001')}:9: error: apiProxy.port: port 8001 of the API proxy sidecar (apiProxy.port) is already used by the job scheduler (jobScheduler.port) in the same ` +
        `pod`,
    ]);
  });

  test('clashing nodes are named', () => {
    const text = withOverrides({ edge: { nodes: [node(), node({ name: 'edge-node-2' })] } });
    expect(configErrors(text)).toEqual([expect.stringContaining('edge.nodes[1].address: address "192.0.2.11" is already used by edge.nodes[0] ("edge-node-1")')]);
    const labels = withOverrides({ taskManager: { clusterLabelValue: 'edge-node-1' }, edge: { nodes: [node()] } });
    expect(configErrors(labels)).toEqual([expect.stringContaining('taskManager.clusterLabelValue: cluster label value "edge-node-1" is also used by edge.nodes[0] ("edge-node-1")')]);
  });

  test('a cluster label clash from a site group points at the site', () => {
    const text = withOverrides({ edge: { nodes: [node(), node({ name: 'edge-node-2', address: '192.0.2.12', site: 'edge-node-1' })] } });
    expect(configErrors(text)).toEqual([expect.stringContaining('edge.nodes[1].site: cluster label value "edge-node-1" is already used by edge.nodes[0] ("edge-node-1")')]);
  });

  test('a malformed address is reported as malformed, not as a cluster-internal name', () => {
    const found = configErrors(withOverrides({ edge: { databaseAddress: 'db host:5432' } }));
    expect(found).toEqual([expect.stringContaining('edge.databaseAddress: spaces are not allowed')]);
    expect(found.join('\n')).not.toContain('cluster-internal');
  });

  test('a bad key of a map says what a key must be', () => {
    expect(configErrors(withNode({ nodeLabels: { 'rack one': 'a' } }))).toEqual([
      expect.stringContaining('edge.nodes[0].nodeLabels["rack one"]: invalid key "rack one": must be a Kubernetes label key'),
    ]);
  });

  test('a value of the wrong type in a union says which types are expected', () => {
    expect(configErrors(withOverrides({ jobScheduler: { resources: { requests: { cpu: true } } } }))).toEqual([
      expect.stringContaining('jobScheduler.resources.requests.cpu: expected string or number, found boolean true'),
    ]);
  });
});

describe('defaults never conflict with configured resources', () => {
  const jobScheduler = (resources: object) =>
    synth(withOverrides({ jobScheduler: { resources } })).get('Deployment', 'nsfl-job-scheduler').spec.template.spec.containers.find((c: any) => c.name === 'job-scheduler').resources;

  test('a request above the default limit raises the limit to it', () => {
    expect(jobScheduler({ requests: { memory: '4Gi' } })).toEqual({ requests: { cpu: '100m', memory: '4Gi' }, limits: { cpu: '1', memory: '4Gi' } });
  });

  test('a limit below the default request lowers the request to it', () => {
    expect(jobScheduler({ limits: { cpu: '50m' } })).toEqual({ requests: { cpu: '50m', memory: '256Mi' }, limits: { cpu: '50m', memory: '1Gi' } });
  });
});
