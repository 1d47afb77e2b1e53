/**
 * Who reaches the job and model API: the HTTPRoute claims only its host
 * names on a shared Gateway, and the NetworkPolicies admit only the
 * gateway's data plane (its namespace and pod labels, or Cilium's `ingress`
 * identity through a CiliumNetworkPolicy). Checked with the NetworkPolicy
 * evaluator over the synthesized output.
 */
import { validateManifest } from './support/k8s-schema';
import { external, makePod, NetworkEvaluator } from './support/netpol';
import { configErrors, synth, withOverrides } from './support/platform';

const ns = 'neursafe-fl';
const shared = { gateway: { name: 'public', namespace: 'gateway-system', sectionName: 'http' } };
const envoy = makePod('envoy-public', 'envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'public' }, [], '10.244.6.1');
const otherEnvoy = makePod('envoy-other', 'envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'other' }, [], '10.244.6.2');
const inGatewayNs = makePod('public-istio', 'gateway-system', { 'gateway.networking.k8s.io/gateway-name': 'public' }, [], '10.244.6.3');
const stranger = makePod('web', 'tenant', { app: 'web' }, [], '10.244.8.1');
const intruder = makePod('debug', ns, { app: 'debug' }, [], '10.244.8.2');
const EXTRA = [envoy, otherEnvoy, inGatewayNs, stranger, intruder];

const api = (net: NetworkEvaluator, src: ReturnType<typeof makePod>) => [
  net.allowsService(src, 'nsfl-job-scheduler', 'http'),
  net.allowsService(src, 'nsfl-model-manager', 'http'),
];

describe('apiGateway.hostnames', () => {
  test('required for an HTTPRoute on a Gateway in another namespace, naming the field', () => {
    expect(configErrors(withOverrides({ apiGateway: shared }))).toEqual([
      expect.stringContaining('apiGateway.hostnames: the Gateway is in namespace "gateway-system", not the platform\'s: list the host names the API is served on'),
    ]);
    // A Gateway of the platform's own namespace serves only the platform: no host names needed (the bundled config).
    expect(configErrors(withOverrides({ apiGateway: { gateway: { namespace: ns } } }))).toEqual([]);
  });

  test('written to the HTTPRoute, which stays valid under the Gateway API CRD schema', () => {
    const out = synth(withOverrides({ apiGateway: { ...shared, hostnames: ['fl.example.com', '*.fl.example.org'] } }));
    const route = out.get('HTTPRoute', 'nsfl-api-gateway', ns);
    expect(route.spec.hostnames).toEqual(['fl.example.com', '*.fl.example.org']);
    expect(validateManifest(route)).toEqual([]);
    expect(out.get('ConfigMap', 'nsfl-endpoints', ns).data['api-server']).toBe('fl.example.com');
  });

  test('the earlier single `host` says what replaced it', () => {
    expect(configErrors(withOverrides({ apiGateway: { host: 'fl.example.com' } }))).toEqual([
      expect.stringContaining('apiGateway.host: replaced by apiGateway.hostnames, a list: write hostnames: [<the host>]'),
    ]);
  });

  test('host names are DNS names, each once', () => {
    expect(configErrors(withOverrides({ apiGateway: { hostnames: ['fl.example.com', 'fl.example.com'] } }))).toEqual([
      expect.stringContaining('apiGateway.hostnames: must not repeat a host name'),
    ]);
    expect(configErrors(withOverrides({ apiGateway: { hostnames: ['Bad Host'] } })).join('\n')).toContain('apiGateway.hostnames[0]: must be');
  });
});

describe('apiGateway.dataPlane: only the gateway\'s data plane reaches the job scheduler and the model manager', () => {
  test('a shared Gateway: by default the pods GEP-1762 labels in the Gateway\'s namespace', () => {
    const net = new NetworkEvaluator(synth(withOverrides({ apiGateway: { ...shared, hostnames: ['fl.example.com'] } })).objects.map((o) => o.obj), EXTRA);
    expect(api(net, inGatewayNs)).toEqual([true, true]);
    for (const p of [envoy, stranger, intruder]) expect({ pod: p.name, api: api(net, p) }).toEqual({ pod: p.name, api: [false, false] });
  });

  test('Envoy Gateway: its own namespace and labels, and no other Gateway\'s proxies', () => {
    const dataPlane = { namespace: 'envoy-gateway-system', podLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'public' } };
    const net = new NetworkEvaluator(synth(withOverrides({ apiGateway: { ...shared, hostnames: ['fl.example.com'], dataPlane } })).objects.map((o) => o.obj), EXTRA);
    expect(api(net, envoy)).toEqual([true, true]);
    for (const p of [otherEnvoy, inGatewayNs, stranger, intruder]) expect({ pod: p.name, api: api(net, p) }).toEqual({ pod: p.name, api: [false, false] });
    // The rest of the API stays closed to the data plane: only the two HTTP ports.
    expect(net.allowsService(envoy, 'nsfl-proxy', 'http')).toBe(false);
    expect(net.allowsService(envoy, 'nsfl-client-selector', 'grpc')).toBe(false);
  });

  test('an Ingress controller: its namespace is required, naming the field', () => {
    expect(configErrors(withOverrides({ apiGateway: { type: 'ingress' } }))).toEqual([
      expect.stringContaining('apiGateway.dataPlane.namespace: apiGateway.type is "ingress": set the namespace the Ingress controller\'s pods run in'),
    ]);
    const controller = makePod('ingress-nginx-controller', 'ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }, [], '10.244.6.9');
    const out = synth(withOverrides({ apiGateway: { type: 'ingress', dataPlane: { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } } }));
    const net = new NetworkEvaluator(out.objects.map((o) => o.obj), [...EXTRA, controller]);
    expect(api(net, controller)).toEqual([true, true]);
    expect(api(net, stranger)).toEqual([false, false]);
  });

  test('a data plane in the platform namespace must be named by labels, or every pod there would reach the API', () => {
    expect(configErrors(withOverrides({ apiGateway: { dataPlane: { podLabels: {} } } }))).toEqual([
      expect.stringContaining('apiGateway.dataPlane.podLabels: the API gateway\'s data plane runs in the platform\'s namespace "neursafe-fl": name its pods\' labels'),
    ]);
  });

  test('Cilium\'s own gateway: a CiliumNetworkPolicy admits its reserved `ingress` identity, no NetworkPolicy admits any pod', () => {
    const out = synth(withOverrides({ apiGateway: { ...shared, hostnames: ['fl.example.com'], dataPlane: { cilium: true } } }));
    const cnps = out.all('CiliumNetworkPolicy');
    expect(cnps.map((p) => [p.metadata.name, p.metadata.namespace])).toEqual([
      ['nsfl-job-scheduler-from-cilium-ingress', ns],
      ['nsfl-model-manager-from-cilium-ingress', ns],
    ]);
    expect(cnps.map((p) => p.apiVersion)).toEqual(['cilium.io/v2', 'cilium.io/v2']);
    const js = out.get('Deployment', 'nsfl-job-scheduler', ns).spec.template.metadata.labels;
    expect(Object.entries(cnps[0].spec.endpointSelector.matchLabels).every(([k, v]) => js[k] === v)).toBe(true);
    expect(cnps[0].spec.ingress).toEqual([{ fromEntities: ['ingress'], toPorts: [{ ports: [{ port: '8088', protocol: 'TCP' }] }] }]);
    expect(cnps[1].spec.ingress).toEqual([{ fromEntities: ['ingress'], toPorts: [{ ports: [{ port: '50057', protocol: 'TCP' }] }] }]);
    expect(new Set(cnps.map((p) => out.objects.find((o) => o.obj === p)!.file))).toEqual(new Set(['05-network-policies.k8s.yaml']));
    const net = new NetworkEvaluator(out.objects.map((o) => o.obj), EXTRA);
    for (const p of [envoy, inGatewayNs, stranger, intruder]) expect({ pod: p.name, api: api(net, p) }).toEqual({ pod: p.name, api: [false, false] });
    expect(net.allowsService(external('a user', '198.51.100.7'), 'nsfl-job-scheduler', 'http')).toBe(false);
    // Without Cilium, none.
    expect(synth().all('CiliumNetworkPolicy')).toEqual([]);
  });
});

describe('the default deny of the platform namespace', () => {
  test('its own namespace: every pod in it, with the Gateway\'s data plane beside it left open', () => {
    const out = synth();
    expect(out.get('NetworkPolicy', 'nsfl-default-deny', ns).spec.podSelector).toEqual({});
    expect(out.get('NetworkPolicy', 'nsfl-gateway-data-plane', ns).spec).toEqual({
      podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'gateway' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{}],
      egress: [{}],
    });
  });

  test('with the data plane elsewhere, nothing in the namespace is left open', () => {
    const out = synth(withOverrides({ apiGateway: { ...shared, hostnames: ['fl.example.com'] } }));
    expect(out.all('NetworkPolicy').map((p) => p.metadata.name)).not.toContain('nsfl-gateway-data-plane');
    const net = new NetworkEvaluator(out.objects.map((o) => o.obj), EXTRA);
    expect([net.isolated(intruder, 'Ingress'), net.isolated(intruder, 'Egress')]).toEqual([true, true]);
  });

  test.each([
    ['networkPolicies.sharedNamespace', withOverrides({ networkPolicies: { sharedNamespace: true } }), ns],
    ['the namespace "default"', withOverrides({ namespace: 'default' }), 'default'],
  ])('a shared namespace (%s): only the platform\'s pods', (_, text, namespace) => {
    const out = synth(text);
    expect(out.get('NetworkPolicy', 'nsfl-default-deny', namespace).spec.podSelector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'neursafe-fl', 'app.kubernetes.io/instance': 'nsfl' },
    });
    expect(out.all('NetworkPolicy').map((p) => p.metadata.name)).not.toContain('nsfl-gateway-data-plane');
    const other = makePod('debug', namespace, { app: 'debug' }, [], '10.244.8.2');
    const net = new NetworkEvaluator(out.objects.map((o) => o.obj), [other]);
    expect(net.isolated(other, 'Ingress')).toBe(false);
  });
});
