/**
 * The API server's own validation of the objects this app writes, for the
 * rules the OpenAPI schema does not carry (`k8s-schema.ts` checks fields and
 * types): names per kind, label keys and values, annotation and ConfigMap
 * sizes, ConfigMap keys, pod specs (container, volume and port names, port
 * ranges, volume mounts, host paths without "..", environment variable names,
 * requests against limits, tolerations, DNS settings; workloads and bare Pods), Services (names, ports, NodePorts, external IPs)
 * and Ingresses. A second line of defence behind the config's own checks,
 * built from the same rule definitions (`lib/config/k8s-rules.ts`).
 *
 * @example
 * ```ts
 * expect(out.objects.flatMap(({ obj }) => apiRuleViolations(obj))).toEqual([]);
 * ```
 */
import { IPV4, isSpecialIpv4 } from '../../lib/config/addresses';
import {
  ENV_VAR_NAME, isConfigMapKey, isDns1035Label, isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName, mapBytes,
  MAX_ANNOTATIONS_BYTES, MAX_CONFIG_MAP_BYTES, NODE_PORT_RANGE, PORT_NAME, PORT_RANGE, quantityValue, tolerationProblems,
} from '../../lib/config/k8s-rules';

/** Kinds whose objects carry a pod template at `spec.template`. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);

/** Kinds named by a DNS-1123 label rather than a subdomain. */
const LABEL_NAMED = new Set(['Namespace']);

/**
 * Every rule violation of one object, as `Kind/name: /json/pointer: problem`;
 * empty when the API server would accept it.
 */
export function apiRuleViolations(obj: any): string[] {
  const id = `${obj?.kind}/${obj?.metadata?.name}`;
  const out: string[] = [];
  const report = (at: string, problem: string) => out.push(`${id}: ${at}: ${problem}`);

  checkName(obj, report);
  checkMeta(obj.metadata ?? {}, '/metadata', report);
  if (obj.kind === 'ConfigMap' || obj.kind === 'Secret') checkData(obj, report);
  if (WORKLOADS.has(obj.kind)) {
    const template = obj.spec?.template ?? {};
    checkMeta(template.metadata ?? {}, '/spec/template/metadata', report);
    checkLabels(obj.spec?.selector?.matchLabels ?? {}, '/spec/selector/matchLabels', report);
    const claims: string[] = (obj.spec?.volumeClaimTemplates ?? []).map((pvc: any) => pvc.metadata?.name);
    checkPod(template.spec ?? {}, '/spec/template/spec', claims, report);
    if (obj.kind === 'Job' && String(obj.metadata?.name).length > 63) report('/metadata/name', 'a Job name must be at most 63 characters (it becomes a label value)');
    for (const [i, pvc] of (obj.spec?.volumeClaimTemplates ?? []).entries()) checkClaim(pvc, `/spec/volumeClaimTemplates/${i}`, report);
  }
  if (obj.kind === 'Pod') checkPod(obj.spec ?? {}, '/spec', [], report);
  if (obj.kind === 'Service') checkService(obj.spec ?? {}, report);
  if (obj.kind === 'Ingress') checkIngress(obj.spec ?? {}, report);
  return out;
}

type Report = (at: string, problem: string) => void;

function checkName(obj: any, report: Report): void {
  const name = String(obj.metadata?.name ?? '');
  if (obj.kind === 'Service') {
    if (!isDns1035Label(name)) report('/metadata/name', `"${name}" is not a DNS-1035 label (Service names start with a letter, at most 63 characters)`);
  } else if (LABEL_NAMED.has(obj.kind)) {
    if (!isDns1123Label(name)) report('/metadata/name', `"${name}" is not a DNS-1123 label`);
  } else if (!isDns1123Subdomain(name)) {
    report('/metadata/name', `"${name}" is not a DNS-1123 subdomain`);
  }
  const ns = obj.metadata?.namespace;
  if (ns !== undefined && !isDns1123Label(ns)) report('/metadata/namespace', `"${ns}" is not a DNS-1123 label`);
}

function checkLabels(labels: Record<string, string>, at: string, report: Report): void {
  for (const [k, v] of Object.entries(labels)) {
    if (!isQualifiedName(k)) report(`${at}/${k}`, 'label key is not a qualified name');
    if (typeof v !== 'string' || !isLabelValue(v)) report(`${at}/${k}`, `label value ${JSON.stringify(v)} is not a valid label value`);
  }
}

function checkMeta(meta: any, at: string, report: Report): void {
  checkLabels(meta.labels ?? {}, `${at}/labels`, report);
  const annotations: Record<string, string> = meta.annotations ?? {};
  for (const k of Object.keys(annotations)) if (!isQualifiedName(k.toLowerCase())) report(`${at}/annotations/${k}`, 'annotation key is not a qualified name');
  const bytes = mapBytes(annotations);
  if (bytes > MAX_ANNOTATIONS_BYTES) report(`${at}/annotations`, `annotations take ${bytes} bytes, more than ${MAX_ANNOTATIONS_BYTES}`);
}

