/**
 * The record of an incremental synth (`.nsfl-record` in the output folder,
 * committed with it): the generator and the fleet's shared inputs that
 * produced the edge nodes' files, and for each file the digest of its node's
 * own inputs and of its text. The next synth keeps a node's file as it is
 * only when all of them are unchanged and the file still hashes to its
 * recorded text; anything else about the record (missing, damaged, hand
 * edited) makes it render the node. Its name has no `.yaml`, `.yml` or
 * `.json` extension, so `kubectl apply -R -f` and Argo CD's directory source
 * skip it.
 */
import { GENERATED_HEADER } from '../synth';
import { contentDigest } from './digest';

/** The record's path in the output folder. */
export const RECORD_FILE = '.nsfl-record';

/** What produced one edge node's file. */
export interface RecordEntry {
  /** Digest of the node's own inputs. */
  readonly input: string;
  /** Digest of the file's text. */
  readonly content: string;
}

/** A record's content. */
export interface SynthRecord {
  /** Digest of the generator (`generatorDigest`). */
  readonly generator: string;
  /** Digest of the inputs every edge node's file is built from. */
  readonly fleet: string;
  /** By edge node file (relative path). */
  readonly files: ReadonlyMap<string, RecordEntry>;
}

/** The second line of the record. */
const ABOUT = '# What produced each edge node\'s file: the next synth renders only the nodes whose inputs changed. Not a manifest.\n';

/** The record's text: header, the two shared digests, one line per file (sorted by path), and a checksum of it all. */
export function renderRecord(record: SynthRecord): string {
  const paths = [...record.files.keys()].sort();
  const body = [
    `generator ${record.generator}`,
    `fleet ${record.fleet}`,
    ...paths.map((p) => `${p} ${record.files.get(p)!.input} ${record.files.get(p)!.content}`),
  ].join('\n');
  return `${GENERATED_HEADER}${ABOUT}${body}\nchecksum ${contentDigest(body)}\n`;
}

/** The record a text holds; undefined when there is none or it is damaged in any way (its checksum catches edits). */
export function parseRecord(text: string | undefined): SynthRecord | undefined {
  if (text === undefined || !text.startsWith(GENERATED_HEADER + ABOUT) || !text.endsWith('\n')) return undefined;
  const lines = text.slice(GENERATED_HEADER.length + ABOUT.length, -1).split('\n');
  const checksum = /^checksum ([0-9a-f]+)$/.exec(lines.pop() ?? '')?.[1];
  if (checksum === undefined || checksum !== contentDigest(lines.join('\n'))) return undefined;
  const generator = /^generator ([0-9a-f]+)$/.exec(lines[0] ?? '')?.[1];
  const fleet = /^fleet ([0-9a-f]+)$/.exec(lines[1] ?? '')?.[1];
  if (generator === undefined || fleet === undefined) return undefined;
  const files = new Map<string, RecordEntry>();
  for (const line of lines.slice(2)) {
    const m = /^(\S+) ([0-9a-f]+) ([0-9a-f]+)$/.exec(line);
    if (m === null) return undefined;
    files.set(m[1], { input: m[2], content: m[3] });
  }
  return { generator, fleet, files };
}
