/**
 * The schema of `platform.yaml`: the single source of the config's types,
 * defaults, descriptions and of the committed JSON Schema
 * (`schema/platform.schema.json`).
 *
 * Only shape and single-field rules live here; the reusable field types
 * (names, addresses, quantities, tolerations, ...) are in `fields.ts` and
 * re-exported from here. Rules that relate several fields (distinct ports,
 * unique NodePorts, edge addresses) are in `rules.ts`, which runs on the
 * parsed, defaulted config.
 */
import { z } from 'zod';
import { TASK_MANAGER_DEFAULTS } from './defaults';
import {
  absolutePath, annotations, databaseAddress, dns1035Label, dnsLabel, dnsSubdomain, envVars, externalHostPort, externalHttpsUrl, externalIpv4,
  freeText, gitRepoUrl, host, httpUrl, ingressHost, ipv4, ipv4Cidr, labelKey, labelValue, nodeName, nodePort, port, positiveQuantity, resourcesSchema,
  secretKey, toleration,
} from './fields';
// network-policies: begin
import { networkPoliciesSchema } from './network-policies';
// network-policies: end
import { durationSeconds, GO_DURATION, tlsSchema } from './tls';
import { containerExtraFields, overrideSections, podMetadataFields, workloadFields } from './workloads';

export * from './fields';
export { HOST_PORT } from './addresses';

const folderName = z
  .string()
  .max(255, { error: 'must be at most 255 characters (a folder name)', abort: true })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'must be a single folder name (letters, digits, ".", "_", "-"; no "/"), e.g. models' });

/**
 * A container image reference: `[registry[:port]/]path[:tag][@sha256:digest]`.
 * The tag `latest` is refused unless `images.allowLatest` is true (rules.ts).
 */
