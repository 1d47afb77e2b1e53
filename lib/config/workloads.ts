/**
 * Config fields that place and annotate workloads and the escape hatch:
 * pod placement and metadata (per component, `workloads` for every server
 * workload, edge defaults, profiles and nodes), extra volumes and
 * environment sources of a main container, labels and annotations of every
 * object, extra objects and patches to generated objects. Applied to the
 * rendered objects by lib/overrides/.
 */
import { z } from 'zod';
import { annotations, dnsLabel, dnsSubdomain, labelKey, labelValue, absolutePath, toleration } from './fields';
import { DNS_SUBDOMAIN_MAX } from './k8s-rules';

/**
 * Label and annotation key prefixes the generator owns: its recommended and
 * instance labels, the selector labels, the site label. A config may not set
 * them on any object (they select pods and track objects).
 */
const RESERVED_PREFIXES = ['app.kubernetes.io/', 'fl.neursafe.io/'] as const;

/** True for a key the generator owns ({@link RESERVED_PREFIXES}). */
function isReservedKey(key: string): boolean {
  return RESERVED_PREFIXES.some((p) => key.startsWith(p));
}

const notReserved = (what: string) => (m: Record<string, string>, ctx: z.core.$RefinementCtx<Record<string, string>>) => {
  for (const key of Object.keys(m)) {
    if (isReservedKey(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is a label the generator sets (${RESERVED_PREFIXES.join('*, ')}*) and ${what} cannot override it: use another key, e.g. ` +
        `example.com/team` });
    }
  }
};

/** Labels a config adds: label keys and values, at most 64, none the generator's own. */
const extraLabels = z
  .record(labelKey, labelValue)
  .refine((l) => Object.keys(l).length <= 64, { error: 'must set at most 64 labels' })
  .superRefine(notReserved('a config'));

/** Annotations a config adds, none with the generator's prefixes. */
const extraAnnotations = annotations.superRefine(notReserved('a config'));

const nodeSelectorRequirement = z.strictObject({
  key: labelKey.describe('Node label key.'),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']).describe('How the label is compared.'),
  values: z.array(z.string().max(63)).max(64).optional().describe('Values (In, NotIn: at least one; Gt, Lt: one integer; Exists, DoesNotExist: none).'),
});

const nodeSelectorTerm = z.strictObject({
  matchExpressions: z.array(nodeSelectorRequirement).max(32).optional().describe('Requirements on node labels, all of which must hold.'),
  matchFields: z.array(nodeSelectorRequirement).max(32).optional().describe('Requirements on node fields (metadata.name), all of which must hold.'),
});

const labelSelector = z.strictObject({
  matchLabels: z.record(labelKey, labelValue).optional().describe('Labels the pods carry.'),
  matchExpressions: z
    .array(
      z.strictObject({
        key: labelKey.describe('Pod label key.'),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']).describe('How the label is compared.'),
        values: z.array(labelValue).max(64).optional().describe('Values (In, NotIn: at least one; Exists, DoesNotExist: none).'),
      }),
    )
    .max(32)
    .optional()
    .describe('Requirements on pod labels.'),
});

const podAffinityTerm = z.strictObject({
  labelSelector: labelSelector.optional().describe('The pods this term is about.'),
  namespaces: z.array(dnsLabel).max(64).optional().describe('Their namespaces; default: the pod\'s own.'),
  topologyKey: labelKey.describe('Node label whose value defines "the same place", e.g. kubernetes.io/hostname.'),
});

const weighted = <T extends z.ZodType>(term: T, key: string) =>
  z.strictObject({ weight: z.number().int().min(1).max(100).describe('Weight, 1-100.'), [key]: term.describe('The term the weight is given to.') });

const podAffinity = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).max(32).optional().describe('Terms that must hold.'),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(weighted(podAffinityTerm, 'podAffinityTerm')).max(32).optional().describe('Terms preferred, by weight.'),
});

/** An affinity as a pod spec takes it; the node affinity is merged with the generator's own rule (lib/overrides/placement.ts). */
const affinity = z
  .strictObject({
    nodeAffinity: z
      .strictObject({
        requiredDuringSchedulingIgnoredDuringExecution: z
          .strictObject({ nodeSelectorTerms: z.array(nodeSelectorTerm).min(1).max(32).describe('Terms, any of which must hold; the rule that keeps server pods off edge nodes is added to each.') })
          .optional()
          .describe('Node terms that must hold.'),
        preferredDuringSchedulingIgnoredDuringExecution: z.array(weighted(nodeSelectorTerm, 'preference')).max(32).optional().describe('Terms preferred, by weight.'),
      })
      .optional()
      .describe('Which nodes the pods may run on (beside the generator\'s rules).'),
    podAffinity: podAffinity.optional().describe('Pods these pods run near.'),
    podAntiAffinity: podAffinity.optional().describe('Pods these pods keep away from.'),
  })
  .describe('Affinity rules, merged with the generator\'s (server pods stay off edge nodes whatever is set here).');

/** Where a pod runs and what it carries: the fields edge task managers also take. */
export const podMetadataFields = {
  priorityClassName: dnsSubdomain.optional().describe('PriorityClass of the pods (an existing one, e.g. system-cluster-critical or your own); small devices evict lower-priority pods first.'),
  podLabels: extraLabels.optional().describe('Extra labels of the pods (never added to selectors; the generator\'s app.kubernetes.io/* and fl.neursafe.io/* labels cannot be set).'),
  podAnnotations: extraAnnotations.optional().describe('Extra annotations of the pods (the generator\'s own, e.g. checksum/config, cannot be set).'),
};

const configMapOrSecretVolume = (ref: 'name' | 'secretName') =>
  z.strictObject({
    [ref]: dnsSubdomain.describe('Name of the object in the platform namespace.'),
    optional: z.boolean().optional().describe('Start the pod when it is missing.'),
    defaultMode: z.number().int().min(0).max(0o777).optional().describe('File mode of the files, e.g. 0o440 = 288.'),
    items: z
      .array(z.strictObject({ key: z.string().min(1).max(253).describe('Key of the object.'), path: z.string().min(1).max(4095).describe('Relative path of its file in the volume.') }))
      .max(64)
      .optional().describe('Keys to project, and their paths.'),
  });

/** A pod volume a config adds: one source of a ConfigMap, a Secret, a PVC or an emptyDir. */
const extraVolume = z
  .strictObject({
    name: dnsLabel.describe('Volume name (unique in the pod; the generator\'s names are refused at synth).'),
    configMap: configMapOrSecretVolume('name').optional().describe('A ConfigMap, e.g. a corporate CA bundle.'),
    secret: configMapOrSecretVolume('secretName').optional().describe('A Secret.'),
    persistentVolumeClaim: z
      .strictObject({ claimName: dnsSubdomain.describe('Name of the claim in the platform namespace.'), readOnly: z.boolean().optional().describe('Mount it read-only.') })
      .optional()
      .describe('A PersistentVolumeClaim.'),
    emptyDir: z
      .strictObject({
        medium: z.enum(['', 'Memory']).optional().describe('Memory: a tmpfs.'),
        sizeLimit: z.string().regex(/^[0-9]+(Ki|Mi|Gi|Ti)?$/, { error: 'must be a size, e.g. 1Gi' }).optional().describe('Most it may hold, e.g. 1Gi.'),
      })
      .optional()
      .describe('Scratch space.'),
  })
  .refine((v) => ['configMap', 'secret', 'persistentVolumeClaim', 'emptyDir'].filter((k) => k in v).length === 1, {
    error: 'must have exactly one source: configMap, secret, persistentVolumeClaim or emptyDir',
  });

const extraVolumeMount = z.strictObject({
  name: dnsLabel.describe('Name of a volume of the pod (one of extraVolumes).'),
  mountPath: absolutePath.describe('Where it shows in the main container.'),
  subPath: z.string().max(4095).regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))/, { error: 'must be a relative path without ".." segments' }).optional().describe('A file or folder inside the volume.'),
  readOnly: z.boolean().optional().describe('Mount read-only.'),
});

const envFromSource = z
  .strictObject({
    configMapRef: z.strictObject({ name: dnsSubdomain.describe('ConfigMap in the platform namespace.'), optional: z.boolean().optional().describe('Start the pod when it is ' +
      'missing.') }).optional().describe('Every key of a ConfigMap.'),
    secretRef: z.strictObject({ name: dnsSubdomain.describe('Secret in the platform namespace.'), optional: z.boolean().optional().describe('Start the pod when it is ' +
      'missing.') }).optional().describe('Every key of a Secret.'),
    prefix: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable prefix, e.g. CORP_' }).optional().describe('Prefix of the variable names.'),
  })
  .refine((s) => (s.configMapRef === undefined) !== (s.secretRef === undefined), { error: 'must have exactly one of configMapRef and secretRef' });

/** Additions to a pod and its program's container: the fields edge task managers also take. */
export const containerExtraFields = {
  extraVolumes: z.array(extraVolume).max(32).optional().describe('Extra volumes of the pods.'),
  extraVolumeMounts: z.array(extraVolumeMount).max(32).optional().describe('Extra mounts of the main container (of extraVolumes).'),
  envFrom: z.array(envFromSource).max(16).optional().describe('ConfigMaps and Secrets whose keys become environment variables of the main container (the generator\'s variables win).'),
};

/**
 * Placement, metadata and additions of one server workload (per component,
 * and in `workloads` for every one of them): a component's own value wins
 * over `workloads`, field by field (maps merged, lists replaced).
 */
export const workloadFields = {
  nodeSelector: z
    .record(labelKey, labelValue)
    .refine((l) => Object.keys(l).length <= 32, { error: 'must name at most 32 labels' })
    .optional()
    .describe('Labels the node must carry.'),
  tolerations: z.array(toleration).max(32).optional().describe('Tolerations of the pods.'),
  affinity: affinity.optional(),
  ...podMetadataFields,
  ...containerExtraFields,
};

/** {@link workloadFields} as one section. */
const workloadSettings = z.strictObject(workloadFields);

/** The parsed settings of a workload. */
export type WorkloadSettings = z.output<typeof workloadSettings>;

/** Output files extra objects may go to: a top-level `<name>.k8s.yaml` of the output folder (what the platform's Argo CD Application and `kubectl apply` read). */
const OUTPUT_FILE = /^[a-z0-9][a-z0-9._-]*\.k8s\.yaml$/;

const manifest = z
  .looseObject({
    apiVersion: z.string().regex(/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/, { error: 'must be an API version, e.g. v1 or external-secrets.io/v1beta1' }).describe('API version, e.g. v1.'),
    kind: z.string().regex(/^[A-Z][A-Za-z0-9]{0,62}$/, { error: 'must be a kind, e.g. ConfigMap' }).describe('Kind, e.g. ConfigMap.'),
    metadata: z
      .looseObject({
        name: dnsSubdomain.describe('Object name.'),
        namespace: dnsLabel.optional().describe('Namespace (namespaced kinds: set it, e.g. to the platform namespace).'),
        labels: z.record(labelKey, labelValue).optional().describe('Labels.'),
        annotations: annotations.optional().describe('Annotations.'),
      })
      .describe('Name, namespace, labels and annotations.'),
  })
  .describe('A Kubernetes object as `kubectl apply` takes it.');

const extraObject = z.strictObject({
  file: z
    .string()
    .max(255)
    .regex(OUTPUT_FILE, { error: 'must be a file name in the output folder (no folder) ending in .k8s.yaml, e.g. 90-extra.k8s.yaml' })
    .describe('Output file it is written to (created when no generated object is in it), e.g. 90-extra.k8s.yaml.'),
  manifest: manifest.describe('The object, written as is (commonLabels and commonAnnotations added); it may not have the identity of a generated object.'),
});

const jsonPointer = z.string().regex(/^(\/([^~]|~[01])*)*$/, { error: 'must be a JSON pointer (RFC 6901), e.g. /spec/template/spec/containers/0/env/-' });

const jsonPatchOp = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('add'), path: jsonPointer, value: z.unknown() }),
  z.strictObject({ op: z.literal('replace'), path: jsonPointer, value: z.unknown() }),
  z.strictObject({ op: z.literal('test'), path: jsonPointer, value: z.unknown() }),
  z.strictObject({ op: z.literal('remove'), path: jsonPointer }),
  z.strictObject({ op: z.literal('move'), from: jsonPointer, path: jsonPointer }),
  z.strictObject({ op: z.literal('copy'), from: jsonPointer, path: jsonPointer }),
]);

/** One JSON patch operation (RFC 6902). */
export type JsonPatchOp = z.output<typeof jsonPatchOp>;

const patch = z
  .strictObject({
    target: z
      .strictObject({
        kind: z.string().regex(/^[A-Z][A-Za-z0-9]{0,62}$/, { error: 'must be a kind, e.g. Deployment' }).describe('Kind of the objects to patch.'),
        name: z.string().min(1).max(DNS_SUBDOMAIN_MAX).describe('Name of the object, e.g. nsfl-proxy.'),
        namespace: dnsLabel.optional().describe('Namespace; default: any.'),
        apiVersion: z.string().max(253).optional().describe('API version; default: any.'),
      })
      .describe('The generated object(s) it applies to; a target that matches none is an error.'),
    merge: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('A merge patch: maps are merged, null removes a key, lists of objects with a `name` are merged by name (containers, env, volumes), other lists are replaced.'),
    ops: z.array(jsonPatchOp).max(256).optional().describe('JSON patch operations (RFC 6902), applied after `merge`; a path that does not exist is an error.'),
  })
  .refine((p) => p.merge !== undefined || (p.ops !== undefined && p.ops.length > 0), { error: 'must have merge or ops' });

/** The top-level fields of this module, spread into the config schema. */
export const overrideSections = {
  commonLabels: extraLabels.default({}).describe('Labels added to every object (metadata and pod templates, never selectors).'),
  commonAnnotations: extraAnnotations.default({}).describe('Annotations added to every object\'s metadata (not to pods).'),
  workloads: workloadSettings
    .prefault({})
    .describe('Placement, metadata, extra volumes and envFrom of every server workload (job scheduler, model manager, client selector, proxy, database, object storage, cloud task manager); ' +
      'placement and metadata also of the set-up Jobs. A component\'s own fields win, maps merged. Edge task managers take theirs from edge.defaults, profiles and nodes.'),
  extraObjects: z.array(extraObject).max(1000).default([]).describe('Objects added to the output as written (see docs/escape-hatch.md).'),
  patches: z.array(patch).max(1000).default([]).describe('Patches to generated objects, applied after generation (see docs/escape-hatch.md).'),
};
