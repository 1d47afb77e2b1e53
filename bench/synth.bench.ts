/**
 * Synthesis speed for growing edge fleets: `npm run bench`.
 * Prints a table (nodes, validate ms, synth ms, render ms, files, and the
 * largest Argo CD Application's manifests: the platform's or an edge
 * shard's, in bytes); timing lives here, never in tests. Fails when an
 * Application's manifests exceed Argo CD's default limit of 10 MB.
 */
import { performance } from 'perf_hooks';
import { parseConfig } from '../lib/load';
import { Config } from '../lib/config/schema';
import { applicationOfFile } from '../lib/gitops/argocd';
import { renderFiles, synthManifests } from '../lib/synth';
import { fleetConfig } from '../test/support/fleet';

/** Argo CD's default `reposerver.max.combined.directory.manifests.size`. */
const ARGO_CD_LIMIT = 10 * 1024 * 1024;

/** Bytes of the files each Argo CD Application syncs. */
function applicationBytes(config: Config, files: Map<string, string>): Map<string, number> {
  const bytes = new Map<string, number>();
  for (const [file, text] of files) {
    const app = applicationOfFile(config, file);
    if (app !== undefined) bytes.set(app, (bytes.get(app) ?? 0) + Buffer.byteLength(text));
  }
  return bytes;
}

const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
console.log('nodes\tvalidate_ms\tsynth_ms\trender_ms\tfiles\tapplications\tlargest_app_bytes');
for (const n of sizes.length > 0 ? sizes : [0, 100, 1000, 5000, 10000]) {
  const text = fleetConfig(n);
  const t0 = performance.now();
  const { config, edgeSites } = parseConfig(text, `bench-${n}.yaml`);
  const t1 = performance.now();
  const manifests = synthManifests(config, edgeSites);
  const t2 = performance.now();
  const files = renderFiles(manifests);
  const t3 = performance.now();
  const edgeFiles = [...files.keys()].filter((f) => f.startsWith('edge/')).length;
  if (edgeFiles !== n) throw new Error(`expected ${n} edge files, got ${edgeFiles}`);
  const apps = applicationBytes(config, files);
  const largest = Math.max(...apps.values());
  if (largest > ARGO_CD_LIMIT) throw new Error(`an Application's manifests take ${largest} bytes, over Argo CD's default limit`);
  console.log([n, (t1 - t0).toFixed(0), (t2 - t1).toFixed(0), (t3 - t2).toFixed(0), files.size, apps.size, largest].join('\t'));
}
