/**
 * The output folder is safe to point anywhere: synth writes only into a
 * missing or empty folder or one it wrote before, all or nothing, one synth
 * at a time, keeping symlinks and permissions; file system failures are
 * one-line errors with their own exit codes.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXIT } from '../lib/exit-codes';
import { fileSystemError, OutputError } from '../lib/outdir/errors';
import { FileSystem, MARKER } from '../lib/outdir/folder';
import { lockPath } from '../lib/outdir/lock';
import { publish } from '../lib/outdir/publish';
import { cleanLeftovers, IN_PLACE_LIMIT } from '../lib/outdir/writer';
import { readTree, run } from './support/cli';
import { edgeFilePath } from '../lib/edge/shards';
import { ROOT, synth } from './support/platform';

const CONFIG = path.join(ROOT, 'platform.yaml');
const files = synth().files;

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-outdir-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A folder holding the output of the bundled config, as synth wrote it. */
function generated(name = 'dist'): string {
  const out = path.join(tmp, name);
  publish(out, files, { configFile: CONFIG });
  return out;
}

/** The tree of a new folder `name` written with `output`. */
function freshTree(name: string, output: ReadonlyMap<string, string>): Map<string, string> {
  const out = path.join(tmp, name);
  publish(out, output, { configFile: CONFIG });
  return readTree(out);
}

/** An errno error as the fs module throws it. */
function errno(code: string, syscall: string, p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${p}'`), { code, syscall, path: p });
}

/** The real fs with `name` replaced. */
function failing<K extends keyof FileSystem>(name: K, impl: FileSystem[K]): FileSystem {
  return { ...fs, [name]: impl } as FileSystem;
}

describe('synth refuses folders it did not write, and touches nothing', () => {
  const refused = (outdir: string, why: RegExp) => {
    const r = run(['synth', '--config', CONFIG, '--outdir', outdir]);
    expect(r.code).toBe(EXIT.refusedOutdir);
    expect(r.stderr).toMatch(why);
    expect(r.stderr).toContain('Nothing was changed');
    expect(r.stderr.split('\n').filter((l) => !l.includes(': warning: '))).toHaveLength(1);
  };

  test('a folder with files of its own', () => {
    const out = path.join(tmp, 'docs');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'notes.md'), 'mine');
    refused(out, /holds files synth did not write \(e\.g\. notes\.md\)/);
    expect(readTree(out)).toEqual(new Map([['notes.md', 'mine']]));
  });

  test('an existing file, and the config file itself', () => {
    const file = path.join(tmp, 'file.txt');
    fs.writeFileSync(file, 'keep');
    refused(file, /it is a file/);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
    const config = path.join(tmp, 'platform.yaml');
    fs.copyFileSync(CONFIG, config);
    const r = run(['synth', '--config', config, '--outdir', config]);
    expect(r.code).toBe(EXIT.refusedOutdir);
    expect(fs.readFileSync(config, 'utf8')).toBe(fs.readFileSync(CONFIG, 'utf8'));
  });

  test('`.`, a parent of the config, and `/`', () => {
    const before = fs.readdirSync(ROOT).sort();
    refused('.', /holds the config file|current folder/);
    refused(path.dirname(ROOT), /holds the config file|current folder/);
    refused('/', /root folder/);
    expect(fs.readdirSync(ROOT).sort()).toEqual(before);
  });

  test('a folder holding a Git repository, even one synth wrote', () => {
    const out = generated();
    fs.mkdirSync(path.join(out, '.git'));
    refused(out, /Git repository/);
  });

  test('an output folder from before the marker existed (every file has the generated header) is accepted', () => {
    const out = generated();
    fs.rmSync(path.join(out, MARKER));
    expect(run(['synth', '--config', CONFIG, '--outdir', out]).code).toBe(EXIT.ok);
    expect(fs.existsSync(path.join(out, MARKER))).toBe(true);
  });
});

test('the marker is skipped by `kubectl apply -R -f` and Argo CD (no .yaml, .yml or .json name) and committed output holds it', () => {
  expect(MARKER).not.toMatch(/\.(ya?ml|json)$/);
  expect(fs.existsSync(path.join(ROOT, 'dist', MARKER))).toBe(true);
});

