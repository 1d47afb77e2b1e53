/**
 * Rules of the GitOps wiring: Argo CD Application names that cannot clash
 * with each other or with the `app.kubernetes.io/instance` value of the
 * generated objects.
 */
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
    issues.push({ path: ['gitops', 'argocd', 'applicationName'], severity: 'error', message: `the Application must not be named "${config.name}" like the platform's app.kubernetes.io/instance label: choose another name` });
  }
  if (fleet === config.name) {
    issues.push({ path: ['gitops', 'argocd', 'fleetName'], severity: 'error', message: `the edge fleet must not be named "${config.name}" like the platform's app.kubernetes.io/instance label: choose another name` });
  }
  if (platform.startsWith(`${fleet}-`) && /^s[0-9]+$/.test(platform.slice(fleet.length + 1))) {
    issues.push({ path: ['gitops', 'argocd', 'applicationName'], severity: 'error', message: `"${platform}" is the name of an edge fleet shard's Application (${fleet}-<shard>): choose another name` });
  }
  return issues;
}
