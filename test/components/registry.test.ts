import { stringify } from 'yaml';
import { COMPONENT_CONFIG_KEYS, COMPONENT_NAMES, COMPONENTS } from '../../lib/registry';
import { ConfigError, parseConfig } from '../../lib';

const BASE = { cluster: { dnsServiceIP: '10.96.0.10' }, proxy: { externalAddress: '10.0.0.10:30091' } };

/** The messages of the config errors of `config`, or none. */
function errors(config: Record<string, any>): string[] {
  try {
    parseConfig(stringify(config), 'platform.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('the component registry', () => {
  test('every part of the platform in build order: what others use first, the NetworkPolicies (from every flow) last', () => {
    expect(COMPONENT_NAMES).toEqual([
      'cluster',
      'certificate-authority',
      'secrets',
      'database',
      'pull-secrets',
      'workload-roles',
      'client-selector',
      'model-manager',
      'proxy',
      'job-scheduler',
      'api-gateway',
      'object-storage',
      'setup',
      'task-manager',
      'edge-fleet',
      'remote-sites',
      'argocd',
      'network-policies',
    ]);
  });

  test('every component with a config section has an image of its own', () => {
    for (const entry of Object.values(COMPONENTS) as { image?: string; configKey?: string }[]) {
      if (entry.configKey !== undefined) expect(entry.image).toMatch(/^nsfl-/);
    }
  });

  test.each(COMPONENT_CONFIG_KEYS)('%s: its image and env keys are checked by the latest-tag and managed-env rules', (key) => {
    const section = key === 'proxy' ? { ...BASE.proxy } : {};
    const found = errors({ ...BASE, [key]: { ...section, image: 'registry.example.com/x:latest', env: { DB_ADDRESS: 'x' } } });
    expect(found.some((m) => m.startsWith(`${key}.image:`) && m.includes('latest'))).toBe(true);
    expect(found.some((m) => m.startsWith(`${key}.env`))).toBe(true);
  });
});
