/**
 * Preloaded into every Node process of a benchmarked command
 * (NODE_OPTIONS=--require): on exit, appends the process's peak resident set
 * size in KiB to the file named by BENCH_RUSAGE_FILE.
 */
'use strict';
const fs = require('fs');

const file = process.env.BENCH_RUSAGE_FILE;
if (file) process.on('exit', () => fs.appendFileSync(file, `${process.resourceUsage().maxRSS}\n`));
