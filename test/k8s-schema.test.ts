import { Chart, Cron, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { validateManifest } from './support/k8s-schema';

const labels = { app: 'web' };

/** A valid Deployment; tests edit copies of it. */
function deployment(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'nsfl', labels, creationTimestamp: null },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations: { 'prometheus.io/scrape': 'true' } },
        spec: {
          hostUsers: false,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          initContainers: [
            // Sidecar containers (init container restartPolicy) are new in 1.28.
            { name: 'log-shipper', image: 'busybox:1.36', restartPolicy: 'Always' },
          ],
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              imagePullPolicy: 'IfNotPresent',
              args: ['--port', '8080'],
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              env: [
                { name: 'MODE', value: 'prod' },
                { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
              ],
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1, memory: '1Gi' } },
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port: 8080 }, failureThreshold: 3 },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'config', mountPath: '/etc/web', readOnly: true }],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: 'web-config', defaultMode: 0o444 } },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  };
}

const validManifests: any[] = [
  deployment(),
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { 'nginx.conf': 'events {}' } },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'reader', namespace: 'nsfl' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['web-config'], verbs: ['get', 'watch'] }],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'node-reader' },
    rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }, { nonResourceURLs: ['/healthz'], verbs: ['get'] }],
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/' } },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
      rules: [
        {
          host: 'web.example.com',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] },
        },
      ],
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      serviceName: 'db',
      replicas: 1,
      selector: { matchLabels: { app: 'db' } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'db', image: 'postgres:16', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }] }] },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '10Gi' } } },
        },
      ],
    },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', annotations: { 'argocd.argoproj.io/hook': 'Sync' } },
    spec: {
      backoffLimit: 2,
      ttlSecondsAfterFinished: 300,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'migrate:1', command: ['migrate', 'up'] }] } },
    },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'web' },
    spec: {
      podSelector: { matchLabels: labels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'UDP', port: 53 }] }],
    },
  },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'nsfl', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
];

describe('validateManifest: valid Kubernetes 1.28 manifests', () => {
  it.each(validManifests.map((m) => [`${m.kind}/${m.metadata.name}`, m]))('%s passes', (_name, manifest) => {
    expect(validateManifest(manifest)).toEqual([]);
  });

  it('passes everything cdk8s-plus-28 synthesizes for a broad chart', () => {
    const chart = new Chart(Testing.app(), 'chart');
    const config = new kplus.ConfigMap(chart, 'config', { data: { key: 'value' } });
    const web = new kplus.Deployment(chart, 'web', {
      containers: [
        {
          image: 'nginx',
          portNumber: 8080,
          resources: {
            cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
            memory: { request: Size.mebibytes(64), limit: Size.gibibytes(1) },
          },
          liveness: kplus.Probe.fromHttpGet('/healthz'),
          envVariables: { A: kplus.EnvValue.fromValue('1'), B: kplus.EnvValue.fromConfigMap(config, 'key') },
          volumeMounts: [{ path: '/config', volume: kplus.Volume.fromConfigMap(chart, 'config-volume', config) }],
        },
      ],
    });
    web.exposeViaIngress('/api');
    const db = new kplus.StatefulSet(chart, 'db', { containers: [{ image: 'redis', portNumber: 6379 }] });
    web.connections.allowFrom(db);
    new kplus.Job(chart, 'job', { containers: [{ image: 'busybox' }], ttlAfterFinished: Duration.minutes(5), backoffLimit: 2 });
    new kplus.CronJob(chart, 'cron', { containers: [{ image: 'busybox' }], schedule: Cron.daily() });
    const sa = new kplus.ServiceAccount(chart, 'sa');
    const role = new kplus.Role(chart, 'role');
    role.allowRead(config);
    role.bind(sa);
    const clusterRole = new kplus.ClusterRole(chart, 'cluster-role');
    clusterRole.allowRead(kplus.ApiResource.PODS);
    clusterRole.bind(sa);
    new kplus.Namespace(chart, 'ns');
    new kplus.HorizontalPodAutoscaler(chart, 'hpa', {
      target: web,
      maxReplicas: 5,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
    });
    new kplus.PersistentVolumeClaim(chart, 'pvc', { storage: Size.gibibytes(1) });

    const manifests = Testing.synth(chart);
    expect(manifests.length).toBeGreaterThan(15);
    expect(manifests.flatMap(validateManifest)).toEqual([]);
  });
});