const IMAGE_REF =
  new RegExp(
    String.raw`^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?` +
    String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*` +
    String.raw`(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
  );

const image = z.string().max(1024, { error: 'must be at most 1024 characters (an image reference)', abort: true }).regex(IMAGE_REF, {
  error: 'must be an image reference such as registry.example.com/team/name:1.2.3',
});

/** A duration as Argo CD's retry backoff reads it (Go), in hours, minutes and seconds. */
const argoDuration = z.string().regex(GO_DURATION, { error: 'must be a duration in hours, minutes and seconds, e.g. 10s or 5m', abort: true });

const logLevel = z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR']);

const extraEnv = envVars
  .default({})
  .describe('Extra environment variables (tunables such as REPORT_PERIOD). Variables the generator sets cannot be overridden here.');

/** A reference to one key of a Secret in the platform namespace. */
const secretRef = (defaultKey: string) =>
  z.strictObject({
    name: dnsLabel.describe('Name of the Secret in the platform namespace.'),
    key: secretKey.default(defaultKey).describe('Key inside the Secret.'),
  });

const componentBase = {
  logLevel: logLevel.default('INFO').describe('Log level of the program.'),
  image: image.optional().describe('Full image reference; default: <images.registry>/<upstream name>:<images.tag>.'),
  resources: resourcesSchema.optional(),
  env: extraEnv,
  ...workloadFields,
};

/**
 * The config section of a component that runs a program: its own `fields`
 * plus `logLevel`, `image`, `resources` and `env` (which the latest-tag and
 * managed-environment rules check). A section left out is read as `{}`: its
 * defaults apply (and a required field of its own is reported missing).
 */
export function componentSection<F extends z.core.$ZodLooseShape>(fields: F, description: string) {
  const section = z.strictObject({ ...fields, ...componentBase });
  return section.prefault({} as z.input<typeof section>).describe(description);
}

/** The settings of a task manager site, shared by the cloud task manager and edge defaults. */
const siteDirs = z.strictObject({
  lmdb: absolutePath.optional().describe('Task metadata (LMDB) folder.'),
  workspace: absolutePath.optional().describe('Intermediate files; mounted into executors at the same path.'),
  datasets: absolutePath.optional().describe('Holds datasets.json and the dataset folders it lists.'),
  taskConfigs: absolutePath.optional().describe('Task entry scripts and configs (task_config_entry).'),
});

const taskManagerSettings = {
  port: port.default(TASK_MANAGER_DEFAULTS.port).describe('gRPC port of the task manager (config `port`); no edge node may use it (executor names contain the port).'),
  workerPort: port.default(TASK_MANAGER_DEFAULTS.workerPort).describe('Port executors listen on (WORKER_PORT).'),
  runtime: z
    .array(z.string().regex(/^[A-Za-z0-9_.-]{1,63}$/, { error: 'must be a runtime name (at most 63 letters, digits, "_", "." or "-"; no spaces or commas), e.g. pytorch' }))
    .min(1)
    .max(32)
    .default([...TASK_MANAGER_DEFAULTS.runtime])
    .describe('Runtimes this site offers, in the case jobs use (e.g. tensorflow, pytorch).'),
  storageQuota: z.number().int().positive().default(TASK_MANAGER_DEFAULTS.storageQuota).describe('Storage quota in MB (> 0).'),
  registration: z.boolean().default(TASK_MANAGER_DEFAULTS.registration).describe('Whether the task manager registers with the client selector.'),
  maxTaskParallelism: z.number().int().positive().optional().describe('Most tasks run at once.'),
  label: freeText(1024).optional().describe('Free-form label the site reports (config `label`).'),
  clusterLabelKey: labelKey
    .default('kubernetes.io/cluster_id')
    .describe('Node label key that marks the nodes of a site (CLUSTER_LABEL_KEY); the cloud task manager\'s key is also used for every edge node.'),
  executorImage: image.optional().describe('Executor image (CONTAINER_EXECUTOR_IMAGE); default: the task manager image.'),
  ...componentBase,
};

/** A cluster label value or site name: a non-empty label value (it selects the nodes of a site). */
const siteLabelValue = labelValue.min(1, { error: 'must not be empty (it selects the nodes of a site), e.g. nsfl-cloud' });

/** CPU architectures of edge devices (the node's kubernetes.io/arch). */
export const ARCHES = ['amd64', 'arm64', 'arm'] as const;

const imagesByArch = z
  .strictObject({
    amd64: image.optional().describe('Image for amd64 nodes.'),
    arm64: image.optional().describe('Image for arm64 nodes.'),
    arm: image.optional().describe('Image for arm (32-bit) nodes.'),
  })
  .describe('An image per CPU architecture, chosen by the node\'s arch.');

/**
 * Everything an edge node can set; used (all optional) by edge.defaults,
 * edge.profiles and each node. Later levels override earlier ones field by
 * field (maps such as env and nodeLabels are merged, lists replaced).
 */
const edgeSettings = z.strictObject({
  port: port
    .optional()
    .describe(`Task manager port, also the host port on the node (external_address port). On a node: its own port, which no other task manager may use. In edge.defaults or a profile: where ` +
      `allocation starts for nodes that set none (each gets the lowest free port from there, kept across runs in dist/edge/task-manager-ports.txt). Default start ${TASK_MANAGER_DEFAULTS.port}.`),
  workerPort: port.optional().describe(`WORKER_PORT of executors. Default ${TASK_MANAGER_DEFAULTS.workerPort}.`),
  runtime: taskManagerSettings.runtime.removeDefault().optional().describe(`Runtimes this site offers, in the case jobs use (e.g. tensorflow, pytorch). Default ` +
    `[${TASK_MANAGER_DEFAULTS.runtime.join(', ')}].`),
  storageQuota: z.number().int().positive().optional().describe('Storage quota in MB.'),
  registration: z.boolean().optional().describe('Register with the client selector. Default true.'),
  maxTaskParallelism: z.number().int().positive().optional().describe('Most tasks run at once.'),
  label: freeText(1024).optional().describe('Free-form site label (config `label`).'),
  logLevel: logLevel.optional().describe('Log level. Default INFO.'),
  image: image.optional().describe('Task manager image for every architecture.'),
  images: imagesByArch.optional().describe('A task manager image per CPU architecture, chosen by the node\'s arch.'),
  executorImage: image.optional().describe('Executor image for every architecture (CONTAINER_EXECUTOR_IMAGE).'),
  executorImages: imagesByArch.optional().describe('An executor image per CPU architecture.'),
  resources: resourcesSchema.optional(),
  dirs: siteDirs.optional().describe('Host paths of the site folders on the node. Default: /var/lib/neursafe-fl/<folder>.'),
  env: envVars.optional().describe('Extra environment variables.'),
  tolerations: z.array(toleration).max(32).optional().describe('Extra tolerations (the offline-node NoExecute tolerations are always set).'),
  nodeLabels: z
    .record(labelKey, labelValue)
    .refine((l) => Object.keys(l).length <= 64, { error: 'must set at most 64 labels' })
    .optional().describe('Extra labels to set on the node.'),
  ...podMetadataFields,
  ...containerExtraFields,
});

const edgeNode = edgeSettings.extend({
  name: nodeName.describe('The Kubernetes node name (kubernetes.io/hostname).'),
  address: host
    .describe('Address of the node reachable from cloud pods (external_address host).'),
  arch: z.enum(ARCHES).default('amd64').describe('CPU architecture (kubernetes.io/arch).'),
  enabled: z.boolean().default(true).describe('false: keep the entry but deploy nothing to the node.'),
  profile: dnsLabel.optional().describe('Name of an entry of edge.profiles whose settings apply before the node\'s own.'),
  site: siteLabelValue
    .optional()
    .describe('Group nodes into one site: they share the cluster label value (the site name), so executors may run on any of them.'),
  clusterLabelValue: siteLabelValue.optional().describe('CLUSTER_LABEL_VALUE of the node; default: the site, else the node name.'),
});

const edgeSection = z
  .strictObject({
    kubeedgeVersion: z
      .string()
      .regex(/^v?[0-9]{1,3}\.[0-9]{1,3}(\.[0-9]{1,3})?$/, { error: 'must be a KubeEdge release, e.g. 1.18.1' })
      .default('1.11.1')
      .describe("The oldest KubeEdge release the fleet's cloudcore and edgecores run (the platform's KubeEdge guide uses 1.11.1): synth warns about each setting that needs a newer one " +
        "(docs/edge.md, KubeEdge compatibility)."),
    edgeMesh: z.boolean().default(false).describe('EdgeMesh is installed: edge pods can resolve and reach cluster Services.'),
    cloudCoreAddress: externalHostPort.optional().describe("cloudcore host:port (port 10000) for the printed keadm join commands; with gitops.argocd.cloudCore, its IP is CloudCore's advertise " +
      "address."),
    proxyAddress: externalHostPort.optional().describe('The proxy gRPC address edge nodes use; default: proxy.externalAddress.'),
    databaseAddress: databaseAddress
      .optional()
      .describe('Database address reachable from edge nodes; default: the external database\'s address, or for the embedded one <database.embedded.edgeNodePort> exposure (required then).'),
    apiAccess: z
      .strictObject({
        mode: z
          .enum(['metaserver', 'sidecar'])
          .default('metaserver')
          .describe('metaserver: the node\'s MetaServer on 127.0.0.1:10550 (hostNetwork); sidecar: a kubectl proxy sidecar as the fleet\'s one ServiceAccount, with a token Secret per node.'),
        server: externalHttpsUrl
          .optional()
          .describe('sidecar mode: the API address (MetaServer https://169.254.30.10:10550 on KubeEdge 1.17+, or the cloud API server\'s external address); default: the in-cluster address MetaServer injects.'),
      })
      .prefault({})
      .describe('How edge task managers reach the Kubernetes API.'),
    defaults: edgeSettings.prefault({}).describe('Settings of every edge node.'),
    profiles: z.record(dnsLabel, edgeSettings).default({}).describe('Named settings shared by groups of nodes (e.g. one per device model).'),
    nodes: z.array(edgeNode).default([]).describe('The edge nodes, one task manager each.'),
  })
  .prefault({})
  .describe(
    "The KubeEdge edge fleet. KubeEdge's cloudcore gives an edge node any Secret of the cluster it asks for, the CA key <name>-ca included, unless cloudcore's Node authorization is on " +
      "(modules.cloudHub.authorization, KubeEdge 1.18+) or tls.certManager.issuer keeps the CA key outside the cluster: docs/security.md, KubeEdge and Secrets.",
  );

const cloudTaskManager = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Deploy a cluster-mode task manager in the cloud.'),
    clusterLabelValue: siteLabelValue
      .default('nsfl-cloud')
      .describe('Label value of the cloud nodes executors may run on (CLUSTER_LABEL_VALUE). Label exactly the nodes that share the site folders.'),
    dirs: siteDirs
      .prefault({})
      .describe('Host paths of the site folders (shared storage, same path on every labelled node), never inside sharedRoot.hostPath (its folders are the upload endpoint\'s buckets). Default: ' +
        'folders under <sharedRoot.hostPath>_task_manager, e.g. /mnt/neursafe_fl_task_manager/lmdb.'),
    ...taskManagerSettings,
  })
  .describe('The cloud (cluster-mode) task manager.');