test('a missing or empty folder is written, with the permissions a new folder gets (not 0700)', () => {
  const out = path.join(tmp, 'new', 'dist');
  expect(run(['synth', '--config', CONFIG, '--outdir', out]).code).toBe(EXIT.ok);
  expect(fs.statSync(out).mode & 0o777).toBe(0o777 & ~process.umask());
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  expect(run(['synth', '--config', CONFIG, '--outdir', empty]).code).toBe(EXIT.ok);
  expect(readTree(empty)).toEqual(readTree(out));
});

test('a rewrite keeps the folder permissions', () => {
  const out = generated();
  fs.chmodSync(out, 0o750);
  fs.writeFileSync(path.join(out, 'edge', 'gone.k8s.yaml'), files.get('00-cluster.k8s.yaml')!);
  expect(run(['synth', '--config', CONFIG, '--outdir', out]).code).toBe(EXIT.ok);
  expect(fs.statSync(out).mode & 0o777).toBe(0o750);
  expect(fs.existsSync(path.join(out, 'edge', 'gone.k8s.yaml'))).toBe(false);
});

test('a rewrite keeps the subfolders\' permissions, and as root the owner of the folder (docker run as root on a user\'s checkout)', () => {
  const out = generated();
  fs.chmodSync(path.join(out, 'edge'), 0o700);
  fs.chownSync(out, 12345, 12346);
  fs.writeFileSync(path.join(out, 'edge', 'gone.k8s.yaml'), files.get('00-cluster.k8s.yaml')!);
  expect(run(['synth', '--config', CONFIG, '--outdir', out]).code).toBe(EXIT.ok);
  expect(fs.statSync(path.join(out, 'edge')).mode & 0o777).toBe(0o700);
  if (process.getuid?.() !== 0) return;
  for (const p of [out, path.join(out, 'edge'), path.join(out, '20-platform.k8s.yaml'), path.join(out, edgeFilePath('edge-node-1', 32))]) {
    expect([fs.statSync(p).uid, fs.statSync(p).gid]).toEqual([12345, 12346]);
  }
});

test('a symlinked output folder stays a symlink; its target is written', () => {
  const real = generated('real');
  const link = path.join(tmp, 'dist');
  fs.symlinkSync(real, link);
  fs.writeFileSync(path.join(real, 'edge', 'gone.k8s.yaml'), files.get('00-cluster.k8s.yaml')!);
  expect(run(['synth', '--config', CONFIG, '--outdir', link]).code).toBe(EXIT.ok);
  expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
  expect(fs.existsSync(path.join(real, 'edge', 'gone.k8s.yaml'))).toBe(false);
});

test('leftovers of a killed synth are cleaned by the next run and ignored by Git', () => {
  const out = generated();
  const leftNew = path.join(tmp, '.dist.nsfl-tmp-new-AbC123');
  fs.mkdirSync(leftNew);
  fs.writeFileSync(path.join(leftNew, 'half.yaml'), 'x');
  const leftFile = path.join(out, 'edge', '.edge-node-1.k8s.yaml.nsfl-tmp-new');
  fs.writeFileSync(leftFile, 'x');
  expect(run(['synth', '--config', CONFIG, '--outdir', out]).code).toBe(EXIT.ok);
  expect(fs.existsSync(leftNew)).toBe(false);
  expect(fs.existsSync(leftFile)).toBe(false);
  for (const p of ['dist/.edge-node-1.k8s.yaml.nsfl-tmp-new', 'dist/.nsfl-tmp-commit', '.dist.nsfl-tmp-new-AbC123/x.yaml', '.dist.nsfl-tmp-old-AbC123/x.yaml', '.dist.nsfl-lock']) {
    expect(spawnSync('git', ['check-ignore', '-q', p], { cwd: ROOT }).status).toBe(0);
  }
});

