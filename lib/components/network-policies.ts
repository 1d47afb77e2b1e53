/**
 * The NetworkPolicies as a component: built after every other one, from
 * every flow of the platform (lib/network/), in 05-network-policies.k8s.yaml.
 */
import { defineComponent } from '../blocks/define';
import { OUTPUT_FILES } from '../file-chart';
import { NetworkPolicies } from '../network/policies';

/** The default deny and the per-component policies, when `networkPolicies.enabled`. */
export const networkPoliciesComponent = defineComponent({
  name: 'network-policies',
  file: OUTPUT_FILES.networkPolicies,
  last: true,
  build: (scope, { model, flows }) => {
    const settings = model.networkPolicies;
    if (!settings.enabled) return;
    new NetworkPolicies(scope, 'NetworkPolicies', {
      context: model.context,
      defaultNamespace: settings.defaultNamespace,
      dns: settings.dns,
      isolation: model.isolation,
      flows: flows(),
    });
  },
});
