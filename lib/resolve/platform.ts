/**
 * The resolve layer's entry: every cross-field rule of a parsed config, and
 * the resolved edge fleet with each node's task manager port.
 */
import type { ComponentEntry } from '../config/components';
import type { RuleIssue } from '../config/errors';
import { Config } from '../config/schema';
import { apiGatewayRules } from './api-gateway';
import { edgeRules } from './edge-rules';
import { EdgeSite, resolveFleet } from './fleet';
import { gitopsRules } from './gitops-rules';
import { mirrorConfig } from './images';
import { PlatformModel, resolveModel } from './model';
import { kubeedgeVersionRules } from './kubeedge';
import { allocatePorts } from './ports';
import { platformRules } from './rules';
import { remoteSiteRules } from './remote-sites';
import { tlsRules } from './tls';

/** What resolving a config gives besides its problems. */
export interface ResolvedPlatform {
  /** The config to build from: the parsed one with its image references under `images.mirror` (resolve/images.ts). */
  readonly config: Config;
  /** The enabled edge nodes, resolved (defaults, profile and overrides merged) and sorted by name. */
  readonly edgeSites: readonly EdgeSite[];
  /** The task manager port of every edge node (disabled ones too), by node name: what the output records. */
  readonly edgePorts: ReadonlyMap<string, number>;
  /** Everything the constructs are built from. */
  readonly model: PlatformModel;
}

/**
 * Checks and resolves a parsed config, with its images under the mirror (when set).
 * @param previousPorts the edge nodes' ports recorded by the previous synth
 * @param components the registry's entries (their config sections get the per-component rules)
 */
export function resolvePlatform(
  parsed: Config,
  previousPorts: ReadonlyMap<string, number>,
  components: readonly ComponentEntry[],
): { issues: RuleIssue[]; result: ResolvedPlatform } {
  const { config, issues: mirrorIssues } = mirrorConfig(parsed, components);
  const allocation = allocatePorts(config, previousPorts);
  const fleet = resolveFleet(config, allocation.ports);
  const issues = [
    ...mirrorIssues,
    ...platformRules(config, components),
    ...edgeRules(config),
    ...kubeedgeVersionRules(config),
    ...gitopsRules(config),
    ...tlsRules(config),
    ...apiGatewayRules(config),
    ...remoteSiteRules(config),
    ...allocation.issues,
    ...fleet.issues,
  ];
  return { issues, result: { config, edgeSites: fleet.sites, edgePorts: allocation.ports, model: resolveModel(config, fleet.sites, components) } };
}