// remote-sites: begin
/** A database run elsewhere: its address and the Secret with its user and password. */
function externalDatabase(address: string, secret: string) {
  return z.strictObject({
    address: databaseAddress.describe(address),
    credentials: z
      .strictObject({
        name: dnsLabel.describe(secret),
        usernameKey: secretKey.default('username').describe('Key of the user name in the Secret.'),
        passwordKey: secretKey.default('password').describe('Key of the password in the Secret.'),
      })
      .describe('Secret with the database user and password.'),
  });
}

/**
 * Everything a remote site's task manager can set: remoteSites.defaults and
 * each site (the site's own fields win, field by field; env and dirs are merged).
 */
const remoteSiteSettings = z.strictObject({
  port: port
    .optional()
    .describe(`gRPC port of the site's task manager in its pod (config \`port\`); its external Service forwards externalAddress's port to it. Default ${TASK_MANAGER_DEFAULTS.port}.`),
  workerPort: port.optional().describe(`Port executors listen on (WORKER_PORT). Default ${TASK_MANAGER_DEFAULTS.workerPort}.`),
  runtime: taskManagerSettings.runtime.removeDefault().optional().describe(`Runtimes the site offers, in the case jobs use. Default [${TASK_MANAGER_DEFAULTS.runtime.join(', ')}].`),
  storageQuota: z.number().int().positive().optional().describe(`Storage quota in MB. Default ${TASK_MANAGER_DEFAULTS.storageQuota}.`),
  registration: z.boolean().optional().describe('Register with the client selector (through the proxy). Default true.'),
  maxTaskParallelism: z.number().int().positive().optional().describe('Most tasks run at once.'),
  label: freeText(1024).optional().describe('Free-form label the site reports (config `label`).'),
  logLevel: logLevel.optional().describe('Log level. Default INFO.'),
  image: image.optional().describe('Task manager image; default: <images.registry>/nsfl-client-cpu:<images.tag>.'),
  executorImage: image.optional().describe('Executor image (CONTAINER_EXECUTOR_IMAGE); default: the task manager image.'),
  images: imagesByArch.optional().describe("A task manager image per CPU architecture, chosen by the site's arch (before image)."),
  executorImages: imagesByArch.optional().describe("An executor image per CPU architecture, chosen by the site's arch (before executorImage)."),
  resources: resourcesSchema.optional(),
  env: envVars.optional().describe('Extra environment variables of the task manager.'),
  dirs: siteDirs.optional().describe("Host paths of the site folders on the site cluster's labelled nodes (shared storage, same path on each). Default: /var/lib/neursafe-fl/<folder>."),
  clusterLabelKey: labelKey.optional().describe('Node label key that marks the site cluster\'s nodes executors may run on (CLUSTER_LABEL_KEY). Default: taskManager.clusterLabelKey.'),
  clusterLabelValue: siteLabelValue.optional().describe('Value of that label (CLUSTER_LABEL_VALUE); the task manager runs on those nodes too. Default: the site name.'),
});

