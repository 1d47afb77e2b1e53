/** What the picture of the platform (dist/README.md) is drawn from. */
import { Flow } from '../network/flows';
import type { EdgeSite } from '../resolve/fleet';
import { OutputObjects } from './objects';

/** What the page is drawn from. */
export interface OverviewInput {
  /** The first line of the page (the generated-file notice, as a Markdown comment). */
  readonly header: string;
  /** The config's `name`. */
  readonly name: string;
  /** The platform's namespace. */
  readonly namespace: string;
  /** Every flow of the platform: the list the NetworkPolicies are rendered from. */
  readonly flows: readonly Flow[];
  /**
   * The file of the NetworkPolicies.
   * @default none: `networkPolicies.enabled` is false
   */
  readonly policyFile?: string;
  /** The generated objects, summarized. */
  readonly objects: OutputObjects;
  /** The enabled edge nodes. */
  readonly edgeSites: readonly EdgeSite[];
  /** `gitops.edgeShards`. */
  readonly shards: number;
  /** The non-manifest files of the output (path → what it is), besides this page. */
  readonly records: ReadonlyMap<string, string>;
}
