import { Testing } from 'cdk8s';
import { buildExample } from '../../examples/app/main';
import { ConfigError, NeursafePlatform } from '../../lib';
import { validateManifest } from '../support/k8s-schema';

describe('examples/app: a second cdk8s app using the library', () => {
  const app = Testing.app();
  const { platform, edgeSite } = buildExample(app);
  const objects = app.charts.flatMap((chart) => chart.toJson());

  test('synthesizes the platform and the hand-made edge site, every object valid against the Kubernetes schema', () => {
    expect(objects.length).toBeGreaterThan(20);
    expect(objects.flatMap((obj) => validateManifest(obj))).toEqual([]);
  });

  test('the platform comes from the validated config object, defaults applied', () => {
    const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
    expect(deployments).toEqual(expect.arrayContaining(['fl-job-scheduler', 'fl-model-manager', 'fl-client-selector', 'fl-proxy']));
    expect(objects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === undefined || o.metadata.namespace === 'federated' || o.metadata.namespace === 'default')).toBe(true);
    expect(platform.loaded.config.jobScheduler.port).toBe(8088);
  });

  test('the edge site is pinned to its node and dials the platform proxy at its external address', () => {
    const [deployment] = edgeSite.toJson().filter((o: any) => o.kind === 'Deployment');
    const pod = deployment.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'jetson-1' });
    const setup = edgeSite.toJson().find((o: any) => o.kind === 'ConfigMap');
    expect(JSON.stringify(setup.data)).toContain('203.0.113.10:30091');
  });

  test('the edge site has mutual TLS like a fleet node: its own certificate, and the database verified with that CA', () => {
    const site = edgeSite.toJson();
    const pod = site.find((o: any) => o.kind === 'Deployment').spec.template.spec;
    const ssl = pod.volumes.find((v: any) => v.name === 'ssl').secret.secretName;
    expect(site.find((o: any) => o.kind === 'Certificate').spec.secretName).toBe(ssl);
    const secrets = pod.volumes.flatMap((v: any) => (v.secret ? [v.secret.secretName] : []));
    // No Secret of another party is sent to the node.
    expect(new Set(secrets)).toEqual(new Set([ssl]));
    expect(JSON.parse(site.find((o: any) => o.kind === 'ConfigMap').data['task_manager_setup.json']).ssl).toBe('/etc/neursafe-fl/ssl');
  });

  test('an invalid config object is refused with every problem named', () => {
    expect(() => new NeursafePlatform(Testing.app(), 'bad', { config: { name: 'Not A DNS Label', jobScheduler: { port: 0 } } })).toThrow(ConfigError);
  });
});