const remoteSite = remoteSiteSettings.extend({
  name: dnsLabel.describe('Name of the site (unique): its output folder dist/sites/<name>/, its Argo CD Application, its certificate.'),
  arch: z.enum(ARCHES).default('amd64').describe("CPU architecture (kubernetes.io/arch) of the site's labelled nodes: picks images.<arch> and executorImages.<arch>."),
  destination: z
    .strictObject({
      server: z.string().regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { error: 'must be an http(s) URL' }).optional().describe("API server URL of the site's cluster as registered in Argo CD."),
      name: z.string().min(1).max(253).optional().describe("Name of the site's cluster as registered in Argo CD (instead of `server`)."),
    })
    .refine((d) => d.server === undefined || d.name === undefined, { error: 'set either server or name, not both' })
    .optional()
    .describe("The Argo CD destination of the site's cluster (required with gitops.argocd.enabled)."),
  namespace: dnsLabel.default('neursafe-fl').describe('Namespace of the task manager in the site\'s cluster (never "default", where its executors run).'),
  externalAddress: externalHostPort.describe(
    "host:port at which the server's coordinators reach the site's task manager (external_address): a node address and NodePort, or the load balancer's address.",
  ),
  expose: z
    .strictObject({
      type: z.enum(['NodePort', 'LoadBalancer']).default('NodePort').describe("NodePort: externalAddress's port is the NodePort (30000-32767); LoadBalancer: the Service's port."),
      annotations: annotations.default({}).describe('Annotations of the external Service (e.g. for the cloud load balancer).'),
      sourceRanges: z.array(ipv4Cidr).min(1).max(256).optional().describe("LoadBalancer: the only source addresses it admits (loadBalancerSourceRanges): the server cluster's egress addresses."),
    })
    .prefault({})
    .describe("How the task manager's port leaves the site's cluster."),
  database: z
    .strictObject({
      type: z
        .enum(['embedded', 'postgreSQL', 'mongo'])
        .default('embedded')
        .describe("embedded: a PostgreSQL StatefulSet in the site's namespace; postgreSQL or mongo: a database of the site's organization."),
      name: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, { error: 'must be a database name: at most 63 letters, digits and "_", not starting with a digit, e.g. neursafe_fl' })
        .default('neursafe_fl')
        .describe('Database name (DB_NAME).'),
      embedded: z
        .strictObject({
          storageSize: positiveQuantity.default('10Gi').describe('Size of the data volume.'),
          storageClassName: dnsSubdomain.optional().describe("StorageClass of the data volume; default: the site cluster's default."),
          resources: resourcesSchema.optional(),
        })
        .prefault({})
        .describe('The embedded PostgreSQL (type embedded); its credentials are generated in the site cluster on first install.'),
      external: externalDatabase('postgreSQL: host:port; mongo: host:port or a mongodb:// URI, as the site\'s pods reach it.', "Secret in the site's namespace (created there by the site's organization).")
        .optional()
        .describe('The site\'s own database (required when type is postgreSQL or mongo).'),
    })
    .prefault({})
    .describe("The site's database of tasks: its own, in its cluster or its organization."),
});

const remoteSitesSection = z
  .strictObject({
    defaults: remoteSiteSettings.prefault({}).describe('Settings of every remote site.'),
    sites: z.array(remoteSite).max(256).default([]).describe('The remote sites, one task manager each, each in its own cluster.'),
  })
  .prefault({})
  .describe(
    "Cross-silo client sites in other organizations' Kubernetes clusters (docs/cross-silo.md): one self-contained folder dist/sites/<name>/ each, " +
      "applied to the site's cluster (Argo CD or kubectl), registering with the server through proxy.externalAddress.",
  );
// remote-sites: end

