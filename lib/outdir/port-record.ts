/**
 * The output folder's record of every edge node's task manager port
 * (`PORTS_FILE` of resolve/ports.ts): written by synth, read back by the next one so that
 * adding or removing other nodes never moves a node.
 */
/** The text of the record: `node port` lines sorted by node name. */
export function renderPortRecord(ports: ReadonlyMap<string, number>): string {
  const names = [...ports.keys()].sort();
  return [
    '# Port of each edge node\'s task manager, kept by `npm run synth` so that adding or removing',
    '# other nodes never moves a node. Generated: do not edit; set a node\'s `port` to choose one.',
    ...names.map((n) => `${n} ${ports.get(n)}`),
    '',
  ].join('\n');
}

/** The ports in a record's text; lines that are not `node port` are ignored. */
export function parsePortRecord(text: string): Map<string, number> {
  const ports = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z0-9][-a-z0-9.]*) ([0-9]{1,5})$/.exec(line.trim());
    if (m && Number(m[2]) >= 1 && Number(m[2]) <= 65535) ports.set(m[1], Number(m[2]));
  }
  return ports;
}
