/**
 * dist/README.md, the picture of the platform: its diagram shows exactly the
 * connections the generated NetworkPolicies allow (checked with the
 * NetworkPolicy evaluator over the output, not with the flows the diagram is
 * drawn from), its Mermaid text keeps to the syntax rules it relies on, it
 * stays one box for any fleet size, and it is written, checked and summarized
 * like every other output file, and never applied.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseConfig } from '../lib/load';
import { applicationOfFile } from '../lib/gitops/argocd';
import { kubectlApplyCommand } from '../lib/gitops/kubectl';
import { MARKER } from '../lib/outdir/folder';
import { checkOutdir, publish } from '../lib/outdir/publish';
import { MERMAID_ID, mermaidFlowchart, mermaidText } from '../lib/overview/mermaid';
import { OVERVIEW_FILE } from '../lib/overview/readme';
import { MARKDOWN_HEADER, synthFiles } from '../lib/synth';
import { fleetConfig } from './support/fleet';
import { Endpoint, external, makePod, NetworkEvaluator, Pod } from './support/netpol';
import { DEFAULT_CONFIG, ROOT, synth, Synthesized, withOverrides } from './support/platform';

const example = (name: string) => fs.readFileSync(path.join(ROOT, 'examples', name), 'utf8');

/** A diagram node: its id, its label lines (entity codes decoded), its shape. */
interface Box {
  readonly id: string;
  readonly lines: string[];
}
/** A diagram arrow with its ports, e.g. `8088/TCP`. */
interface Arrow {
  readonly from: string;
  readonly to: string;
  readonly ports: { port: number | string; protocol: string }[];
}

/** `8088/TCP`, `grpc/TCP` or a range `22001–22999/TCP` as single ports. */
function portsOf(label: string): { port: number | string; protocol: string }[] {
  return label.split(', ').flatMap((p) => {
    const [port, protocol] = p.split('/');
    const r = /^(\d+)–(\d+)$/.exec(port);
    if (r) return Array.from({ length: Number(r[2]) - Number(r[1]) + 1 }, (_, i) => ({ port: Number(r[1]) + i, protocol }));
    return [{ port: /^\d+$/.test(port) ? Number(port) : port, protocol }];
  });
}

const decode = (s: string) => s.replace(/#quot;/g, '"').replace(/#lt;/g, '<').replace(/#gt;/g, '>').replace(/#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));

/** The Mermaid block of README.md. */
function mermaidOf(readme: string): string {
  const m = /^```mermaid\n([\s\S]*?)^```$/m.exec(readme);
  if (!m) throw new Error('no mermaid block');
  return m[1];
}

/** The grammar the generator writes, one form per line. */
const LINE = {
  header: /^flowchart LR$/,
  subgraph: /^ {2}subgraph ([ng]_[A-Za-z0-9_]+)\["([^"]*)"\]$/,
  end: /^ {2}end$/,
  node: /^ {2,4}([ng]_[A-Za-z0-9_]+)(?:\["([^"]*)"\]|\(\["([^"]*)"\]\))$/,
  edge: /^ {2}([ng]_[A-Za-z0-9_]+) -->\|"([^"]*)"\| ([ng]_[A-Za-z0-9_]+)$/,
};

/** The diagram's boxes and arrows; throws on any line outside the grammar. */
function parseDiagram(text: string): { boxes: Map<string, Box>; arrows: Arrow[] } {
  const boxes = new Map<string, Box>();
  const arrows: Arrow[] = [];
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toMatch(LINE.header);
  let depth = 0;
  for (const line of lines.slice(1)) {
    let m: RegExpExecArray | null;
    if (LINE.subgraph.test(line)) depth++;
    else if (LINE.end.test(line)) depth--;
    else if ((m = LINE.node.exec(line))) {
      expect(boxes.has(m[1])).toBe(false);
      boxes.set(m[1], { id: m[1], lines: (m[2] ?? m[3]).split('<br/>').map(decode) });
    } else if ((m = LINE.edge.exec(line))) {
      arrows.push({ from: m[1], to: m[3], ports: portsOf(m[2]) });
    } else throw new Error(`not a line the generator writes: ${JSON.stringify(line)}`);
    expect(depth).toBeGreaterThanOrEqual(0);
    expect(depth).toBeLessThanOrEqual(1);
  }
  expect(depth).toBe(0);
  for (const a of arrows) expect([boxes.has(a.from), boxes.has(a.to)]).toEqual([true, true]);
  return { boxes, arrows };
}

