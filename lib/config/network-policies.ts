/**
 * The `networkPolicies` section of `platform.yaml`: default-deny
 * NetworkPolicies that allow exactly the platform's flows (see
 * lib/network/flows.ts and docs/security.md).
 */
import { z } from 'zod';
import { dnsLabel, labelKey, labelValue, port } from './fields';

/** Schema of `networkPolicies`. */
export const networkPoliciesSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Write NetworkPolicies into the platform namespace: deny every ingress and egress of the platform's pods, then allow exactly the flows the platform needs (docs/security.md, Isolation). " +
          "Needs a CNI that enforces NetworkPolicy; false for a lab without one.",
      ),
    defaultNamespace: z
      .boolean()
      .default(false)
      .describe(
        'Also isolate coordinators and executors, which the programs create in namespace "default": one NetworkPolicy there selects every pod in "default" that is not a platform component and ' +
          'allows only the flows of coordinators and executors. Opt-in because the platform does not own "default": any other pod you run there is isolated too.',
      ),
    sharedNamespace: z
      .boolean()
      .default(false)
      .describe(
        "The platform's namespace also runs workloads that are not the platform's: its default deny then selects only the platform's pods. false (the default): the namespace is the platform's " +
          "own, and the deny selects every pod in it (podSelector: {}), so anything else started there is isolated too. A namespace named \"default\" is always treated as shared.",
      ),
    apiServerPorts: z
      .array(port)
      .min(1)
      .max(8)
      .default([443, 6443])
      .describe(
        'Ports of the Kubernetes API server as pods reach it after the kubernetes Service is resolved (443 on most managed clusters, 6443 on kubeadm, 8443 on minikube). Allowed to any address: ' +
          'the API server is not a pod, so no selector can name it.',
      ),
    dns: z
      .strictObject({
        namespace: dnsLabel.default('kube-system').describe('Namespace of the cluster DNS pods.'),
        podLabels: z
          .record(labelKey, labelValue)
          .refine((l) => Object.keys(l).length >= 1 && Object.keys(l).length <= 16, { error: 'must set between 1 and 16 labels' })
          .default({ 'k8s-app': 'kube-dns' })
          .describe('Labels of the cluster DNS pods (CoreDNS carries k8s-app=kube-dns on kubeadm, EKS, GKE and AKS).'),
      })
      .prefault({})
      .describe('The cluster DNS pods every platform pod may query (UDP and TCP 53).'),
  })
  .prefault({})
  .describe('Default-deny NetworkPolicies for the platform (docs/security.md).');
