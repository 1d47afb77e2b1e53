/**
 * The Argo CD wiring as a component: the platform's Application, the edge
 * fleet's ApplicationSet and, when asked, cert-manager's and CloudCore's
 * Applications, each in its own file under argocd/ (lib/gitops/argocd.ts).
 */
import { hostOf } from '../config/addresses';
import { defineComponent } from '../blocks/define';
import { OUTPUT_FILES } from '../file-chart';
import { CertManagerApplication, CloudCoreApplication, FleetApplicationSet, PlatformApplication } from '../gitops/argocd';

/** The Argo CD objects, when `gitops.argocd.enabled`. */
export const argoCdComponent = defineComponent({
  name: 'argocd',
  file: OUTPUT_FILES.argocd,
  build: (scope, { model, chart }) => {
    const { context, argoCdNames: names } = model;
    const argocd = model.gitops.argocd;
    if (!argocd.enabled) return;
    new PlatformApplication(scope, 'Application', { context, argocd, name: names.platform });
    new FleetApplicationSet(chart(OUTPUT_FILES.argocdFleet), 'ApplicationSet', { context, argocd, name: names.fleet });
    if (argocd.certManager.enabled) {
      new CertManagerApplication(chart(OUTPUT_FILES.argocdCertManager), 'Application', { context, argocd, name: names.certManager, mirror: model.images.mirror });
    }
    const cloudCore = argocd.cloudCore;
    // Presence of the version and the address is guaranteed by the gitops rules.
    if (cloudCore.enabled) {
      new CloudCoreApplication(chart(OUTPUT_FILES.argocdCloudCore), 'Application', {
        context,
        argocd,
        name: names.cloudCore,
        version: cloudCore.version!,
        advertiseAddress: hostOf(model.edge.settings.cloudCoreAddress!),
        mirror: model.images.mirror,
      });
    }
  },
});