test('killed between the two renames of the swap: the next run puts the old folder back, then writes', () => {
  const out = generated();
  const old = path.join(tmp, '.dist.nsfl-tmp-old-AbC123');
  fs.renameSync(out, old);
  fs.writeFileSync(path.join(old, 'edge', 'gone.k8s.yaml'), files.get('00-cluster.k8s.yaml')!);
  const r = run(['synth', '--config', CONFIG, '--outdir', out]);
  expect(r.code).toBe(EXIT.ok);
  expect(r.stdout).toContain('edge nodes removed (1): gone'); // compared with the folder put back
  expect(fs.existsSync(old)).toBe(false);
  expect(fs.readdirSync(tmp)).toEqual(['dist']);
});

describe('one synth at a time', () => {
  test('a lock held by a running process: exit 9, nothing written', () => {
    const out = generated();
    fs.writeFileSync(path.join(out, 'edge', 'gone.k8s.yaml'), files.get('00-cluster.k8s.yaml')!);
    fs.writeFileSync(lockPath(out), `${os.hostname()} ${process.pid}\n`);
    const before = readTree(out);
    const r = run(['synth', '--config', CONFIG, '--outdir', out]);
    expect(r.code).toBe(EXIT.outdirInUse);
    expect(r.stderr).toMatch(/another synth is writing this folder .*wait for it to finish/);
    expect(readTree(out)).toEqual(before);
    expect(fs.existsSync(lockPath(out))).toBe(true);
  });

  test('a lock left by a process that has ended is taken over, and released after the write', () => {
    const out = generated();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    fs.writeFileSync(lockPath(out), `${os.hostname()} ${dead}\n`);
    expect(run(['synth', '--config', CONFIG, '--outdir', out]).code).toBe(EXIT.ok);
    expect(fs.existsSync(lockPath(out))).toBe(false);
  });
});

test('a folder that cannot be renamed (a mount point) is written in place, stale files removed, nothing left over', () => {
  const out = generated();
  const inode = fs.statSync(out).ino;
  fs.writeFileSync(path.join(out, 'edge', 'gone.k8s.yaml'), files.get('00-cluster.k8s.yaml')!);
  fs.writeFileSync(path.join(out, '20-platform.k8s.yaml'), files.get('00-cluster.k8s.yaml')!);
  const io = failing('renameSync', (from: fs.PathLike, to: fs.PathLike) => {
    if (from === out) throw errno('EBUSY', 'rename', out);
    fs.renameSync(from, to);
  });
  fs.chownSync(out, 12345, 12346);
  publish(out, files, { configFile: CONFIG, io });
  expect(fs.statSync(out).ino).toBe(inode);
  if (process.getuid?.() === 0) expect(fs.statSync(path.join(out, '20-platform.k8s.yaml')).uid).toBe(12345);
  expect(readTree(out)).toEqual(readTree(generated('fresh')));
  expect(fs.readdirSync(tmp).sort()).toEqual(['dist', 'fresh']);
  // A rewrite too big for in place is written aside for a swap, which the mount point refuses: it goes in place then.
  const many = new Map(files);
  for (let i = 0; i <= IN_PLACE_LIMIT; i++) many.set(`extra/${i}.txt`, `${i}\n`);
  publish(out, many, { configFile: CONFIG, io });
  expect(fs.statSync(out).ino).toBe(inode);
  expect(readTree(out)).toEqual(freshTree('fresh-many', many));
  expect(fs.readdirSync(tmp).sort()).toEqual(['dist', 'fresh', 'fresh-many']);
});