/** Fields an earlier version had, by path, and what to write instead (the message of their error). */
export const RENAMED_FIELDS: Readonly<Record<string, string>> = {
  'apiGateway.host': 'replaced by apiGateway.hostnames, a list: write hostnames: [<the host>]',
};

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Editor hint; ignored.'),
    name: dns1035Label
      .max(40, { error: 'must be at most 40 characters (it prefixes every resource name, e.g. nsfl)' })
      .default('nsfl')
      .describe('Prefix of every resource name, and the app.kubernetes.io/instance and fl.neursafe.io/instance labels.'),
    namespace: dnsLabel.default('neursafe-fl').describe('Namespace the platform runs in (coordinators and executors always run in "default").'),
    version: labelValue.default('0.1.0').describe('Platform version, written to the app.kubernetes.io/version label.'),
    images: z
      .strictObject({
        registry: z
          .string()
          .max(255, { error: 'must be at most 255 characters (a registry host and path)', abort: true })
          .regex(/^[a-zA-Z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, { error: 'must be a registry host with an optional path, e.g. registry.example.com/neursafe' })
          .default('docker.io/neursafe')
          .describe('Registry and path of the platform images.'),
        tag: z
          .string()
          .regex(/^[\w][\w.-]{0,127}$/, { error: 'must be an image tag, e.g. 0.1.0 (pin each image by digest in images.digests: one digest cannot fit several images)' })
          .default('0.1.0')
          .describe('Tag of the platform images.'),
        digests: z
          .record(
            z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, { error: 'must be the upstream name of a platform image, e.g. nsfl-proxy' }),
            z.string().regex(/^sha256:[a-f0-9]{64}$/, { error: 'must be a digest sha256:<64 hex digits>' }),
          )
          .default({})
          .describe('A digest per platform image, by upstream name (nsfl-proxy, nsfl-coordinator, ...): its default reference becomes <registry>/<name>:<tag>@<digest>. Other images take a digest ' +
            'in their own reference (name:tag@sha256:...).'),
        mirror: z
          .string()
          .max(255, { error: 'must be at most 255 characters (a registry host and path)', abort: true })
          .regex(/^[a-zA-Z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, { error: 'must be a registry host with an optional path, e.g. mirror.internal:5000/neursafe' })
          .optional()
          .describe(
            "One registry every image reference of the output is pulled from (air-gapped sites): each reference, the platform's, the helpers', the edge nodes', set or default, becomes " +
              "<mirror>/<its path without the registry host> (Docker Hub's one-segment names get library/), e.g. docker.io/library/busybox:1.36.1 -> <mirror>/library/busybox:1.36.1, " +
                "quay.io/minio/minio:X -> <mirror>/minio/minio:X. References already under <mirror>/ are kept. `npm run images` lists what to copy (docs/images.md).",
          ),
        allowLatest: z.boolean().default(false).describe('Allow the mutable tag "latest" (not recommended: coordinators use IfNotPresent).'),
        pullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']).default('IfNotPresent').describe(
          "imagePullPolicy of every container (written only where it is not Kubernetes' default for the image: IfNotPresent for a tagged image, Always for :latest or no tag).",
        ),
        pullSecrets: z
          .array(dnsLabel)
          .max(16)
          .refine((n) => new Set(n).size === n.length, { error: 'must not repeat a Secret name' })
          .default([])
          .describe(
            "imagePullSecrets of every pod: Secret names in the platform namespace, and in default for the coordinators and executors the programs create there (a set-up Job adds them to " +
              "default's ServiceAccount default; K8S_IMAGE_PULL_SECRETS for later platform versions). Copy or replicate the Secrets into default yourself: docs/images.md.",
          ),
        coordinator: image.optional().describe('Coordinator image (COORDINATOR_IMAGE); default: <registry>/nsfl-coordinator:<tag>.'),
        kubectl: image
          .default('docker.io/alpine/k8s:1.28.15')
          .describe('Image with kubectl and a shell: the in-pod API proxy sidecar and the set-up Jobs.'),
        nginx: image
          .default('docker.io/library/nginx:1.27.3-alpine')
          .describe("Image of the TLS tunnel beside every task manager (stock nginx, multi-arch: amd64, arm64, arm); pin it by digest (name@sha256:...) for reproducible pods."),
        busybox: image.default('docker.io/library/busybox:1.36.1').describe('Image of the small init containers (wait for dependencies, create folders).'),
        postgres: image.default('docker.io/library/postgres:15.8').describe('Image of the embedded PostgreSQL.'),
        mongo: image.default('docker.io/library/mongo:7.0.14').describe('Image with mongosh, for the set-up of an external MongoDB (its collections and index).'),
        minio: image
          .default('quay.io/minio/minio:RELEASE.2022-10-24T18-35-07Z')
          .describe('Image of the embedded S3 endpoint; must be a release that still runs the filesystem (FS) mode, which stores uploads as plain files (RELEASE.2022-10-24T18-35-07Z is the last ' +
            'one).'),
      })
      .prefault({})
      .describe('Where images come from.'),
    cluster: z
      .strictObject({
        dnsServiceIP: ipv4.default('10.96.0.10').describe('IP of the cluster DNS Service (kube-dns); the proxy uses it as its only nameserver.'),
      })
      .prefault({})
      .describe('Facts about the cloud cluster.'),
    sharedRoot: z
      .strictObject({
        hostPath: absolutePath.default('/mnt/neursafe_fl').describe('Shared folder mounted at the same path on every cloud node.'),
        coordinatorConfigsDir: folderName.default('coordinator_configs').describe('Folder for coordinator configs (TEMP_DIR).'),
        modelsDir: folderName.default('models').describe('Model store folder and bucket (MODELS_DIR).'),
        namespaces: z
          .array(dns1035Label)
          .min(1)
          .max(256)
          .default(['default'])
          .describe('FL namespaces; one folder (bucket) each, and with TLS one coordinator certificate each (coordinators.<namespace>.<name>.internal, which the proxy demands for the namespace\'s ' +
            'routes). DNS-1035 labels: coordinators are Pods and Services named <namespace>-<job>, so no namespace may begin with another\'s name and a "-".'),
      })
      .prefault({})
      .describe('The shared root every cloud node mounts.'),
    routeToken: secretRef('token')
      .optional()
      .describe('Secret with the token the job scheduler sends when it registers routes with the proxy. Default: generated in the cluster on first install.'),
    database: z
      .strictObject({
        type: z
          .enum(['embedded', 'postgreSQL', 'mongo'])
          .default('embedded')
          .describe('embedded: a PostgreSQL StatefulSet deployed here; postgreSQL or mongo: an external database.'),
        name: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, { error: 'must be a database name: at most 63 letters, digits and "_", not starting with a digit, e.g. neursafe_fl' })
          .default('neursafe_fl').describe('Database name (DB_NAME).'),
        embedded: z
          .strictObject({
            storageSize: positiveQuantity.default('10Gi').describe('Size of the data volume.'),
            storageClassName: dnsSubdomain.optional().describe('StorageClass of the data volume; default: the cluster default.'),
            credentials: z
              .strictObject({
                name: dnsLabel.describe('Name of an existing Secret with keys "username" and "password".'),
              })
              .optional()
              .describe('Existing credentials; default: a Secret generated in the cluster on first install.'),
            edgeNodePort: nodePort
              .optional()
              .describe('Expose the embedded database on this NodePort for edge task managers (only when there are edge nodes). A NodePort cannot be restricted by source address (see ' +
                'edgeLoadBalancer).'),
            edgeLoadBalancer: z
              .strictObject({
                sourceRanges: z.array(ipv4Cidr).min(1).max(256).describe('The only source addresses the load balancer admits (loadBalancerSourceRanges): your edge nodes\' addresses or networks as ' +
                  'the cloud sees them.'),
                annotations: annotations.default({}).describe('Annotations of the Service (e.g. for your cloud\'s load balancer).'),
              })
              .optional()
              .describe('Expose the embedded database for edge task managers through a cloud load balancer that admits only sourceRanges, instead of edgeNodePort; set edge.databaseAddress to its ' +
                'address.'),
            resources: resourcesSchema.optional(),
            ...workloadFields,
          })
          .prefault({})
          .describe('The embedded PostgreSQL.'),
        external: externalDatabase('postgreSQL: host:port; mongo: host:port or a mongodb:// URI.', 'Secret in the platform namespace.')
          .optional()
          .describe('An external database (required when type is postgreSQL or mongo).'),
      })
      .prefault({})
      .describe('The database of jobs, models and tasks.'),
    modelStorage: z
      .strictObject({
        type: z.enum(['posix', 's3']).default('posix').describe('posix: files under the shared root; s3: an S3 endpoint.'),
        s3: z
          .strictObject({
            endpoint: httpUrl.describe('S3 endpoint URL with its scheme, e.g. http://minio.example.com:9000 (STORAGE_ENDPOINT: the model manager hands it to boto3 as endpoint_url).'),
            credentials: z
              .strictObject({
                name: dnsLabel.describe('Secret in the platform namespace.'),
                accessKeyKey: secretKey.default('accessKey').describe('Key of the S3 access key in the Secret.'),
                secretKeyKey: secretKey.default('secretKey').describe('Key of the S3 secret key in the Secret.'),
              })
              .describe('Secret with the access and secret key.'),
          })
          .optional()
          .describe('Required when type is s3.'),
      })
      .prefault({})
      .describe('Where the model manager stores models.'),
    objectStorage: z
      .strictObject({
        type: z
          .enum(['embedded', 'external'])
          .default('embedded')
          .describe('embedded: MinIO in filesystem mode serving the shared root; external: an endpoint you run.'),
        nodePort: nodePort.default(30900).describe('NodePort of the embedded endpoint (what the CLI uploads to).'),
        port: port.default(9000).describe('Port of the embedded endpoint.'),
        credentials: z
          .strictObject({ name: dnsLabel.describe('Existing Secret with keys "accessKey" and "secretKey".') })
          .optional()
          .describe('Default: generated in the cluster on first install.'),
        external: z
          .strictObject({
            endpoint: httpUrl.describe('URL users upload to, with its scheme (the CLI hands it to boto3 as endpoint_url), e.g. https://uploads.example.com.'),
            deniesCoordinatorFolder: z
              .boolean()
              .default(false)
              .describe(
                "With tls.enabled: you state that the endpoint denies every request (read, list, write, delete) for keys under <tls.coordinatorFolder>/ in every FL namespace's bucket, e.g. by the " +
                  "bucket policy in docs/security.md (Jobs: the ssl key). The coordinators' private key is written to <sharedRoot.hostPath>/<namespace>/<tls.coordinatorFolder>/, which such an " +
                    "endpoint would serve as an object; synth refuses TLS with an external endpoint until this is true.",
              ),
          })
          .optional()
          .describe('Required when type is external.'),
        resources: resourcesSchema.optional(),
        ...workloadFields,
      })
      .prefault({})
      .describe('The S3 endpoint users upload job files and models to; its buckets must be folders of the shared root.'),
    apiProxy: z
      .strictObject({
        port: port.default(8001).describe('Loopback port of the kubectl proxy sidecar (K8S_ADDRESS=127.0.0.1:<port>).'),
        resources: resourcesSchema.optional(),
      })
      .prefault({})
      .describe('The in-pod Kubernetes API proxy of the job scheduler and task managers.'),
    jobScheduler: z
      .strictObject({
        port: port.default(8088).describe('HTTP port (HTTP_PORT).'),
        coordinatorPort: port
          .default(50051)
          .describe("gRPC port of the coordinators: the job's `port` key, which every job must set to this value. The NetworkPolicies allow the job scheduler and the proxy to reach coordinators " +
            "on this port only."),
        ...componentBase,
      })
      .prefault({})
      .describe('The job scheduler.'),
    modelManager: z
      .strictObject({ port: port.default(50057).describe('HTTP port (PORT).'), ...componentBase })
      .prefault({})
      .describe('The model manager.'),
    clientSelector: z
      .strictObject({
        port: port.default(50055).describe('gRPC port (config `port`).'),
        authClient: z.boolean().default(false).describe('Authenticate clients (config `auth_client`).'),
        optimalSelect: z.boolean().default(false).describe('Optimal client selection (config `optimal_select`).'),
        strategy: z
          .record(z.string().min(1).max(253), z.number())
          .refine((r) => Object.keys(r).length <= 64, { error: 'must name at most 64 evaluators' })
          .optional().describe('Evaluator name to weight (config `strategy`).'),
        singleHeartbeat: z.number().int().positive().default(300).describe('SINGLE_HEART in seconds.'),
        clusterHeartbeat: z.number().int().positive().default(600).describe('CLUSTER_HEART in seconds.'),
        ...componentBase,
      })
      .prefault({})
      .describe('The client selector.'),
    proxy: z
      .strictObject({
        grpcPort: port.default(30091).describe('gRPC port task managers connect to.'),
        httpPort: port.default(30092).describe('Internal HTTP port (health, route registration); never exposed.'),
        sharedDictSize: z.string().regex(/^[1-9][0-9]{0,8}[kKmM]?$/, { error: 'must be an nginx size above 0, e.g. 128m' }).default('128m').describe('Size of lua_shared_dict iptables.'),
        clientMaxBodySize: z.string().regex(/^[0-9]{1,9}[kKmMgG]?$/, { error: 'must be an nginx size, e.g. 1000M (0: no limit)' }).default('1000M').describe('nginx client_max_body_size.'),
        expose: z
          .strictObject({
            type: z.enum(['NodePort', 'LoadBalancer', 'ExternalIPs']).default('NodePort').describe('How the gRPC port leaves the cluster.'),
            nodePort: nodePort.default(30091).describe('NodePort (type NodePort).'),
            externalIPs: z.array(externalIpv4).default([]).describe('External IPs (type ExternalIPs).'),
            annotations: annotations.default({}).describe('Annotations of the external Service (e.g. for a cloud load balancer).'),
          })
          .prefault({})
          .describe('External exposure of the gRPC port.'),
        externalAddress: externalHostPort
          .optional()
          .describe('host:port at which sites outside the cluster reach the gRPC port (written as `server` of edge task managers).'),
        ...componentBase,
      })
      .prefault({})
      .describe('The proxy (OpenResty).'),
    apiGateway: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Route the CLI\'s HTTP API to the job scheduler and the model manager.'),
        type: z
          .enum(['httpRoute', 'ingress'])
          .default('httpRoute')
          .describe('httpRoute: a Gateway API HTTPRoute attached to apiGateway.gateway (the Gateway implementation must support RegularExpression path matches); ingress: an Ingress of class ' +
            'apiGateway.ingressClassName.'),
        gateway: z
          .strictObject({
            name: dnsLabel.default('gateway').describe('Name of the Gateway the HTTPRoute attaches to.'),
            namespace: dnsLabel.optional().describe('Namespace of the Gateway; default: the platform namespace. Its listener must allow routes from the platform namespace.'),
            sectionName: z
              .string()
              .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: 'must be a listener name (DNS-1123 subdomain), e.g. http' })
              .max(253)
              .optional()
              .describe('Listener of the Gateway to attach to; default: every listener that allows the route.'),
          })
          .prefault({})
          .describe('The Gateway (type httpRoute), installed and run by you.'),
        ingressClassName: dnsSubdomain.default('nginx').describe('IngressClass (type ingress); ingress-nginx annotations are added only for the class "nginx".'),
        hostnames: z
          .array(ingressHost)
          .max(16)
          .refine((h) => new Set(h).size === h.length, { error: 'must not repeat a host name' })
          .default([])
          .describe(
            'Host names the API is served on (the HTTPRoute\'s spec.hostnames, the Ingress\'s rules[].host); empty: every host of the Gateway\'s listeners or the Ingress controller. Required for ' +
              'an HTTPRoute on a Gateway in another namespace (a shared Gateway): without it the route would claim /api/v1/... on every host of the listener.',
          ),
        dataPlane: z
          .strictObject({
            namespace: dnsLabel
              .optional()
              .describe('Namespace of the pods that forward the API\'s requests (the Gateway\'s data plane or the Ingress controller); the NetworkPolicies admit only them. Default (type ' +
                'httpRoute): the Gateway\'s namespace; required for type ingress.'),
            podLabels: z
              .record(labelKey, labelValue)
              .refine((l) => Object.keys(l).length <= 16, { error: 'must set at most 16 labels' })
              .optional()
              .describe(
                'Labels of those pods. Default (type httpRoute): gateway.networking.k8s.io/gateway-name: <gateway.name>, the label Gateway API implementations that deploy a data plane per Gateway ' +
                  'set (Istio, NGINX Gateway Fabric); Envoy Gateway: set its own labels and namespace. {} admits every pod of the namespace.',
              ),
            cilium: z
              .boolean()
              .default(false)
              .describe(
                "The gateway is Cilium's own (Cilium's Gateway API or Ingress support): its requests carry Cilium's reserved identity \"ingress\", which no pod selector matches, so a " +
                  "CiliumNetworkPolicy (cilium.io/v2) admits that entity instead; namespace and podLabels are then not used.",
              ),
          })
          .prefault({})
          .describe('The pods the API gateway\'s requests come from (docs/security.md, Isolation).'),
      })
      .prefault({})
      .describe('The API gateway: a Gateway API HTTPRoute (default) or an Ingress.'),
    taskManager: cloudTaskManager.prefault({}),
    tls: tlsSchema,
    // network-policies: begin
    networkPolicies: networkPoliciesSchema,
    // network-policies: end
    edge: edgeSection,
    // remote-sites: begin
    remoteSites: remoteSitesSection,
    // remote-sites: end
    gitops: z
      .strictObject({
        argocd: z
          .strictObject({
            enabled: z.boolean().default(false).describe("Write Argo CD's objects into dist/argocd/: the platform's Application and the edge fleet's ApplicationSet."),
            namespace: dnsLabel.default('argocd').describe('Namespace Argo CD runs in.'),
            project: dnsSubdomain.default('default').describe('Argo CD project.'),
            repoURL: gitRepoUrl.optional().describe('Git repository holding dist/ (required when enabled).'),
            targetRevision: z.string().regex(/^[^\s]{1,255}$/, { error: 'must be a branch, tag or commit without spaces, e.g. main' }).default('HEAD').describe('Branch, tag or commit.'),
            path: z
              .string()
              .regex(/^(?:\.|(?!\/)(?!(?:.*\/)?\.\.?(?:\/|$))\S{1,1024})$/, { error: 'must be a relative folder in the repository without spaces or "." and ".." segments, e.g. dist (or "." for ' +
                'the repository root)' })
              .default('dist').describe('Folder of the manifests in the repository.'),
            automated: z.boolean().default(true).describe('Sync automatically (Applications of the platform and of the edge fleet).'),
            prune: z
              .boolean()
              .default(true)
              .describe('With automated sync, delete objects removed from Git. The Namespace is never pruned nor deleted (it carries Prune=false,Delete=false).'),
            selfHeal: z.boolean().default(true).describe('With automated sync, undo changes made in the cluster by hand.'),
            applyOutOfSyncOnly: z
              .boolean()
              .default(true)
              .describe("Edge fleet Applications apply only their out-of-sync objects on a sync (ApplyOutOfSyncOnly=true), so one node's change applies one node's objects."),
            applicationName: dnsLabel.optional().describe("Name of the platform's Application; default: <name>-platform. Keep it when renaming `name` (see docs/gitops.md)."),
            fleetName: dnsLabel
              .max(58, { error: 'must be at most 58 characters (shard Applications are named <fleetName>-<shard>)' })
              .optional()
              .describe("Name of the edge fleet's ApplicationSet and prefix of its Applications (<fleetName>-<shard>); default: <name>-edge."),
            retry: z
              .strictObject({
                limit: z.number().int().min(1).max(100).default(5).describe('Attempts after a failed sync, on the same commit (syncPolicy.retry.limit).'),
                backoff: z
                  .strictObject({
                    duration: argoDuration.default('10s').describe('Wait before the first retry.'),
                    factor: z.number().int().min(1).max(10).default(2).describe('Each wait is the previous one times this.'),
                    maxDuration: argoDuration.default('5m').describe('Longest wait between two attempts.'),
                  })
                  .refine((b) => durationSeconds(b.maxDuration) >= durationSeconds(b.duration), { error: 'maxDuration must not be shorter than duration', path: ['maxDuration'] })
                  .prefault({})
                  .describe('Waits between attempts.'),
              })
              .prefault({})
              .describe("Retries of a failed sync, on every Application (the platform's, each edge shard's, cert-manager's): a first install whose sync fails while cert-manager's webhook is not " +
                "ready yet is synced again instead of staying failed."),
            destination: z
              .strictObject({
                server: z.string().regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { error: 'must be an http(s) URL' }).optional().describe('API server URL of the target cluster; default https://kubernetes.default.svc when `name` is not set.'),
                name: z.string().min(1).optional().describe('Name of the target cluster as registered in Argo CD (instead of `server`).'),
              })
              .refine((d) => d.server === undefined || d.name === undefined, { error: 'set either server or name, not both' })
              .prefault({})
              .describe('Cluster the Applications deploy to.'),
            certManager: z
              .strictObject({
                enabled: z.boolean().default(false).describe("Also write an Argo CD Application that installs cert-manager from its official Helm chart (dist/argocd/cert-manager.k8s.yaml). Leave " +
                  "false when cert-manager is installed otherwise; it must be installed once per cluster."),
                chartVersion: z
                  .string()
                  .regex(/^v\d+\.\d+\.\d+$/, { error: 'must be a cert-manager release, e.g. v1.19.1' })
                  .default('v1.19.1')
                  .describe("Version of the jetstack/cert-manager chart; pick one that supports your cluster's Kubernetes version (cert-manager.io/docs/releases)."),
                namespace: dnsLabel.default('cert-manager').describe('Namespace cert-manager runs in.'),
                chartRepository: z
                  .string()
                  .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { error: 'must be the http(s) URL of a Helm repository, e.g. https://charts.jetstack.io' })
                  .default('https://charts.jetstack.io')
                  .describe("Helm repository of the cert-manager chart (a mirror of charts.jetstack.io for air-gapped sites; Argo CD must know it). cert-manager's own images follow images.mirror."),
              })
              .prefault({})
              .describe('cert-manager, a prerequisite of tls.certificates certManager.'),
            cloudCore: z
              .strictObject({
                enabled: z
                  .boolean()
                  .default(false)
                  .describe(
                    "Also write an Argo CD Application that installs KubeEdge's CloudCore from KubeEdge's own Helm chart (dist/argocd/cloudcore.k8s.yaml), as `keadm init --advertise-address` " +
                      "would. Its advertise address is the IP of edge.cloudCoreAddress (required). Leave false when CloudCore is installed otherwise (keadm init); it must be installed once per " +
                        "cluster.",
                  ),
                version: z
                  .string()
                  .regex(/^v1\.(?:1[1-9]|[2-9]\d)\.\d+$/, { error: 'must be a KubeEdge release tag from v1.11.0 on (the first with the cloudcore chart), e.g. v1.17.0' })
                  .optional()
                  .describe('KubeEdge release (Git tag) to install, required when enabled: the chart at manifests/charts/cloudcore of that tag, and the images of that version. Use the release ' +
                    'your edge nodes run (keadm join --kubeedge-version).'),
                namespace: dnsLabel.default('kubeedge').describe('Namespace CloudCore runs in (keadm uses kubeedge).'),
                repoURL: gitRepoUrl
                  .default('https://github.com/kubeedge/kubeedge.git')
                  .describe("Git repository that holds KubeEdge's cloudcore chart at its release tags: KubeEdge's own, or your mirror of it (an air-gapped site). Its images come through " +
                    "images.mirror."),
              })
              .prefault({})
              .describe("KubeEdge's CloudCore, the cloud side of the edge fleet (see docs/gitops.md, CloudCore)."),
          })
          .prefault({})
          .describe('Argo CD: the platform\'s Application and the edge fleet\'s ApplicationSet (see docs/gitops.md).'),
        edgeShards: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(32)
          .describe(
            'Edge nodes are split into this many shards by a hash of the node name: dist/edge/<shard>/<node>.k8s.yaml, one Argo CD Application per non-empty shard. Adding nodes never moves ' +
              'others; changing this number moves most nodes to another shard.',
          ),
      })
      .prefault({})
      .describe('GitOps wiring.'),
    ...overrideSections,
  })
  .describe('The Neursafe FL platform and its edge fleet.');

// Interfaces rather than type aliases: the API docs then show each on a page of its own and link to it, instead of inlining it wherever it is used.
/** The parsed config with every default applied. */
export interface Config extends z.output<typeof configSchema> {}
/** Container resources as parsed. */
export interface Resources extends z.output<typeof resourcesSchema> {}
/** Settings an edge default, profile or node may set. */
export interface EdgeSettings extends z.output<typeof edgeSettings> {}
/** One edge node as written. */
export interface EdgeNodeConfig extends z.output<typeof edgeNode> {}
// remote-sites: begin
/** Settings remoteSites.defaults or a remote site may set. */
export interface RemoteSiteSettings extends z.output<typeof remoteSiteSettings> {}
/** One remote site as written. */
export interface RemoteSiteConfig extends z.output<typeof remoteSite> {}
// remote-sites: end
/** A CPU architecture. */
export type Arch = (typeof ARCHES)[number];
