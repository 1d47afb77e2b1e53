/**
 * The benchmark's floor: what writing the synthesized objects costs at all.
 * Reads `{ file: objects[] }` as JSON and writes every file below OUTDIR with
 * JSON.stringify, one object per line. Plain JavaScript, so nothing but Node
 * starts.
 *
 *   node bench/floor.js OBJECTS.json OUTDIR
 */
'use strict';
const fs = require('fs');
const path = require('path');

const [input, outdir] = process.argv.slice(2);
const files = JSON.parse(fs.readFileSync(input, 'utf8'));
for (const [file, objects] of Object.entries(files)) {
  const dest = path.join(outdir, file);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, objects.map((o) => JSON.stringify(o)).join('\n') + '\n');
}
