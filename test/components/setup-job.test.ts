import { Testing } from 'cdk8s';
import { SetupJob } from '../../lib';
import { CONTEXT, objects } from './support';

describe('SetupJob', () => {
  const props = { context: CONTEXT, name: 'fl-setup', script: 'echo hi', rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }], wave: -1, ttlSecondsAfterFinished: 3600 };

  test('with no rules, no Role and no RoleBinding (its rights are bound elsewhere)', () => {
    const chart = Testing.chart();
    new SetupJob(chart, 'Setup', { ...props, rules: [] });
    expect(objects(chart).kinds).toEqual(['ServiceAccount/fl-setup', 'Job/fl-setup']);
  });

  test('a sync hook Job under its own ServiceAccount and Role, created one wave earlier, with a deadline', () => {
    const chart = Testing.chart();
    new SetupJob(chart, 'Setup', props);
    const out = objects(chart);
    expect(out.kinds).toEqual(['ServiceAccount/fl-setup', 'Role/fl-setup', 'RoleBinding/fl-setup', 'Job/fl-setup']);
    expect(out.one('Role').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-2' });
    const job = out.one('Job');
    expect(job.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/sync-wave': '-1' });
    expect(job.spec).toMatchObject({ activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 3600 });
    expect(job.spec.template.spec.containers[0]).toMatchObject({ image: 'bitnami/kubectl:1.28.4', command: ['sh', '-c', 'echo hi'] });
  });

  test('a CronJob when given a schedule', () => {
    const chart = Testing.chart();
    new SetupJob(chart, 'Setup', { ...props, schedule: '*/10 * * * *' });
    expect(objects(chart).one('CronJob').spec).toMatchObject({ schedule: '*/10 * * * *', concurrencyPolicy: 'Forbid' });
  });
});
