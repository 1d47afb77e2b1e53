/**
 * A generated edge fleet config of any size for the tests (the benchmark has
 * a more varied one in bench/fleet.ts): mixed architectures, a profile, addresses and names derived
 * from the node's number only.
 */
import { stringify } from 'yaml';

/**
 * A config text with `n` edge nodes named `device-00000`, `device-00001`, ...
 * @param edit changes the parsed config object (top-level fields, `edge`, a node) before it is written
 */
export function fleetConfig(n: number, edit: (config: any) => void = () => {}): string {
  const nodes = Array.from({ length: n }, (_, i) => ({
    name: `device-${String(i).padStart(5, '0')}`,
    address: `10.${Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`,
    arch: i % 3 === 0 ? 'arm64' : 'amd64',
    ...(i % 10 === 0 ? { profile: 'big' } : {}),
  }));
  const config = {
    proxy: { externalAddress: '203.0.113.10:30091' },
    database: { embedded: { edgeNodePort: 30432 } },
    gitops: { argocd: { enabled: true, repoURL: 'https://git.example.com/fleet.git' } },
    edge: {
      databaseAddress: '203.0.113.10:30432',
      defaults: { images: { arm64: 'registry.example.com/nsfl-client-cpu-arm64:0.1.0' } },
      profiles: { big: { resources: { limits: { memory: '2Gi' } } } },
      nodes,
    } as Record<string, unknown>,
  };
  edit(config);
  return stringify(config);
}
