/**
 * Names derived from the config once, used by the rules that keep them from
 * clashing and by the constructs that create the named objects.
 */
import { Config } from '../config/schema';
import { resourceName } from '../labels';

/** Names of the Argo CD objects. */
export interface ArgoCdNames {
  /** The platform's Application. */
  readonly platform: string;
  /** The edge fleet's ApplicationSet (and the prefix of its Applications). */
  readonly fleet: string;
  /** cert-manager's Application. */
  readonly certManager: string;
  /** CloudCore's Application. */
  readonly cloudCore: string;
  /** The Application of a remote site (`<name>-remote-<site>`: never the site's instance name `<name>-site-<site>`, which its objects carry). */
  readonly remoteSite: (site: string) => string;
}

/** Names of the Argo CD objects, derived once. */
export function argoCdNames(config: Config): ArgoCdNames {
  const a = config.gitops.argocd;
  return {
    platform: a.applicationName ?? resourceName(config, 'platform'),
    fleet: a.fleetName ?? resourceName(config, 'edge'),
    // One per cluster, whatever the platform instance.
    certManager: 'cert-manager',
    cloudCore: 'cloudcore',
    remoteSite: (site) => resourceName(config, `remote-${site}`),
  };
}