test('a rewrite writes only the files whose bytes changed: the others stay the same files, swapped or in place', () => {
  const out = generated();
  const ino = (f: string) => fs.statSync(path.join(out, f)).ino;
  const before = { same: ino('00-cluster.k8s.yaml'), changed: ino('20-platform.k8s.yaml') };
  const next = new Map(files).set('20-platform.k8s.yaml', `${files.get('20-platform.k8s.yaml')}# changed\n`);
  publish(out, next, { configFile: CONFIG });
  expect(ino('00-cluster.k8s.yaml')).toBe(before.same);
  expect(ino('20-platform.k8s.yaml')).not.toBe(before.changed);
  // In place (a mount point): the unchanged file is not touched at all.
  const mtime = fs.statSync(path.join(out, '00-cluster.k8s.yaml')).mtimeMs;
  const io = failing('renameSync', (from: fs.PathLike, to: fs.PathLike) => {
    if (from === out) throw errno('EBUSY', 'rename', out);
    fs.renameSync(from, to);
  });
  publish(out, files, { configFile: CONFIG, io });
  expect(fs.statSync(path.join(out, '00-cluster.k8s.yaml')).mtimeMs).toBe(mtime);
  expect(readTree(out)).toEqual(readTree(generated('fresh')));
});

test(`a rewrite of at most ${IN_PLACE_LIMIT} files is done in place (files kept are not touched); a bigger one swaps the folder; both give the same tree`, () => {
  const out = generated();
  const folderIno = () => fs.statSync(out).ino;
  const kept = path.join(out, '00-cluster.k8s.yaml');
  const { ino, ctimeMs } = fs.statSync(kept);
  const before = folderIno();
  const one = new Map(files).set('20-platform.k8s.yaml', `${files.get('20-platform.k8s.yaml')}# changed\n`);
  publish(out, one, { configFile: CONFIG });
  expect(folderIno()).toBe(before);
  expect(fs.statSync(kept)).toMatchObject({ ino, ctimeMs });
  expect(readTree(out)).toEqual(freshTree('fresh-one', one));
  // More files than the limit: a new folder swapped in (the kept file a hard link to the old one).
  const many = new Map(one);
  for (let i = 0; i <= IN_PLACE_LIMIT; i++) many.set(`extra/${i}.txt`, `${i}\n`);
  publish(out, many, { configFile: CONFIG });
  expect(folderIno()).not.toBe(before);
  expect(fs.statSync(kept).ino).toBe(ino);
  // As many removed: swapped too.
  const swapped = folderIno();
  publish(out, files, { configFile: CONFIG });
  expect(folderIno()).not.toBe(swapped);
  expect(readTree(out)).toEqual(readTree(generated('fresh')));
  expect(fs.readdirSync(tmp).sort()).toEqual(['dist', 'fresh', 'fresh-one']);
});

test('an in-place commit that fails after its journal is written is finished by the next run; one that fails before leaves the old output', () => {
  const out = generated();
  fs.writeFileSync(path.join(out, 'edge', 'gone.k8s.yaml'), files.get('00-cluster.k8s.yaml')!);
  const next = new Map(files)
    .set('00-cluster.k8s.yaml', `${files.get('00-cluster.k8s.yaml')}# changed\n`)
    .set('20-platform.k8s.yaml', `${files.get('20-platform.k8s.yaml')}# changed\n`);
  const failAt = (n: number) => {
    let renames = 0;
    return failing('renameSync', (from: fs.PathLike, to: fs.PathLike) => {
      if (String(from).endsWith('.nsfl-tmp-new') && ++renames === n) throw errno('EIO', 'rename', String(from));
      fs.renameSync(from, to);
    });
  };
  const old = readTree(out);
  // The second of the renames fails: one file is new already, the other not.
  expect(() => publish(out, next, { configFile: CONFIG, io: failAt(2) })).toThrow(OutputError);
  expect(readTree(out)).not.toEqual(old);
  cleanLeftovers(out);
  expect(readTree(out)).toEqual(freshTree('fresh', next));
  // Failing before the journal (writing it): nothing changes, and nothing is left over.
  const before = readTree(out);
  const io = failing('writeFileSync', ((p: fs.PathOrFileDescriptor, ...rest: any[]) => {
    if (String(p).includes('.nsfl-tmp-commit')) throw errno('EIO', 'open', String(p));
    (fs.writeFileSync as any)(p, ...rest);
  }) as FileSystem['writeFileSync']);
  expect(() => publish(out, files, { configFile: CONFIG, io })).toThrow(OutputError);
  expect(readTree(out)).toEqual(before);
});

