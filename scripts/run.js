/**
 * Runs a TypeScript entry point as compiled JavaScript, with no TypeScript
 * loader in the process:
 *
 *   node scripts/run.js main.ts synth --config platform.yaml
 *
 * The entry point and everything it imports (dependencies included) are
 * bundled by esbuild into one file under .build/ (gitignored), which then
 * runs as the main module with the remaining arguments. The bundle is rebuilt
 * first whenever it is missing or stale: a stamp beside it records every
 * input file with its size and modification time, and for the project's own
 * files (everything outside node_modules) a hash of their content, so an
 * edited, added, removed or checked-out source is always picked up.
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const BUILD_DIR = path.join(ROOT, '.build');
/** Bumped when the build settings below change, so older bundles are rebuilt. */
const BUILD_VERSION = 1;

/** The stamp of one input file: size and mtime, and a content hash for the project's own files. */
function inputStamp(file) {
  const abs = path.join(ROOT, file);
  const st = fs.statSync(abs);
  const own = !file.split(/[\\/]/).includes('node_modules');
  return { file, size: st.size, mtimeMs: st.mtimeMs, ...(own ? { sha1: crypto.createHash('sha1').update(fs.readFileSync(abs)).digest('hex') } : {}) };
}

/** True when every input recorded in the stamp is unchanged. */
function isFresh(stampFile, bundle) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    if (stamp.version !== BUILD_VERSION || !fs.existsSync(bundle)) return false;
  } catch {
    return false;
  }
  for (const recorded of stamp.inputs) {
    let now;
    try {
      const st = fs.statSync(path.join(ROOT, recorded.file));
      if (st.size !== recorded.size) return false;
      if (recorded.sha1 === undefined) {
        if (st.mtimeMs !== recorded.mtimeMs) return false;
        continue;
      }
      now = inputStamp(recorded.file);
    } catch {
      return false;
    }
    if (now.sha1 !== recorded.sha1) return false;
  }
  return true;
}

/** Bundles `entry` into `bundle` and writes its stamp (each written to a temporary file, then renamed). */
function build(entry, bundle, stampFile) {
  const esbuild = require('esbuild');
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  const result = esbuild.buildSync({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'cjs',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs).map(inputStamp);
  fs.renameSync(tmp, bundle);
  const stampTmp = `${stampFile}.${process.pid}.tmp`;
  fs.writeFileSync(stampTmp, JSON.stringify({ version: BUILD_VERSION, entry, inputs }));
  fs.renameSync(stampTmp, stampFile);
}

function run() {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry || !entry.endsWith('.ts')) {
    console.error('usage: node scripts/run.js ENTRY.ts [ARG ...]');
    process.exit(2);
  }
  const name = path.relative(ROOT, path.resolve(ROOT, entry)).replace(/\.ts$/, '').replace(/[\\/]/g, '__');
  const bundle = path.join(BUILD_DIR, `${name}.js`);
  const stampFile = path.join(BUILD_DIR, `${name}.stamp.json`);
  if (!isFresh(stampFile, bundle)) {
    try {
      build(path.relative(ROOT, path.resolve(ROOT, entry)), bundle, stampFile);
    } catch {
      // esbuild has printed the errors.
      console.error(`internal error: ${entry} does not compile`);
      process.exit(70);
    }
  }
  // Node 22.1+ keeps V8's compiled code of the bundle between runs (older versions skip this).
  Module.enableCompileCache?.(path.join(BUILD_DIR, 'compile-cache'));
  // The bundle runs as the main module, with the arguments it would have had as `node BUNDLE ...`.
  process.argv = [process.argv[0], bundle, ...args];
  Module.runMain(bundle);
}

run();
