/**
 * Every relative link in the README and docs/ points at a file that exists,
 * and every `#anchor` into a Markdown page names one of its headings.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './support/platform';

const pages = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1])));
}

test.each(pages)('%s: every relative link resolves', (page) => {
  const text = fs.readFileSync(path.join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue; // an external URL
    const [file, hash] = target.split('#');
    const resolved = file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
    if (!fs.existsSync(path.join(ROOT, resolved))) broken.push(`${target}: no file ${resolved}`);
    else if (hash && resolved.endsWith('.md') && !anchorsOf(resolved).has(hash)) broken.push(`${target}: no heading #${hash} in ${resolved}`);
  }
  expect(broken).toEqual([]);
});
