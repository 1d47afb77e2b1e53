/**
 * The command line: validate a config and synthesize the platform.
 *
 *   main.ts [synth] [--config platform.yaml] [--outdir dist] [--check] [--full] [--allow-recreate]
 *   main.ts join    [--config platform.yaml] [NODE ...]
 *   main.ts images  [--config platform.yaml]
 *
 * Config mistakes are printed as `file:line:col: error: field: message`
 * (at most {@link ISSUE_CAP}, then a count of the rest), with exit code 1
 * and the output folder untouched. Every outcome has its own exit code
 * (lib/exit-codes.ts).
 */
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { ConfigError, ConfigIssue, formatIssue } from './lib/config/errors';
import { loadConfig } from './lib/load';
import { joinCommands } from './lib/edge/join';
import { EdgeWorkers, serveEdgeWorker } from './lib/edge-workers';
import { EXIT } from './lib/exit-codes';
import { generatorDigest, projectRoot } from './lib/incremental/digest';
import type { LocalCache } from './lib/local-cache';
import { OutputError } from './lib/outdir/errors';
import { shownName } from './lib/outdir/folder';
import { checkOutdir, publish } from './lib/outdir/publish';
import { CurrentOutput, OutputSink, readPortRecord, synthImages, synthOutput, SynthResult } from './lib/synth';

const USAGE = `usage: npm run synth -- [--config FILE] [--outdir DIR] [--check] [--full] [--allow-recreate]
       npm run join -- [--config FILE] [NODE ...]
       npm run images -- [--config FILE]

  synth   validate FILE (default platform.yaml) and write the manifests to DIR
          (default: $CDK8S_OUTDIR or dist), replacing it all or nothing; prints
          what changed. DIR must be missing, empty or written by synth before.
          Edge nodes whose inputs did not change since DIR was written are kept
          as they are, not rendered again (DIR/.nsfl-record says what produced them).
          --check           write nothing; exit 3 when DIR differs from what FILE gives
          --full            render every file, whatever DIR's record says
          --allow-recreate  proceed when a change touches a field Kubernetes cannot
                            update, marking those objects for Argo CD to recreate
  join    print the keadm join command of each edge node (all when none named)
  images  print every image reference of the output, one a line, sorted (what to copy into a mirror)`;

/** How many config problems are printed before "... and N more". */
export const ISSUE_CAP = 50;

/** Prints issues, at most {@link ISSUE_CAP}, then how many were left out. */
function printIssues(issues: readonly ConfigIssue[], err: (s: string) => void): void {
  issues.slice(0, ISSUE_CAP).forEach((i) => err(formatIssue(i)));
  if (issues.length > ISSUE_CAP) err(`... and ${issues.length - ISSUE_CAP} more`);
}

