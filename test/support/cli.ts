/**
 * Test helpers for the command line: run it in-process, read a folder back.
 */
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../../main';

/** Every file below `dir`, relative path → text, sorted. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return new Map([...out].sort());
}

/** Runs the CLI with `args`; its exit code and what it printed. */
export function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = main(args, (s) => stdout.push(s), (s) => stderr.push(s));
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}
