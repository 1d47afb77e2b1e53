/**
 * The generated Secrets: the output's own "generate secrets" Job script
 * (`<name>-generate-secrets`), run with a kubectl stand-in
 * (fixtures/bin/kubectl) that keeps Secrets as files. So the values (random
 * passwords, the route token, the database role names) are whatever the
 * generated script creates.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SecretStore } from './certs';
import { podSpec } from './output';

export function generateSecrets(objects: any[], dir: string, secrets: SecretStore = new Map()): SecretStore {
  const job = objects.find((o) => o.kind === 'Job' && /generate-secrets$/.test(o.metadata.name));
  if (!job) throw new Error('no generate-secrets Job in the output');
  const c = podSpec(job).containers[0];
  if (c.command[0] !== 'sh' || c.command[1] !== '-c') throw new Error(`unexpected command ${c.command}`);
  const store = path.join(dir, 'kubectl-store');
  fs.mkdirSync(path.join(store, 'secrets'), { recursive: true });
  execFileSync('sh', ['-c', c.command[2]], {
    env: { PATH: `${path.join(__dirname, '..', 'fixtures', 'bin')}:/usr/bin:/bin`, HOME: dir, KUBECTL_STANDIN_STORE: store },
    stdio: 'pipe',
  });
  for (const name of fs.readdirSync(path.join(store, 'secrets'))) {
    const m = new Map<string, Buffer>();
    for (const k of fs.readdirSync(path.join(store, 'secrets', name))) m.set(k, fs.readFileSync(path.join(store, 'secrets', name, k)));
    secrets.set(name, m);
  }
  return secrets;
}