const COMPONENT = 'app.kubernetes.io/component';
const SITE = 'fl.neursafe.io/site';
const coordinator = makePod('default-job1', 'default', { app: 'default-job1' }, [{ port: 50051, protocol: 'TCP' }], '10.244.5.1');
const anywhere = external('any address', '198.51.100.7');

/** The endpoints a box stands for, from its title (and label lines), chosen from the evaluator's pods. */
function endpointsOf(box: Box, net: NetworkEvaluator, namespace: string, dns: Pod): Endpoint[] {
  const [title, ...rest] = box.lines;
  const platformPods = [...net.pods.values()].filter((p) => p.namespace === namespace && p.labels['app.kubernetes.io/name'] === 'neursafe-fl');
  if (title === 'every pod of the platform') return platformPods;
  if (title === 'coordinators and executors') return [coordinator];
  if (title === 'cluster DNS') return [dns];
  if (title === 'any address') return [anywhere];
  if (title === 'these addresses only') return [external('an allowed address', rest[0].split('/')[0])];
  const pods = /^pods in namespace (\S+)$/.exec(title);
  if (pods) {
    const labels = Object.fromEntries(rest.filter((l) => /^[^ ]+=[^ ]*$/.test(l)).map((l) => l.split('=')));
    return [makePod('data-plane', pods[1], labels, [], '10.244.6.9')];
  }
  const c = /^([a-z-]+)(?: \((cloud|edge)\))?$/.exec(title);
  if (!c) throw new Error(`unknown box ${title}`);
  const found = platformPods.filter(
    (p) => p.labels[COMPONENT] === c[1] && (c[2] === undefined || (c[2] === 'cloud' ? p.labels[SITE] === 'cloud' : SITE in p.labels && p.labels[SITE] !== 'cloud')),
  );
  expect({ title, pods: found.length > 0 }).toEqual({ title, pods: true });
  return found;
}

/** The numbers a port of an arrow stands for at a destination (a name is resolved on the pod). */
function numbers(port: number | string, protocol: string, dst: Endpoint): number[] {
  if (typeof port === 'number') return [port];
  return dst.kind === 'pod' ? dst.ports.filter((p) => p.name === port && p.protocol === protocol).map((p) => p.port) : [];
}