describe('validateManifest: special types', () => {
  it('takes metav1.Time and MicroTime as strings, and JSON null as unset', () => {
    const event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e', creationTimestamp: null },
      eventTime: '2024-01-01T00:00:00.000000Z',
      deprecatedFirstTimestamp: '2024-01-01T00:00:00Z',
      reportingController: 'test',
      reportingInstance: 'test-1',
      action: 'Sync',
      reason: 'Synced',
      regarding: { kind: 'Pod', name: 'p' },
    };
    expect(validateManifest(event)).toEqual([]);
    expect(validateManifest({ ...event, eventTime: 1 })).toEqual(['Event/e: /eventTime: expected string, got number 1']);
  });
});

describe('validateManifest: invalid manifests', () => {
  it('reports a misspelled field with its path', () => {
    const d = deployment();
    d.metadata.name = 'nsfl-job-scheduler';
    d.spec.template.spec.containers[0].imagePullPolcy = 'Always';
    expect(validateManifest(d)).toEqual([
      'Deployment/nsfl-job-scheduler: /spec/template/spec/containers/0/imagePullPolcy: unknown field',
    ]);
  });

  it('reports unknown fields at every level, including metadata', () => {
    const d = deployment();
    d.metadata.label = labels;
    d.spec.template.spec.fooBar = 1;
    expect(validateManifest(d)).toEqual([
      'Deployment/web: /metadata/label: unknown field',
      'Deployment/web: /spec/template/spec/fooBar: unknown field',
    ]);
  });

  it('reports wrong types', () => {
    const d = deployment();
    d.spec.replicas = '1';
    d.spec.template.spec.hostUsers = 'false';
    d.spec.template.spec.containers[0].args = '--port 8080';
    d.spec.template.metadata.annotations['argocd.argoproj.io/sync-wave'] = 1;
    expect(validateManifest(d)).toEqual([
      'Deployment/web: /spec/replicas: expected integer, got string "1"',
      'Deployment/web: /spec/template/metadata/annotations/argocd.argoproj.io~1sync-wave: expected string, got number 1',
      'Deployment/web: /spec/template/spec/hostUsers: expected boolean, got string "false"',
      'Deployment/web: /spec/template/spec/containers/0/args: expected array, got string "--port 8080"',
    ]);
  });

  it('checks integers, int-or-string and quantities', () => {
    const d = deployment();
    d.spec.replicas = 1.5;
    d.spec.strategy.rollingUpdate.maxSurge = true;
    d.spec.template.spec.containers[0].resources.limits.memory = '512MB';
    expect(validateManifest(d)).toEqual([
      'Deployment/web: /spec/replicas: expected integer, got number 1.5',
      'Deployment/web: /spec/strategy/rollingUpdate/maxSurge: expected integer or string, got boolean true',
      'Deployment/web: /spec/template/spec/containers/0/resources/limits/memory: expected quantity (e.g. "100m", "1.5Gi", 2), got string "512MB"',
    ]);
  });

  it('reports missing required fields', () => {
    const d = deployment();
    delete d.spec.template.spec.containers[0].name;
    delete d.spec.selector;
    expect(validateManifest(d)).toEqual([
      'Deployment/web: /spec/template/spec/containers/0/name: required field missing',
      'Deployment/web: /spec/selector: required field missing',
    ]);
  });

  it('rejects fields that only exist after Kubernetes 1.28', () => {
    const d = deployment();
    const container = d.spec.template.spec.containers[0];
    container.volumeMounts[0].recursiveReadOnly = 'Enabled'; // 1.30
    container.lifecycle = { preStop: { sleep: { seconds: 5 } } }; // 1.29
    d.spec.template.spec.securityContext.appArmorProfile = { type: 'RuntimeDefault' }; // 1.30
    const service = { ...validManifests[1], spec: { ...validManifests[1].spec, trafficDistribution: 'PreferClose' } }; // 1.30
    expect([...validateManifest(d), ...validateManifest(service)]).toEqual([
      'Deployment/web: /spec/template/spec/securityContext/appArmorProfile: unknown field',
      'Deployment/web: /spec/template/spec/containers/0/volumeMounts/0/recursiveReadOnly: unknown field',
      'Deployment/web: /spec/template/spec/containers/0/lifecycle/preStop/sleep: unknown field',
      'Service/web: /spec/trafficDistribution: unknown field',
    ]);
  });

  it('reports an apiVersion/kind it has no schema for instead of passing it', () => {
    const d = deployment();
    expect(validateManifest({ ...d, apiVersion: 'apps/v1beta1' })).toEqual([
      'Deployment/web: no Kubernetes 1.28 or CRD schema for apiVersion "apps/v1beta1" kind "Deployment"',
    ]);
    expect(validateManifest({ ...d, kind: 'Deployments' })).toEqual([
      'Deployments/web: no Kubernetes 1.28 or CRD schema for apiVersion "apps/v1" kind "Deployments"',
    ]);
    expect(validateManifest({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' } })).toEqual([
      'Rollout/r: no Kubernetes 1.28 or CRD schema for apiVersion "argoproj.io/v1alpha1" kind "Rollout"',
    ]);
    expect(validateManifest({ kind: 'ConfigMap', metadata: { name: 'c' } })).toEqual([
      'ConfigMap/c: apiVersion and kind must be strings',
    ]);
    expect(validateManifest('kind: ConfigMap')).toEqual(['<manifest>: expected an object, got string "kind: ConfigMap"']);
  });
});

describe('validateManifest: Argo CD Application', () => {
  function application(): any {
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'nsfl', namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: {
        project: 'default',
        source: {
          repoURL: 'https://git.example.com/nsfl/deploy.git',
          targetRevision: 'main',
          path: 'dist',
          directory: { recurse: true },
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'nsfl' },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
          retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
        },
        revisionHistoryLimit: 10,
      },
    };
  }

  it('passes a valid Application (free-form Helm valuesObject included)', () => {
    const app = application();
    expect(validateManifest(app)).toEqual([]);
    app.spec.source = { repoURL: 'https://charts.example.com', chart: 'web', targetRevision: '1.2.3', helm: { valuesObject: { any: { thing: [1] } } } };
    expect(validateManifest(app)).toEqual([]);
  });

  it('reports typos, wrong types, missing required fields and bad metadata', () => {
    const app = application();
    app.metadata.annotation = {};
    app.spec.source.repoUrl = app.spec.source.repoURL;
    delete app.spec.source.repoURL;
    app.spec.syncPolicy.automated.prune = 'true';
    app.spec.syncPolicy.retry.limit = '5';
    delete app.spec.destination;
    expect(validateManifest(app)).toEqual([
      'Application/nsfl: /metadata/annotation: unknown field',
      'Application/nsfl: /spec/source/repoUrl: unknown field',
      'Application/nsfl: /spec/source/repoURL: required field missing',
      'Application/nsfl: /spec/syncPolicy/automated/prune: expected boolean, got string "true"',
      'Application/nsfl: /spec/syncPolicy/retry/limit: expected integer, got string "5"',
      'Application/nsfl: /spec/destination: required field missing',
    ]);
  });
});

describe('validateManifest: Gateway API HTTPRoute', () => {
  function route(): any {
    return {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'api', namespace: 'nsfl' },
      spec: {
        parentRefs: [{ name: 'gateway', namespace: 'gateways', sectionName: 'http' }],
        rules: [{ matches: [{ path: { type: 'RegularExpression', value: '/api/v1/namespaces/[^/]+/jobs' } }], backendRefs: [{ name: 'js', port: 8088 }] }],
      },
    };
  }

  it('passes a valid HTTPRoute', () => {
    expect(validateManifest(route())).toEqual([]);
  });

  it('reports unknown fields, a path match type outside its enum and a wrong port type', () => {
    const r = route();
    r.spec.rules[0].match = [];
    r.spec.rules[0].matches[0].path.type = 'Regex';
    r.spec.rules[0].backendRefs[0].port = '8088';
    expect(validateManifest(r)).toEqual([
      'HTTPRoute/api: /spec/rules/0/matches/0/path/type: expected one of Exact, PathPrefix, RegularExpression, got string "Regex"',
      'HTTPRoute/api: /spec/rules/0/backendRefs/0/port: expected integer, got string "8088"',
      'HTTPRoute/api: /spec/rules/0/match: unknown field',
    ]);
  });
});
