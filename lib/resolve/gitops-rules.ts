/**
 * Rules of the GitOps wiring: Argo CD Application names that cannot clash
 * with each other or with the `app.kubernetes.io/instance` value of the
 * generated objects.
 */
import { isIP } from 'node:net';
import { hostOf } from '../config/addresses';
import type { RuleIssue } from '../config/errors';
import { Config } from '../config/schema';
import { argoCdNames } from './names';

/** Problems of `gitops.argocd` names. */
export function gitopsRules(config: Config): RuleIssue[] {
  const a = config.gitops.argocd;
  if (!a.enabled) return [];
  const { platform, fleet } = argoCdNames(config);
  const issues: RuleIssue[] = [];
  // Under label tracking an Application named like the instance label would claim (and prune) the
  // untracked objects that carry it: the database PVC, executor pods.
  if (platform === config.name) {
    issues.push({ path: ['gitops', 'argocd', 'applicationName'], severity: 'error', message: `the Application must not be named "${config.name}" like the platform's app.kubernetes.io/instance ` +
      `label: choose another name` });
  }
  if (fleet === config.name) {
    issues.push({ path: ['gitops', 'argocd', 'fleetName'], severity: 'error', message: `the edge fleet must not be named "${config.name}" like the platform's app.kubernetes.io/instance label: ` +
      `choose another name` });
  }
  if (platform.startsWith(`${fleet}-`) && /^s[0-9]+$/.test(platform.slice(fleet.length + 1))) {
    issues.push({ path: ['gitops', 'argocd', 'applicationName'], severity: 'error', message: `"${platform}" is the name of an edge fleet shard's Application (${fleet}-<shard>): choose another ` +
      `name` });
  }
  issues.push(...cloudCoreRules(config));
  return issues;
}

/** Problems of `gitops.argocd.cloudCore`: a pinned release, and the IP address CloudCore advertises. */
function cloudCoreRules(config: Config): RuleIssue[] {
  const enabled = ['gitops', 'argocd', 'cloudCore', 'enabled'];
  if (!config.gitops.argocd.cloudCore.enabled) return [];
  const issues: RuleIssue[] = [];
  if (config.gitops.argocd.cloudCore.version === undefined) {
    issues.push({ path: ['gitops', 'argocd', 'cloudCore', 'version'], severity: 'error', related: enabled, message: 'gitops.argocd.cloudCore.enabled is true: pin the KubeEdge release to install, ' +
      'e.g. v1.17.0 (the one your edge nodes run)' });
  }
  const address = config.edge.cloudCoreAddress;
  if (address === undefined) {
    issues.push({ path: ['edge', 'cloudCoreAddress'], severity: 'error', related: enabled, message: "gitops.argocd.cloudCore.enabled is true: set the IP:10000 edge nodes reach CloudCore at; its " +
      "IP is CloudCore's advertise address" });
  } else if (isIP(hostOf(address)) === 0) {
    issues.push({ path: ['edge', 'cloudCoreAddress'], severity: 'error', message: `CloudCore advertises IP addresses only (cloudHub.advertiseAddress), and gitops.argocd.cloudCore.enabled is true: ` +
      `use the IP edge nodes reach it at instead of "${hostOf(address)}"` });
  }
  return issues;
}
