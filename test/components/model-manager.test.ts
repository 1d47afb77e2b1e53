import { Testing } from 'cdk8s';
import { ModelManager } from '../../lib';
import { container, CONTEXT, DB, envOf, expectSingleton, objects, sharedRoot } from './support';

describe('ModelManager', () => {
  const build = (s3?: any) => {
    const chart = Testing.chart();
    new ModelManager(chart, 'ModelManager', { context: CONTEXT, port: 8090, logLevel: 'INFO', db: DB, root: sharedRoot(), s3 });
    return objects(chart).one('Deployment', 'fl-model-manager');
  };

  test('a singleton on the shared root (posix) by default, with HTTP probes', () => {
    const d = build();
    expectSingleton(d, 'model-manager');
    const c = container(d, 'model-manager');
    expect(envOf(c)).toMatchObject({ PORT: '8090', STORAGE_TYPE: 'posix', MODELS_DIR: 'models', WORKSPACE: '/workspace', DB_USERNAME: 'fl-db-modelManager:username' });
    expect(envOf(c).STORAGE_ENDPOINT).toBeUndefined();
    expect(c.readinessProbe.httpGet).toEqual({ path: '/api/v1/health', port: 8090 });
  });

  test('an S3 endpoint, with its keys by Secret reference', () => {
    const c = container(build({ endpoint: 'https://s3.example.com', credentials: { name: 's3', accessKeyKey: 'ak', secretKeyKey: 'sk' } }), 'model-manager');
    expect(envOf(c)).toMatchObject({ STORAGE_TYPE: 's3', STORAGE_ENDPOINT: 'https://s3.example.com', ACCESS_KEY: 's3:ak', SECRET_KEY: 's3:sk' });
  });
});
