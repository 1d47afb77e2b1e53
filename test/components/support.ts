/**
 * Fixtures of the construct tests: a platform context, the services and
 * connections a component is wired to, and a look at a chart's objects.
 */
import { Chart, Testing } from 'cdk8s';
import { DatabaseConnection, PlatformContext, ProgramService, SharedRoot, siteDirs, TASK_MANAGER_DEFAULTS, TaskManagerSettings } from '../../lib';
import { DATABASE_USERS } from '../../lib/resolve/database-users';

/** A small platform instance. */
export const CONTEXT: PlatformContext = {
  name: 'fl',
  namespace: 'fl-system',
  version: '1.2.3',
  images: {
    registry: 'registry.example.com/nsfl',
    tag: '1.2.3',
    digests: {},
    pullPolicy: 'IfNotPresent',
    pullSecrets: [],
    busybox: 'busybox:1.36.1',
    kubectl: 'bitnami/kubectl:1.28.4',
    nginx: 'nginx:1.27.3-alpine',
  },
  apiProxy: { port: 8001 },
};

/** An embedded PostgreSQL as the programs reach it. */
export const DB: DatabaseConnection = {
  type: 'postgreSQL',
  address: 'fl-database.fl-system.svc:5432',
  name: 'neursafe_fl',
  waitAddress: 'fl-database.fl-system.svc:5432',
  credentials: Object.fromEntries(
    Object.keys(DATABASE_USERS).map((u) => [u, { username: { name: `fl-db-${u}`, key: 'username' }, password: { name: `fl-db-${u}`, key: 'password' } }]),
  ) as DatabaseConnection['credentials'],
};

/** The shared root of the fixture platform. */
export function sharedRoot(): SharedRoot {
  return new SharedRoot(CONTEXT, { hostPath: '/mnt/nsfl', coordinatorConfigsDir: 'coordinators', modelsDir: 'models', namespaces: ['default'] });
}

/** A Service of another component, to wire a construct to. */
export function service(chart: Chart, component: 'client-selector' | 'model-manager' | 'proxy' | 'job-scheduler', ports: Record<string, number>): ProgramService {
  return new ProgramService(chart, `${component}-service`, {
    context: CONTEXT,
    name: `fl-${component}`,
    component,
    ports: Object.entries(ports).map(([name, port]) => ({ name, port })),
  });
}

/** A chart's objects, and the one of a kind (and name). */
export function objects(chart: Chart) {
  const all: any[] = Testing.synth(chart);
  const one = (kind: string, name?: string) => {
    const found = all.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    if (found.length !== 1) throw new Error(`expected one ${kind}${name ? `/${name}` : ''}, found ${found.length}`);
    return found[0];
  };
  return { all, one, kinds: all.map((o) => `${o.kind}/${o.metadata.name}`) };
}

/** The environment of a container as name → value (or `secret:key` for Secret references). */
export function envOf(container: any): Record<string, string> {
  return Object.fromEntries(
    (container.env ?? []).map((e: any) => [e.name, e.value ?? `${e.valueFrom.secretKeyRef.name}:${e.valueFrom.secretKeyRef.key}`]),
  );
}

/** The container called `name` of a Deployment. */
export function container(deployment: any, name: string): any {
  const c = deployment.spec.template.spec.containers.find((x: any) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
}

/** Asserts the platform's singleton shape: one replica, Recreate, selector on stable labels only. */
export function expectSingleton(deployment: any, component: string, site?: string): void {
  expect(deployment.spec.replicas).toBe(1);
  expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
  expect(deployment.spec.selector.matchLabels).toEqual({
    'app.kubernetes.io/name': 'neursafe-fl',
    'app.kubernetes.io/instance': 'fl',
    'app.kubernetes.io/component': component,
    ...(site === undefined ? {} : { 'fl.neursafe.io/site': site }),
  });
}

/** A site's settings as the resolver gives them, for the cluster label value `clusterLabelValue`. */
export function siteSettings(clusterLabelValue: string): TaskManagerSettings {
  const image = 'registry.example.com/nsfl/nsfl-client-cpu:1.2.3';
  return {
    ...TASK_MANAGER_DEFAULTS,
    runtime: ['pytorch'],
    clusterLabelKey: 'kubernetes.io/cluster_id',
    clusterLabelValue,
    image,
    executorImage: image,
    env: {},
    dirs: siteDirs({}, '/var/lib/neursafe-fl'),
  };
}
