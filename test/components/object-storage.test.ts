import { Testing } from 'cdk8s';
import { ObjectStorage } from '../../lib';
import { container, CONTEXT, envOf, expectSingleton, objects, sharedRoot } from './support';

describe('ObjectStorage', () => {
  const chart = Testing.chart();
  new ObjectStorage(chart, 'ObjectStorage', {
    context: CONTEXT,
    image: 'minio/minio:RELEASE.2022-10-24T18-35-07Z',
    port: 9000,
    nodePort: 30900,
    root: sharedRoot(),
    credentials: { accessKey: { name: 'fl-object-storage', key: 'accessKey' }, secretKey: { name: 'fl-object-storage', key: 'secretKey' } },
  });
  const out = objects(chart);

  test('MinIO serving the shared root in filesystem mode, on a NodePort', () => {
    const d = out.one('Deployment', 'fl-object-storage');
    expectSingleton(d, 'object-storage');
    const minio = container(d, 'minio');
    expect(minio.args).toEqual(['server', '/data', '--address', ':9000']);
    expect(minio.volumeMounts).toEqual([{ name: 'shared-root', mountPath: '/data' }]);
    expect(d.spec.template.spec.initContainers.map((c: any) => c.name)).toEqual(['format-fs']);
    expect(out.one('Service').spec).toMatchObject({ type: 'NodePort', ports: [{ name: 's3', port: 9000, nodePort: 30900 }] });
  });

  test('its root credentials by Secret reference', () => {
    expect(envOf(container(out.one('Deployment'), 'minio'))).toEqual({
      MINIO_ROOT_USER: 'fl-object-storage:accessKey',
      MINIO_ROOT_PASSWORD: 'fl-object-storage:secretKey',
    });
  });
});