function checkData(obj: any, report: Report): void {
  const maps: [string, Record<string, string>][] = [['data', obj.data ?? {}], ['binaryData', obj.binaryData ?? {}], ['stringData', obj.stringData ?? {}]];
  let bytes = 0;
  for (const [field, map] of maps) {
    for (const k of Object.keys(map)) if (!isConfigMapKey(k)) report(`/${field}/${k}`, 'is not a valid data key');
    bytes += mapBytes(map);
  }
  if (obj.kind === 'ConfigMap' && bytes > MAX_CONFIG_MAP_BYTES) report('/data', `ConfigMap data takes ${bytes} bytes, more than ${MAX_CONFIG_MAP_BYTES} (1 MiB)`);
}

function checkPort(port: unknown, at: string, report: Report, range: { min: number; max: number } = PORT_RANGE): void {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < range.min || port > range.max) report(at, `port ${JSON.stringify(port)} is not in ${range.min}-${range.max}`);
}

/** A port given as a number or a name (probes, targetPort). */
function checkIntOrName(port: unknown, at: string, report: Report): void {
  if (typeof port === 'string') {
    if (!PORT_NAME.test(port)) report(at, `"${port}" is not a valid port name`);
  } else {
    checkPort(port, at, report);
  }
}

/** Checks a pod spec; `claims` are the volumes a StatefulSet's claim templates add. */
function checkPod(spec: any, at: string, claims: readonly string[], report: Report): void {
  const volumes: any[] = spec.volumes ?? [];
  const volumeNames = new Set<string>(claims);
  volumes.forEach((v, i) => {
    if (!isDns1123Label(v.name)) report(`${at}/volumes/${i}/name`, `"${v.name}" is not a DNS-1123 label`);
    if (volumeNames.has(v.name)) report(`${at}/volumes/${i}/name`, `volume name "${v.name}" is used twice`);
    volumeNames.add(v.name);
    // validatePathNoBacksteps (pkg/apis/core/validation): a host path may not contain a ".." element.
    if (v.hostPath !== undefined && String(v.hostPath.path).split('/').includes('..')) report(`${at}/volumes/${i}/hostPath/path`, `"${v.hostPath.path}" must not contain '..'`);
  });

  const containerNames = new Set<string>();
  const groups: [string, any[]][] = [['initContainers', spec.initContainers ?? []], ['containers', spec.containers ?? []]];
  for (const [group, containers] of groups) {
    containers.forEach((c, i) => {
      const cat = `${at}/${group}/${i}`;
      if (!isDns1123Label(c.name)) report(`${cat}/name`, `"${c.name}" is not a DNS-1123 label`);
      if (containerNames.has(c.name)) report(`${cat}/name`, `container name "${c.name}" is used twice in the pod`);
      containerNames.add(c.name);
      checkContainer(c, cat, volumeNames, spec.hostNetwork === true, report);
    });
  }

  (spec.tolerations ?? []).forEach((t: any, i: number) => {
    for (const p of tolerationProblems(t)) report(`${at}/tolerations/${i}/${p.field}`, p.message);
  });
  checkLabels(spec.nodeSelector ?? {}, `${at}/nodeSelector`, report);
  const terms: any[] = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  terms.forEach((term, i) =>
    (term.matchExpressions ?? []).forEach((e: any, j: number) => {
      const eat = `${at}/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/${i}/matchExpressions/${j}`;
      if (!isQualifiedName(e.key)) report(`${eat}/key`, `"${e.key}" is not a label key`);
      for (const v of e.values ?? []) if (!isLabelValue(v)) report(`${eat}/values`, `"${v}" is not a label value`);
    }),
  );
  const nameservers: string[] = spec.dnsConfig?.nameservers ?? [];
  if (nameservers.length > 3) report(`${at}/dnsConfig/nameservers`, 'at most 3 nameservers');
  for (const ns of nameservers) if (!IPV4.test(ns)) report(`${at}/dnsConfig/nameservers`, `"${ns}" is not an IP address`);
  if (spec.dnsPolicy === 'None' && nameservers.length === 0) report(`${at}/dnsConfig`, 'dnsPolicy None needs at least one nameserver');
}

