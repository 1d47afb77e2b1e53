import { Testing } from 'cdk8s';
import { Database, DatabaseProps } from '../../lib';
import { CONTEXT, DB, objects } from './support';

describe('Database', () => {
  const base = { context: CONTEXT, databaseName: 'neursafe_fl', postgresImage: 'postgres:16.4', mongoImage: 'mongo:7.0' };
  const superuser = { username: { name: 'fl-database', key: 'username' }, password: { name: 'fl-database', key: 'password' } };
  const embedded = { storageSize: '10Gi', superuser, users: DB.credentials };

  test('embedded: a one-replica StatefulSet whose data volume outlives it, and each program its own login', () => {
    const chart = Testing.chart();
    const db = new Database(chart, 'Database', { ...base, embedded });
    const out = objects(chart);
    const sts = out.one('StatefulSet');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.selector.matchLabels['app.kubernetes.io/version']).toBeUndefined();
    expect(db.connection).toMatchObject({ type: 'postgreSQL', address: 'fl-database.fl-system.svc:5432', credentials: DB.credentials });
    expect(out.one('Job', 'fl-database-setup').spec.template.spec.initContainers[0].image).toBe('postgres:16.4');
  });

  test('external MongoDB: no server here, one shared login, the set-up runs the MongoDB shell', () => {
    const chart = Testing.chart();
    const db = new Database(chart, 'Database', {
      ...base,
      external: { type: 'mongo', address: 'mongo.example.com:27017', credentials: { name: 'mongo', usernameKey: 'user', passwordKey: 'pass' } },
    });
    const out = objects(chart);
    expect(out.all.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    expect(db.connection.credentials.jobScheduler).toEqual({ username: { name: 'mongo', key: 'user' }, password: { name: 'mongo', key: 'pass' } });
    expect(out.one('Job').spec.template.spec.initContainers[0].image).toBe('mongo:7.0');
  });

  test('exactly one of embedded and external', () => {
    const external: DatabaseProps['external'] = { type: 'postgreSQL', address: 'pg:5432', credentials: { name: 'pg', usernameKey: 'u', passwordKey: 'p' } };
    expect(() => new Database(Testing.chart(), 'Database', base)).toThrow(/set exactly one of props\.embedded and props\.external/);
    expect(() => new Database(Testing.chart(), 'Database', { ...base, embedded, external })).toThrow(/set exactly one/);
  });
});
