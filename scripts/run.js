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
const vm = require('vm');

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
  runMain(bundle, args);
}

/**
 * Runs the bundle as the main module, with the arguments it would have had as
 * `node BUNDLE ...`, keeping V8's compiled code of it between runs: Node
 * 22.1+ does this itself; older versions compile the bundle here with the
 * code cache in `NAME.v8cache` beside it. That cache is tagged with the
 * bundle's size and modification time (a rebuilt bundle never takes the old
 * code, and V8 itself rejects a cache of another V8 or other flags); it is
 * written at exit when it was missing or rejected, and a failure to write it
 * only costs the next run its compile time.
 */
function runMain(bundle, args) {
  process.argv = [process.argv[0], bundle, ...args];
  if (Module.enableCompileCache) {
    Module.enableCompileCache(path.join(BUILD_DIR, 'compile-cache'));
    Module.runMain(bundle);
    return;
  }
  const cacheFile = bundle.replace(/\.js$/, '.v8cache');
  const st = fs.statSync(bundle);
  const tag = Buffer.from(`${st.size}:${st.mtimeMs}\n`);
  let cachedData;
  try {
    const cache = fs.readFileSync(cacheFile);
    if (cache.subarray(0, tag.length).equals(tag)) cachedData = cache.subarray(tag.length);
  } catch {
    // No cache yet.
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.on('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, Buffer.concat([tag, script.createCachedData()]));
        fs.renameSync(tmp, cacheFile);
      } catch {
        // Not kept: the next run compiles again.
      }
    });
  }
  const mod = new Module(bundle, null);
  mod.id = '.';
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle));
  Module._cache[bundle] = mod;
  process.mainModule = mod;
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
  mod.loaded = true;
}

run();