/** Runs the CLI; returns the exit code. */
export function main(argv: string[], out: (s: string) => void = console.log, err: (s: string) => void = console.error): number {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c', default: 'platform.yaml' },
        outdir: { type: 'string', short: 'o', default: process.env.CDK8S_OUTDIR || 'dist' },
        check: { type: 'boolean', default: false },
        full: { type: 'boolean', default: false },
        'allow-recreate': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  if (args.values.help) {
    out(USAGE);
    return EXIT.ok;
  }
  const [command = 'synth', ...rest] = args.positionals;
  const { config: configFile, outdir, check, full } = args.values;
  const allowRecreate = args.values['allow-recreate'];
  const usageError =
    command !== 'synth' && command !== 'join' && command !== 'images'
      ? `unknown command "${command}"`
      : command !== 'join' && rest.length > 0
        ? `unexpected argument "${rest[0]}" (the config file is given with --config)`
        : command !== 'synth' && (check || full || allowRecreate)
          ? '--check, --full and --allow-recreate apply to synth only'
          : check && allowRecreate
            ? '--check writes nothing, so --allow-recreate has no effect with it'
            : undefined;
  if (usageError !== undefined) {
    err(`${usageError}\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    const cache = localCache();
    const loaded = loadConfig(configFile, { previousPorts: readPortRecord(outdir), cache });
    const { model, warnings } = loaded;
    printIssues(warnings, err);
    if (command === 'join') {
      const { lines, unknown } = joinCommands(model.edge, rest);
      for (const name of unknown) err(`${configFile}: error: no enabled edge node named "${name}"`);
      lines.forEach((l) => out(l));
      return unknown.length > 0 ? EXIT.configErrors : EXIT.ok;
    }
    if (command === 'images') {
      synthImages(loaded).forEach((ref) => out(ref));
      return EXIT.ok;
    }
    // Rendered once the output folder is open (and locked, when writing): the files it keeps are read there.
    let result: SynthResult | undefined;
    // The edge nodes' files go to the sink (the folder's writer, or --check's comparison) as they are rendered.
    const source = (current: CurrentOutput, sink: OutputSink) => (result = synthOutput(loaded, { current: full ? undefined : current, workers: edgeWorkers(), sink }));
    const counts = () => {
      const { files, streamed, kept, threads } = result!;
      const nodes = model.edge.sites.length;
      const rendered = nodes > 0 ? `, ${nodes - kept.size} rendered${threads > 1 ? ` on ${threads} threads` : ''}` : '';
      return `${files.size + streamed + kept.size} files (${nodes} edge node${nodes === 1 ? '' : 's'}${rendered})`;
    };
    if (check) {
      const drift = checkOutdir(outdir, source, configFile, cache);
      drift.forEach((l) => err(l));
      if (drift.length > 0) {
        err(`${drift.length} file${drift.length === 1 ? '' : 's'} differ from what ${configFile} gives: run \`npm run synth\` and commit the output folder.`);
        return EXIT.drift;
      }
      out(`${shownName(outdir)}/ matches ${configFile} (${counts()})`);
      return EXIT.ok;
    }
    const { summary, recreated } = publish(outdir, source, { configFile, allowRecreate, cache });
    summary.forEach((l) => out(`  ${l}`));
    for (const r of recreated) out(`marked for recreation by Argo CD (Replace=true,Force=true): ${r}; run \`npm run synth\` again once Argo CD has synced, to drop the mark`);
    const written = counts();
    out(summary.length > 0 ? `wrote ${written} to ${shownName(outdir)}/` : `${shownName(outdir)}/ is up to date: ${written}`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ConfigError) {
      printIssues(e.issues, err);
      const n = e.issues.filter((i) => i.severity === 'error').length;
      err(`${n} error${n === 1 ? '' : 's'} in ${configFile}; nothing was written.`);
      return EXIT.configErrors;
    }
    if (e instanceof OutputError) {
      err(e.message);
      return e.exitCode;
    }
    err(`internal error (please report it): ${(e as Error).stack ?? e}`);
    return EXIT.internal;
  }
}

/**
 * Synth's local caches (of the config's edge nodes, lib/config/yaml-source.ts,
 * and of the output folder's files, lib/outdir/stat-cache.ts): in the
 * project's `node_modules/.cache`, where JavaScript tools keep theirs (out of
 * Git, gone with `npm ci`), for this version of the generator; none outside
 * the project.
 */
function localCache(): LocalCache | undefined {
  const root = projectRoot(__dirname);
  return root === undefined ? undefined : { dir: path.join(root, 'node_modules', '.cache', 'neursafe-fl'), version: generatorDigest() };
}

/**
 * The worker threads that may render edge nodes: as many as the cores but
 * one, or `NSFL_SYNTH_THREADS` (0 turns them off); only when this file runs
 * compiled (the bundle `scripts/run.js` builds), which is what a worker loads.
 */
function edgeWorkers(): EdgeWorkers | undefined {
  if (!__filename.endsWith('.js')) return undefined;
  const set = process.env.NSFL_SYNTH_THREADS;
  const threads = set !== undefined && /^[0-9]+$/.test(set) ? Number(set) : os.availableParallelism() - 1;
  return threads > 0 ? { script: __filename, threads } : undefined;
}

// Loaded in a worker thread of synth: render its share of the edge nodes, nothing else.
if (!serveEdgeWorker() && require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
