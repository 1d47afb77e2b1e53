import { Testing } from 'cdk8s';
import { ProgramWorkload } from '../../lib';
import { container, CONTEXT, expectSingleton, objects } from './support';

describe('ProgramWorkload', () => {
  const props = {
    context: CONTEXT,
    component: 'model-manager' as const,
    ports: [{ name: 'http', port: 8090 }],
    image: 'example/app:1',
    defaultResources: { requests: { cpu: '50m', memory: '64Mi' } },
    container: { command: ['app'] },
  };

  test('a Service that owns the ports and a singleton Deployment whose main container exposes them', () => {
    const chart = Testing.chart();
    const w = new ProgramWorkload(chart, 'W', props);
    const out = objects(chart);
    expect(out.kinds).toEqual(['Service/fl-model-manager', 'Deployment/fl-model-manager']);
    expect(w.service.address('http')).toBe('fl-model-manager.fl-system.svc:8090');
    const d = out.one('Deployment');
    expectSingleton(d, 'model-manager');
    const c = container(d, 'model-manager');
    expect(c).toMatchObject({ image: 'example/app:1', command: ['app'] });
    // IfNotPresent, Kubernetes' default for a tagged image, is left out.
    expect(c.imagePullPolicy).toBeUndefined();
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8090, protocol: 'TCP' }]);
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: {} });
  });

  test('config files become a ConfigMap and a checksum that changes with them', () => {
    const checksumOf = (text: string) => {
      const chart = Testing.chart();
      new ProgramWorkload(chart, 'W', { ...props, configFiles: { 'app.json': text } });
      const out = objects(chart);
      expect(out.one('ConfigMap').data).toEqual({ 'app.json': text });
      expect(out.one('Deployment').spec.template.spec.volumes).toEqual([{ name: 'config', configMap: { name: 'fl-model-manager' } }]);
      return out.one('Deployment').spec.template.metadata.annotations['checksum/config'];
    };
    expect(checksumOf('{"a":1}')).not.toEqual(checksumOf('{"a":2}'));
  });

  test('an identity gives the pod its own ServiceAccount with its token', () => {
    const chart = Testing.chart();
    new ProgramWorkload(chart, 'W', { ...props, identity: { role: 'fl-job-scheduler' } });
    const out = objects(chart);
    expect(out.one('RoleBinding').roleRef.name).toBe('fl-job-scheduler');
    expect(out.one('Deployment').spec.template.spec).toMatchObject({ serviceAccountName: 'fl-model-manager', automountServiceAccountToken: true });
  });

  test('props are checked, naming the prop', () => {
    expect(() => new ProgramWorkload(Testing.chart(), 'W', { ...props, ports: [] })).toThrow(/props\.ports must name at least one port/);
    expect(() => new ProgramWorkload(Testing.chart(), 'W', { ...props, ports: [{ name: 'http', port: 70000 }] })).toThrow(/props\.ports: port "http" is 70000/);
  });
});
