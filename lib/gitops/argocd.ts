/**
 * Argo CD wiring: an Application that syncs the committed dist/ folder.
 * It lives in dist/argocd/, which the Application itself excludes, so it is
 * applied once by hand (`kubectl apply -f dist/argocd/`) and then manages
 * everything else.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Config } from '../config/schema';
import { labels, resourceName } from '../labels';

/** Folder (under the output folder) of the Argo CD objects. */
export const ARGOCD_DIR = 'argocd';

/** The Argo CD Application of the platform. */
export class ArgoCdApplication extends Construct {
  constructor(scope: Construct, id: string, config: Config) {
    super(scope, id);
    const a = config.gitops.argocd;
    new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: resourceName(config, 'platform'),
        namespace: a.namespace,
        labels: labels(config, 'setup'),
        // Deleting the Application deletes what it deployed.
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        project: a.project,
        source: {
          // Presence is guaranteed by the config rules.
          repoURL: a.repoURL!,
          targetRevision: a.targetRevision,
          path: a.path,
          directory: { recurse: true, exclude: `${ARGOCD_DIR}/*` },
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: config.namespace },
        syncPolicy: {
          ...(a.automated ? { automated: { prune: true, selfHeal: true } } : {}),
          syncOptions: ['CreateNamespace=false', 'PrunePropagationPolicy=foreground'],
        },
      },
    });
  }
}
