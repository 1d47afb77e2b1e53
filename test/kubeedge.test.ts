/**
 * edge.kubeedgeVersion: synth warns about each setting that needs a newer
 * KubeEdge (lib/resolve/kubeedge.ts), the bundled configs need none, and
 * docs/edge.md's compatibility table lists every requirement.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseConfig } from '../lib/load';
import { KUBEEDGE_REQUIREMENTS } from '../lib/resolve/kubeedge';
import { configErrors, ROOT, withOverrides } from './support/platform';

/** `path: message` of the warnings that are about the KubeEdge version. */
function versionWarnings(text: string): string[] {
  return parseConfig(text, 'platform.yaml')
    .warnings.filter((w) => /needs KubeEdge|requireAuthorization/.test(w.message))
    .map((w) => `${w.path}: ${w.message}`);
}

const at = (version: string, edge: Record<string, unknown> = {}) => withOverrides({ edge: { kubeedgeVersion: version, ...edge } });

test.each(['platform.yaml', ...fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)])(
  '%s needs no newer KubeEdge than it states',
  (file) => expect(versionWarnings(fs.readFileSync(path.join(ROOT, file), 'utf8'))).toEqual([]),
);

test('the default is the KubeEdge guide\'s 1.11.1, where an edge fleet lacks Node authorization', () => {
  expect(versionWarnings(withOverrides({ edge: { kubeedgeVersion: null } }))).toEqual([expect.stringMatching(new RegExp(
    String.raw`^edge\.nodes: an edge fleet needs KubeEdge 1\.18\+ ` +
    String.raw`.*Node authorization.*edge\.kubeedgeVersion is 1\.11\.1`,
  ))]);
});

test('no edge nodes, no warning whatever the version', () => {
  expect(versionWarnings(withOverrides({ edge: { kubeedgeVersion: '1.5', nodes: [] }, database: { embedded: { edgeNodePort: null } } }))).toEqual([]);
});

test('sidecar mode without a server needs 1.17 (InClusterConfig); from 1.17 on the warning is about the feature gate alone', () => {
  const sidecar = { apiAccess: { mode: 'sidecar' } };
  expect(versionWarnings(at('1.16.3', sidecar))).toEqual([
    expect.stringMatching(/^edge\.apiAccess\.mode: edge\.apiAccess\.mode sidecar without edge\.apiAccess\.server needs KubeEdge 1\.17\+/),
    expect.stringMatching(/^edge\.nodes: an edge fleet needs KubeEdge 1\.18\+/),
  ]);
  expect(versionWarnings(at('v1.18.1', sidecar))).toEqual([expect.stringMatching(/^edge\.apiAccess\.server: .*turn on the requireAuthorization feature gate/)]);
});

test('MetaServer\'s pod address needs 1.17; a cloud API server address needs nothing', () => {
  expect(versionWarnings(at('1.16', { apiAccess: { mode: 'sidecar', server: 'https://169.254.30.10:10550' } }))).toEqual([
    expect.stringMatching(/^edge\.apiAccess\.server: .*169\.254\.30\.10 needs KubeEdge 1\.17\+/),
    expect.anything(),
  ]);
  expect(versionWarnings(at('1.18', { apiAccess: { mode: 'sidecar', server: 'https://api.example.com:6443' } }))).toEqual([]);
});

test('MetaServer mode and EdgeMesh need the edge Kube-API endpoint of 1.7', () => {
  expect(versionWarnings(at('1.6.2', { edgeMesh: true }))).toEqual([
    expect.stringMatching(/^edge\.apiAccess\.mode: edge\.apiAccess\.mode metaserver needs KubeEdge 1\.7\+/),
    expect.stringMatching(/^edge\.edgeMesh: edge\.edgeMesh needs KubeEdge 1\.7\+/),
    expect.stringMatching(/^edge\.nodes: /),
  ]);
});

test('a version that is not a release is refused at its field', () => {
  expect(configErrors(at('latest'))).toEqual([expect.stringMatching(/edge\.kubeedgeVersion: must be a KubeEdge release, e\.g\. 1\.18\.1/)]);
});

test('docs/edge.md\'s compatibility table has a row for every requirement, with its release', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'edge.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## KubeEdge compatibility'));
  for (const r of KUBEEDGE_REQUIREMENTS) expect(table).toMatch(new RegExp(`\\| ${r.setting.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\| ${r.since.replace('.', '\\.')} \\|`));
});
