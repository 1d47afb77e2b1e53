/**
 * The command line: validate a config and synthesize the platform.
 *
 *   main.ts [synth] [--config platform.yaml] [--outdir dist]
 *   main.ts join    [--config platform.yaml] [NODE ...]
 *
 * Config mistakes are printed as `file:line:col: error: field: message`, all
 * at once, with exit code 1 and the output folder untouched.
 */
import { parseArgs } from 'util';
import { ConfigError, formatIssue } from './lib/config/errors';
import { loadConfig } from './lib/config/load';
import { joinCommands } from './lib/edge/join';
import { readPortRecord, synthFiles, writeAtomically } from './lib/synth';

const USAGE = `usage: npm run synth -- [--config FILE] [--outdir DIR]
       npm run join -- [--config FILE] [NODE ...]

  synth   validate FILE (default platform.yaml) and write the manifests to DIR
          (default: $CDK8S_OUTDIR or dist), replacing it atomically
  join    print the keadm join command of each edge node (all when none named)`;

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
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    out(USAGE);
    return 0;
  }
  const [command = 'synth', ...rest] = args.positionals;
  if (command !== 'synth' && command !== 'join') {
    err(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  try {
    const loaded = loadConfig(args.values.config, { previousPorts: readPortRecord(args.values.outdir) });
    const { config, edgeSites, warnings } = loaded;
    for (const w of warnings) err(formatIssue(w));
    if (command === 'join') {
      const { lines, unknown } = joinCommands(config, edgeSites, rest);
      for (const name of unknown) err(`${args.values.config}: error: no enabled edge node named "${name}"`);
      lines.forEach((l) => out(l));
      return unknown.length > 0 ? 1 : 0;
    }
    const files = synthFiles(loaded);
    writeAtomically(args.values.outdir, files);
    out(`wrote ${files.size} files to ${args.values.outdir}/ (${edgeSites.length} edge nodes)`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const issue of e.issues) err(formatIssue(issue));
      const n = e.issues.filter((i) => i.severity === 'error').length;
      err(`${n} error${n === 1 ? '' : 's'} in ${args.values.config}; nothing was written.`);
      return 1;
    }
    err(`internal error (please report it): ${(e as Error).stack ?? e}`);
    return 70;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
