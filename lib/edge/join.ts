/**
 * `keadm join` commands for new edge devices: the node name and labels a
 * device registers with, so it is labelled from its first moment. Printed by
 * the CLI (`npm run join`), never part of what Argo CD applies.
 */
import { labelWords } from './fleet';
import type { EdgeModel } from '../resolve/model';

/** The join lines of the named nodes (all when none is named), and names that match no enabled node. */
export function joinCommands(edge: Pick<EdgeModel, 'sites' | 'settings'>, only: readonly string[]): { lines: string[]; unknown: string[] } {
  const { sites } = edge;
  const known = new Set(sites.map((s) => s.nodeName));
  const unknown = only.filter((n) => !known.has(n));
  const chosen = only.length === 0 ? sites : sites.filter((s) => only.includes(s.nodeName));
  const cloudcore = edge.settings.cloudCoreAddress ?? '<cloudcore-ip>:10000';
  const lines = chosen.map(
    (s) =>
      `keadm join --cloudcore-ipport=${cloudcore} --token="$KEADM_TOKEN" --edgenode-name=${s.nodeName} --labels=${labelWords(s.nodeLabels).join(',')}`,
  );
  return { lines: lines.length > 0 ? ['# On each device; KEADM_TOKEN comes from `keadm gettoken` on the cloud side.', ...lines] : [], unknown };
}
