import { Testing } from 'cdk8s';
import { Secrets } from '../../lib';
import { CONTEXT, objects } from './support';

describe('Secrets', () => {
  test('references only: the Job generates the missing Secrets in the cluster, none is written out', () => {
    const chart = Testing.chart();
    const secrets = new Secrets(chart, 'Secrets', { context: CONTEXT, database: { embedded: true }, objectStorage: { embedded: true } });
    const out = objects(chart);
    expect(out.all.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(secrets.routeToken).toEqual({ name: 'fl-route-token', key: 'token' });
    const script: string = out.one('Job', 'fl-generate-secrets').spec.template.spec.containers[0].command[2];
    for (const name of ['fl-route-token', 'fl-database', 'fl-object-storage']) expect(script).toContain(`create ${name} `);
  });

  test('a Secret the props name is used as it is, never generated', () => {
    const chart = Testing.chart();
    const secrets = new Secrets(chart, 'Secrets', {
      context: CONTEXT,
      routeToken: { name: 'my-token', key: 't' },
      database: { embedded: false },
      objectStorage: { embedded: true, secret: 'my-s3' },
    });
    expect(secrets.routeToken).toEqual({ name: 'my-token', key: 't' });
    expect(secrets.objectStorage.accessKey).toEqual({ name: 'my-s3', key: 'accessKey' });
    expect(objects(chart).all).toEqual([]);
  });
});