/** Checks both ways that the diagram of `out` is the connections its NetworkPolicies allow. */
function expectDiagramMatchesPolicies(out: Synthesized, text: string): void {
  const { config } = parseConfig(text, 'platform.yaml');
  const dns = makePod('coredns', config.networkPolicies.dns.namespace, { ...config.networkPolicies.dns.podLabels }, [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], '10.244.7.1');
  const net = new NetworkEvaluator(out.objects.map((o) => o.obj), [coordinator, dns]);
  const { boxes, arrows } = parseDiagram(mermaidOf(out.files.get(OVERVIEW_FILE)!));
  const ends = new Map([...boxes.values()].filter((b) => b.lines[0] !== "Cilium's ingress proxy").map((b) => [b.id, endpointsOf(b, net, config.namespace, dns)]));
  // Every arrow is allowed, from every pod it stands for to every pod it points to.
  for (const a of arrows) {
    if (!ends.has(a.from)) continue; // Cilium's identity: CiliumNetworkPolicies, which the evaluator does not read
    for (const src of ends.get(a.from)!) {
      for (const dst of ends.get(a.to)!) {
        for (const { port, protocol } of a.ports) {
          const ns = numbers(port, protocol, dst);
          expect({ arrow: `${a.from} -> ${a.to} ${port}/${protocol}`, resolved: ns.length > 0 }).toEqual({ arrow: `${a.from} -> ${a.to} ` +
            `${port}/${protocol}`, resolved: dst.kind !== 'pod' || !dst.hostNetwork || typeof port === 'number' || ns.length > 0 });
          for (const n of ns) expect({ arrow: `${src.name} -> ${dst.name} ${n}/${protocol}`, allowed: net.allows(src, dst, n, protocol) }).toEqual({ arrow: `${src.name} -> ${dst.name} ` +
            `${n}/${protocol}`, allowed: true });
        }
      }
    }
  }
  // Every connection the policies allow between the platform's pods, coordinators and executors is an arrow.
  const pods = [...net.pods.values()].filter((p) => (p.namespace === config.namespace && p.labels['app.kubernetes.io/name'] === 'neursafe-fl') || p === coordinator);
  const candidatePorts = [...new Set(arrows.flatMap((a) => a.ports.filter((p) => typeof p.port === 'number').map((p) => `${p.port}/${p.protocol}`)))];
  const arrow = (from: (e: Endpoint[]) => boolean, to: (e: Endpoint[]) => boolean, dst: Endpoint, port: number, protocol: string) =>
    arrows.some((a) => from(ends.get(a.from) ?? []) && to(ends.get(a.to) ?? []) && a.ports.some((p) => p.protocol === protocol && numbers(p.port, protocol, dst).includes(port)));
  const isAnywhere = (e: Endpoint[]) => e.includes(anywhere);
  // Drawn directly, or through "any address" (which includes the pods): out to any address, and in from any address.
  const covered = (src: Pod, dst: Pod, port: number, protocol: string) =>
    arrow((e) => e.includes(src), (e) => e.includes(dst), dst, port, protocol) ||
    (arrow((e) => e.includes(src), isAnywhere, dst, port, protocol) && arrow(isAnywhere, (e) => e.includes(dst), dst, port, protocol));
  let checked = 0;
  for (const src of pods) {
    for (const dst of pods) {
      if (src.hostNetwork || dst.hostNetwork || !net.isolated(src, 'Egress') || !net.isolated(dst, 'Ingress')) continue;
      const ports = [...new Set([...dst.ports.map((p) => `${p.port}/${p.protocol}`), ...candidatePorts])];
      for (const pp of ports) {
        const [port, protocol] = pp.split('/');
        if (!net.allows(src, dst, Number(port), protocol)) continue;
        checked++;
        expect({ flow: `${src.name} -> ${dst.name} ${pp}`, drawn: covered(src, dst, Number(port), protocol) }).toEqual({ flow: `${src.name} -> ${dst.name} ${pp}`, drawn: true });
      }
    }
  }
  expect(checked).toBeGreaterThan(5);
}

describe('the diagram is the connections the NetworkPolicies allow', () => {
  const variants: [string, string][] = [
    ['the bundled config', DEFAULT_CONFIG],
    ['examples/edge-fleet.yaml', example('edge-fleet.yaml')],
    ['examples/corporate-pki.yaml', example('corporate-pki.yaml')],
    ['examples/external-database.yaml', example('external-database.yaml')],
    ['examples/minimal.yaml', example('minimal.yaml')],
    ['sidecar API access, policies in default', withOverrides({ edge: { apiAccess: { mode: 'sidecar' } }, networkPolicies: { defaultNamespace: true } })],
    ['the API on an Ingress', withOverrides({ apiGateway: { type: 'ingress', hostnames: ['fl.example.com'],
      dataPlane: { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } } })],
  ];
  test.each(variants)('%s', (_, text) => {
    expectDiagramMatchesPolicies(synth(text), text);
  });

  test('without NetworkPolicies the page says nothing restricts traffic, and still draws the flows the platform needs', () => {
    const readme = synth(withOverrides({ networkPolicies: { enabled: false } })).files.get(OVERVIEW_FILE)!;
    expect(readme).toContain('`networkPolicies.enabled` is false');
    expect(parseDiagram(mermaidOf(readme)).arrows.length).toBeGreaterThan(10);
  });
});