function checkContainer(c: any, at: string, volumes: ReadonlySet<string>, hostNetwork: boolean, report: Report): void {
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p: any, i: number) => {
    checkPort(p.containerPort, `${at}/ports/${i}/containerPort`, report);
    if (p.hostPort !== undefined) checkPort(p.hostPort, `${at}/ports/${i}/hostPort`, report);
    if (hostNetwork && p.hostPort !== undefined && p.hostPort !== p.containerPort) report(`${at}/ports/${i}/hostPort`, 'must equal containerPort with hostNetwork');
    if (p.name !== undefined) {
      if (!PORT_NAME.test(p.name)) report(`${at}/ports/${i}/name`, `"${p.name}" is not a valid port name`);
      if (portNames.has(p.name)) report(`${at}/ports/${i}/name`, `port name "${p.name}" is used twice in the container`);
      portNames.add(p.name);
    }
  });
  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m: any, i: number) => {
    if (!volumes.has(m.name)) report(`${at}/volumeMounts/${i}/name`, `no volume named "${m.name}" in the pod`);
    if (mountPaths.has(m.mountPath)) report(`${at}/volumeMounts/${i}/mountPath`, `"${m.mountPath}" is mounted twice in the container`);
    mountPaths.add(m.mountPath);
  });
  (c.env ?? []).forEach((e: any, i: number) => {
    if (!ENV_VAR_NAME.test(e.name)) report(`${at}/env/${i}/name`, `"${e.name}" is not a valid environment variable name`);
    const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
    if (ref && (!isDns1123Subdomain(ref.name) || !isConfigMapKey(ref.key))) report(`${at}/env/${i}/valueFrom`, `bad reference ${ref.name}/${ref.key}`);
  });
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  for (const [key, req] of Object.entries(requests)) {
    const [r, l] = [quantityValue(req as string), limits[key] === undefined ? undefined : quantityValue(limits[key])];
    if (r === undefined) report(`${at}/resources/requests/${key}`, `${JSON.stringify(req)} is not a non-negative quantity`);
    if (r !== undefined && l !== undefined && r > l) report(`${at}/resources/requests/${key}`, `request ${req} is above the limit ${limits[key]}`);
  }
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    const action = c[probe]?.tcpSocket ?? c[probe]?.httpGet;
    if (action) checkIntOrName(action.port, `${at}/${probe}/port`, report);
  }
}

function checkService(spec: any, report: Report): void {
  const ports: any[] = spec.ports ?? [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    checkPort(p.port, `/spec/ports/${i}/port`, report);
    if (p.targetPort !== undefined) checkIntOrName(p.targetPort, `/spec/ports/${i}/targetPort`, report);
    if (p.nodePort !== undefined) {
      checkPort(p.nodePort, `/spec/ports/${i}/nodePort`, report, NODE_PORT_RANGE);
      if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') report(`/spec/ports/${i}/nodePort`, `not allowed for type ${spec.type ?? 'ClusterIP'}`);
    }
    if (ports.length > 1 && !p.name) report(`/spec/ports/${i}/name`, 'required when a Service has several ports');
    if (p.name !== undefined) {
      if (!isDns1123Label(p.name)) report(`/spec/ports/${i}/name`, `"${p.name}" is not a DNS-1123 label`);
      if (names.has(p.name)) report(`/spec/ports/${i}/name`, `port name "${p.name}" is used twice`);
      names.add(p.name);
    }
  });
  if (spec.clusterIP === 'None' && spec.type !== undefined && spec.type !== 'ClusterIP') report('/spec/clusterIP', 'None needs type ClusterIP');
  for (const ip of spec.externalIPs ?? []) {
    if (!IPV4.test(ip) || isSpecialIpv4(ip)) report('/spec/externalIPs', `"${ip}" is not an IP address the API server accepts as an external IP`);
  }
  checkLabels(spec.selector ?? {}, '/spec/selector', report);
}

function checkIngress(spec: any, report: Report): void {
  if (spec.ingressClassName !== undefined && !isDns1123Subdomain(spec.ingressClassName)) report('/spec/ingressClassName', `"${spec.ingressClassName}" is not a DNS-1123 subdomain`);
  (spec.rules ?? []).forEach((rule: any, i: number) => {
    if (rule.host !== undefined) {
      const host = String(rule.host).replace(/^\*\./, '');
      if (!isDns1123Subdomain(host) || IPV4.test(host)) report(`/spec/rules/${i}/host`, `"${rule.host}" is not a DNS name (with an optional "*." first)`);
    }
    (rule.http?.paths ?? []).forEach((p: any, j: number) => {
      const svc = p.backend?.service;
      if (svc && !isDns1035Label(svc.name)) report(`/spec/rules/${i}/http/paths/${j}/backend/service/name`, `"${svc.name}" is not a Service name`);
      if (svc?.port?.number !== undefined) checkPort(svc.port.number, `/spec/rules/${i}/http/paths/${j}/backend/service/port/number`, report);
    });
  });
}

function checkClaim(pvc: any, at: string, report: Report): void {
  if (!isDns1123Subdomain(String(pvc.metadata?.name))) report(`${at}/metadata/name`, 'is not a DNS-1123 subdomain');
  const cls = pvc.spec?.storageClassName;
  if (cls !== undefined && !isDns1123Subdomain(cls)) report(`${at}/spec/storageClassName`, `"${cls}" is not a DNS-1123 subdomain`);
  const storage = pvc.spec?.resources?.requests?.storage;
  if (!((quantityValue(storage) ?? 0) > 0)) report(`${at}/spec/resources/requests/storage`, `${JSON.stringify(storage)} is not a quantity above 0`);
}