test('a mount point whose parent is read-only (docker run --read-only -v ...): written in place, locked inside', () => {
  const out = generated();
  fs.writeFileSync(path.join(out, 'edge', 'gone.k8s.yaml'), files.get('00-cluster.k8s.yaml')!);
  const readOnlyParent = (p: fs.PathLike | number) => {
    if (typeof p !== 'number' && path.dirname(String(p)) === tmp) throw errno('EROFS', 'open', String(p));
  };
  const io = {
    ...fs,
    mkdtempSync: (prefix: string) => {
      readOnlyParent(prefix);
      return fs.mkdtempSync(prefix);
    },
    writeFileSync: (p: fs.PathOrFileDescriptor, ...rest: any[]) => {
      readOnlyParent(p as fs.PathLike);
      (fs.writeFileSync as any)(p, ...rest);
    },
  } as FileSystem;
  publish(out, files, { configFile: CONFIG, io });
  expect(readTree(out)).toEqual(readTree(generated('fresh')));
  expect(fs.readdirSync(tmp).sort()).toEqual(['dist', 'fresh']);
  // A rewrite too big for in place cannot make its folder aside: it stays in place.
  const many = new Map(files);
  for (let i = 0; i <= IN_PLACE_LIMIT; i++) many.set(`extra/${i}.txt`, `${i}\n`);
  publish(out, many, { configFile: CONFIG, io });
  expect(readTree(out)).toEqual(freshTree('fresh-many', many));
  expect(fs.readdirSync(tmp).sort()).toEqual(['dist', 'fresh', 'fresh-many']);
});

describe('file system failures are one-line errors with their own exit codes, and the folder is left as it was', () => {
  test.each([
    ['ENOSPC', EXIT.noSpace, /no space left on the device .*Free some space/],
    ['EACCES', EXIT.permissionDenied, /permission denied .*writable by this user/],
    ['EROFS', EXIT.readOnly, /read-only file system .*Mount it read-write/],
    ['EIO', EXIT.fileSystem, /cannot write: EIO/],
  ])('%s while writing a file', (code, exit, message) => {
    const out = generated();
    fs.writeFileSync(path.join(out, 'edge', 'gone.k8s.yaml'), files.get('00-cluster.k8s.yaml')!);
    // A file that changes (an unchanged one is linked, not written).
    fs.appendFileSync(path.join(out, '20-platform.k8s.yaml'), '# edited\n');
    const before = readTree(out);
    const io = failing('writeFileSync', ((p: fs.PathOrFileDescriptor, ...rest: any[]) => {
      if (path.basename(String(p)).replace(/^\.(.*)\.nsfl-tmp-new$/, '$1') === '20-platform.k8s.yaml') throw errno(code, 'open', String(p));
      (fs.writeFileSync as any)(p, ...rest);
    }) as FileSystem['writeFileSync']);
    let error: unknown;
    try {
      publish(out, files, { configFile: CONFIG, io });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).exitCode).toBe(exit);
    expect((error as OutputError).message).toMatch(message);
    expect((error as OutputError).message).not.toContain('\n');
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  test('EPERM is permission denied too; errors without an errno code are bugs, not environment errors', () => {
    expect(fileSystemError(errno('EPERM', 'mkdir', '/x'), 'dist')?.exitCode).toBe(EXIT.permissionDenied);
    expect(fileSystemError(errno('EDQUOT', 'write', '/x'), 'dist')?.exitCode).toBe(EXIT.noSpace);
    expect(fileSystemError(new TypeError('x is undefined'), 'dist')).toBeUndefined();
  });

  test('an output path through a file is a clear error (exit 10)', () => {
    fs.writeFileSync(path.join(tmp, 'file'), 'keep');
    const r = run(['synth', '--config', CONFIG, '--outdir', path.join(tmp, 'file', 'dist')]);
    expect(r.code).toBe(EXIT.fileSystem);
    expect(r.stderr).toMatch(/error: a part of the path is a file, not a folder/);
  });
});

test('the exit codes are distinct', () => {
  const codes = Object.values(EXIT);
  expect(new Set(codes).size).toBe(codes.length);
});
