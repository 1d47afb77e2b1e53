/**
 * The generated output the e2e tests run: the e2e config
 * (fixtures/platform.e2e.yaml) synthesized as `npm run synth` would.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Synthesized, synth } from '../../support/platform';

/** The end-to-end tests' config file. */
export const E2E_CONFIG = path.join(__dirname, '..', 'fixtures', 'platform.e2e.yaml');

export function synthE2E(text: string = fs.readFileSync(E2E_CONFIG, 'utf8')): Synthesized {
  return synth(text, 'platform.e2e.yaml');
}

/** The pod template spec of a workload (Deployment, StatefulSet, Job). */
export function podSpec(obj: any): any {
  return obj.spec.template?.spec ?? obj.spec.jobTemplate.spec.template.spec;
}

export function container(spec: any, name: string): any {
  const c = [...(spec.initContainers ?? []), ...spec.containers].find((x: any) => x.name === name);
  if (!c) throw new Error(`no container ${name} (has ${[...(spec.initContainers ?? []), ...spec.containers].map((x: any) => x.name).join(', ')})`);
  return c;
}

/** Task manager Deployments: the cloud one and every edge node's. */
export function taskManagerDeployments(out: Synthesized): any[] {
  return out.all('Deployment').filter((d) => d.metadata.labels?.['app.kubernetes.io/component'] === 'task-manager' || d.metadata.name.includes('-edge-'));
}

/** The file a container's volume mount of a ConfigMap shows at `mountPath` (+ file name): ConfigMap name and key. */
export function configMapFileAt(spec: any, c: any, filePath: string, out: Synthesized): { configMap: string; key: string; text: string } {
  for (const m of c.volumeMounts ?? []) {
    const v = (spec.volumes ?? []).find((x: any) => x.name === m.name);
    if (!v?.configMap) continue;
    const cm = out.get('ConfigMap', v.configMap.name);
    if (m.subPath && m.mountPath === filePath) return { configMap: v.configMap.name, key: m.subPath, text: cm.data[m.subPath] };
    if (!m.subPath && filePath.startsWith(`${m.mountPath}/`)) {
      const rel = filePath.slice(m.mountPath.length + 1);
      const item = (v.configMap.items ?? Object.keys(cm.data).map((k: string) => ({ key: k, path: k }))).find((i: any) => i.path === rel);
      if (item) return { configMap: v.configMap.name, key: item.key, text: cm.data[item.key] };
    }
  }
  throw new Error(`container ${c.name}: no ConfigMap file at ${filePath}`);
}
