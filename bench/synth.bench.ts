/**
 * Synthesis speed for growing edge fleets: `npm run bench`.
 * Prints a table (nodes, validate ms, synth ms, render ms, files); timing
 * lives here, never in tests.
 */
import { performance } from 'perf_hooks';
import { stringify } from 'yaml';
import { parseConfig } from '../lib/config/load';
import { renderFiles, synthManifests } from '../lib/synth';

/** A config text with `n` edge nodes (mixed architectures, a profile). */
function fleetConfig(n: number): string {
  const nodes = Array.from({ length: n }, (_, i) => ({
    name: `device-${String(i).padStart(5, '0')}`,
    address: `10.${Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`,
    arch: i % 3 === 0 ? 'arm64' : 'amd64',
    ...(i % 10 === 0 ? { profile: 'big' } : {}),
  }));
  return stringify({
    proxy: { externalAddress: '203.0.113.10:30091' },
    database: { embedded: { edgeNodePort: 30432 } },
    edge: {
      databaseAddress: '203.0.113.10:30432',
      defaults: { images: { arm64: 'registry.example.com/nsfl-client-cpu-arm64:0.1.0' } },
      profiles: { big: { resources: { limits: { memory: '2Gi' } } } },
      nodes,
    },
  });
}

const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
console.log('nodes\tvalidate_ms\tsynth_ms\trender_ms\tfiles');
for (const n of sizes.length > 0 ? sizes : [0, 100, 1000, 5000]) {
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
  console.log([n, (t1 - t0).toFixed(0), (t2 - t1).toFixed(0), (t3 - t2).toFixed(0), files.size].join('\t'));
}