describe('what the page shows', () => {
  test('Services with their ports and exposure, the route of the API, and every file with its objects', () => {
    const readme = synth().files.get(OVERVIEW_FILE)!;
    expect(readme.startsWith(MARKDOWN_HEADER)).toBe(true);
    expect(readme).toContain('| proxy | nsfl-proxy-external | grpc 30091/TCP | NodePort 30091 on every node |');
    expect(readme).toContain('| job-scheduler | nsfl-job-scheduler | http 8088/TCP | inside the cluster; HTTPRoute nsfl-api-gateway on Gateway neursafe-fl/gateway |');
    expect(readme).toMatch(/\| task-manager \(edge\) \| .* \| grpc \d+–\d+\/TCP \| host port on each edge node's address \(2 nodes\) \|/);
    expect(readme).toContain('| `edge/<shard>/<node>.k8s.yaml` (2 files in 2 shards) | Certificate ×2, ConfigMap ×2, Deployment ×2 |');
    for (const file of synth().files.keys()) if (!file.startsWith('edge/s')) expect(readme).toContain(`| \`${file}\``);
  });

  test("the API gateway's data plane carries its route: an Ingress, or Cilium's own proxy", () => {
    const ingress = synth(withOverrides({ apiGateway: { type: 'ingress', hostnames: ['fl.example.com'], dataPlane: { namespace: 'ingress-nginx', podLabels: { app: 'ingress-nginx' } } } }));
    const boxes = (out: Synthesized) => [...parseDiagram(mermaidOf(out.files.get(OVERVIEW_FILE)!)).boxes.values()];
    expect(boxes(ingress).find((b) => b.lines[0] === 'pods in namespace ingress-nginx')!.lines).toEqual(['pods in namespace ingress-nginx', 'app=ingress-nginx', 'Ingress nsfl-api-gateway (class ' +
      'nginx) for fl.example.com']);
    const cilium = synth(withOverrides({ apiGateway: { dataPlane: { cilium: true } } }));
    const { boxes: all, arrows } = parseDiagram(mermaidOf(cilium.files.get(OVERVIEW_FILE)!));
    const proxy = [...all.values()].find((b) => b.lines[0] === "Cilium's ingress proxy")!;
    expect(proxy.lines).toEqual(["Cilium's ingress proxy", 'HTTPRoute nsfl-api-gateway on Gateway neursafe-fl/gateway']);
    const into = arrows.filter((a) => a.from === proxy.id).map((a) => `${all.get(a.to)!.lines[0]} ${a.ports.map((p) => p.port).join()}`);
    expect(into).toEqual(['job-scheduler 8088', 'model-manager 50057']);
    // The CiliumNetworkPolicies admit exactly those ports.
    const cnp = cilium.all('CiliumNetworkPolicy').map((p) => `${p.spec.endpointSelector.matchLabels['app.kubernetes.io/component']} ` +
      `${p.spec.ingress[0].toPorts[0].ports.map((q: any) => q.port).join()}`);
    expect(cnp.sort()).toEqual(into);
  });

  test('a load balancer shows the ranges it admits', () => {
    const readme = synth(example('corporate-pki.yaml')).files.get(OVERVIEW_FILE)!;
    expect(readme).toMatch(/\| database \| nsfl-database-edge \| postgres 5432\/TCP \| load balancer admitting [0-9./, ]+/);
  });

  test('a fleet of any size is one box and one row; the page does not depend on node order', () => {
    const nodes = 1000;
    const text = fleetConfig(nodes);
    const readme = synthFiles(parseConfig(text, 'platform.yaml')).get(OVERVIEW_FILE)!;
    const { boxes } = parseDiagram(mermaidOf(readme));
    expect([...boxes.values()].filter((b) => b.lines[0] === 'task-manager (edge)').map((b) => b.lines[1])).toEqual([`${nodes} edge nodes in 32 shards (of 32); amd64 ×666, arm64 ×334`]);
    expect(boxes.size).toBeLessThan(20);
    expect(readme.length).toBeLessThan(12_000);
    const reversed = fleetConfig(nodes, (c) => c.edge.nodes.reverse());
    expect(synthFiles(parseConfig(reversed, 'platform.yaml')).get(OVERVIEW_FILE)).toBe(readme);
  });
});

describe('the Mermaid text', () => {
  test('every line is one of the forms the generator writes, identifiers are safe, subgraphs are closed', () => {
    for (const text of [DEFAULT_CONFIG, example('edge-fleet.yaml'), example('external-database.yaml')]) {
      const { boxes } = parseDiagram(mermaidOf(synth(text).files.get(OVERVIEW_FILE)!));
      for (const id of boxes.keys()) {
        expect(id).toMatch(MERMAID_ID);
        expect(id).not.toMatch(/^(end|subgraph|graph|flowchart|style|class|click)$/);
      }
    }
  });

  test('labels are quoted and the characters Mermaid or HTML read inside quotes are entity codes', () => {
    expect(mermaidText('a "b" <c> | #d; `e` & f\ng')).toBe('a #quot;b#quot; #lt;c#gt; #124; #35;d; #96;e#96; #38; f g');
    const text = mermaidFlowchart([{ id: 'g_x', title: 'say "end"', nodes: [{ id: 'n_o', lines: ['<b>', 'x|y'], shape: 'box' }] }], [{ id: 'n_end', lines: ['"'], shape: 'stadium' }], [
      { from: 'n_o', to: 'n_end', label: '1/TCP | "2"' },
    ]);
    expect(text).toBe(
      ['flowchart LR', '  subgraph g_x["say #quot;end#quot;"]', '    n_o["#lt;b#gt;<br/>x#124;y"]', '  end', '  n_end(["#quot;"])', '  n_o -->|"1/TCP #124; #quot;2#quot;"| n_end', ''].join('\n'),
    );
    expect(() => mermaidFlowchart([], [{ id: 'end', lines: [], shape: 'box' }], [])).toThrow(/not a diagram identifier/);
  });
});

describe('README.md is an output file like the others, and never applied', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-overview-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const CONFIG = path.join(ROOT, 'platform.yaml');

  test('--check names it when edited or missing; the change summary names it; a stale one is replaced', () => {
    const out = path.join(tmp, 'dist');
    const files = synth().files;
    publish(out, files, { configFile: CONFIG });
    expect(checkOutdir(out, files, CONFIG)).toEqual([]);
    fs.appendFileSync(path.join(out, OVERVIEW_FILE), 'a hand edit\n');
    expect(checkOutdir(out, files, CONFIG)).toEqual([`${out}/${OVERVIEW_FILE}: differs from what the config gives`]);
    fs.rmSync(path.join(out, OVERVIEW_FILE));
    expect(checkOutdir(out, files, CONFIG)).toEqual([`${out}/${OVERVIEW_FILE}: is missing`]);
    const next = synth(withOverrides({ networkPolicies: { enabled: false } })).files;
    expect(publish(out, next, { configFile: CONFIG }).summary).toContain(`${OVERVIEW_FILE}: added`);
    expect(fs.readFileSync(path.join(out, OVERVIEW_FILE), 'utf8')).toBe(next.get(OVERVIEW_FILE));
  });

  test('a generated folder that lost its marker is still recognized by its README.md header', () => {
    const out = path.join(tmp, 'dist');
    const files = synth().files;
    publish(out, files, { configFile: CONFIG });
    fs.rmSync(path.join(out, MARKER));
    expect(() => publish(out, files, { configFile: CONFIG })).not.toThrow();
    expect(fs.existsSync(path.join(out, MARKER))).toBe(true);
  });

  test('no Argo CD Application syncs it and the kubectl command never names it', () => {
    const { model } = parseConfig(DEFAULT_CONFIG, 'platform.yaml');
    expect(applicationOfFile(model.argoCdNames, OVERVIEW_FILE)).toBeUndefined();
    // Directory sources read .yaml, .yml and .json files only (no include pattern widens that).
    const app = synth().get('Application', 'nsfl-platform', 'argocd');
    expect(app.spec.source.directory).toEqual({ recurse: false });
    expect(kubectlApplyCommand(model)).not.toContain(OVERVIEW_FILE);
    expect(kubectlApplyCommand(model)).not.toMatch(/\.md\b/);
  });
});
