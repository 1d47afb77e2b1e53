/**
 * The two patch forms of `patches`, on plain JSON: JSON patch (RFC 6902,
 * every operation, strict: a path that does not exist is an error) and a
 * merge patch (RFC 7386, plus lists of named objects merged by name, as
 * Kubernetes' strategic merge does for containers, env and volumes).
 */
import type { JsonPatchOp } from '../config/workloads';

/** A JSON patch operation that cannot be applied: which of its fields is wrong, and why. */
export class PatchOpError extends Error {
  /**
   * @param field the operation's field at fault (`path` or `from`)
   */
  constructor(
    public readonly field: 'path' | 'from',
    message: string,
  ) {
    super(message);
    this.name = 'PatchOpError';
  }
}

type Json = unknown;
type Container = Record<string, Json> | Json[];

/** The reference tokens of a JSON pointer (RFC 6901). */
function tokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const isContainer = (v: Json): v is Container => v !== null && typeof v === 'object';

/** The parent of the location `pointer` names, and the last token; throws when the parent does not exist. */
function parentOf(doc: Json, pointer: string, field: 'path' | 'from'): [Container, string] {
  const ts = tokens(pointer);
  if (ts.length === 0) throw new PatchOpError(field, 'must not be "" (the whole object): patch its fields');
  let cur: Json = doc;
  for (const [i, t] of ts.slice(0, -1).entries()) {
    const next = isContainer(cur) ? child(cur, t) : undefined;
    if (next === undefined) throw new PatchOpError(field, `"${pointer}" does not exist: "/${ts.slice(0, i + 1).join('/')}" is not in the object`);
    cur = next;
  }
  if (!isContainer(cur)) throw new PatchOpError(field, `"${pointer}" does not exist: its parent is not a mapping or list`);
  return [cur, ts[ts.length - 1]];
}

function child(c: Container, t: string): Json {
  if (Array.isArray(c)) return /^(0|[1-9][0-9]*)$/.test(t) ? c[Number(t)] : undefined;
  return Object.prototype.hasOwnProperty.call(c, t) ? c[t] : undefined;
}

/** The index a token names in a list (`-` is the end when `adding`); throws when out of range. */
function indexIn(list: Json[], t: string, adding: boolean, field: 'path' | 'from', pointer: string): number {
  if (adding && t === '-') return list.length;
  if (!/^(0|[1-9][0-9]*)$/.test(t)) throw new PatchOpError(field, `"${pointer}": "${t}" is not a list index`);
  const i = Number(t);
  if (i > list.length || (!adding && i === list.length)) throw new PatchOpError(field, `"${pointer}" does not exist: the list has ${list.length} items`);
  return i;
}

function get(doc: Json, pointer: string, field: 'path' | 'from'): Json {
  const [parent, t] = parentOf(doc, pointer, field);
  const v = child(parent, t);
  if (v === undefined) throw new PatchOpError(field, `"${pointer}" does not exist`);
  return v;
}

function remove(doc: Json, pointer: string, field: 'path' | 'from'): Json {
  const [parent, t] = parentOf(doc, pointer, field);
  if (Array.isArray(parent)) return parent.splice(indexIn(parent, t, false, field, pointer), 1)[0];
  if (!Object.prototype.hasOwnProperty.call(parent, t)) throw new PatchOpError(field, `"${pointer}" does not exist`);
  const v = parent[t];
  delete parent[t];
  return v;
}

function add(doc: Json, pointer: string, value: Json): void {
  const [parent, t] = parentOf(doc, pointer, 'path');
  if (Array.isArray(parent)) parent.splice(indexIn(parent, t, true, 'path', pointer), 0, value);
  else parent[t] = value;
}

/** True when two JSON values are equal (RFC 6902 `test`). */
function equal(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal((a as Record<string, Json>)[k], (b as Record<string, Json>)[k]));
}

/**
 * Applies one JSON patch operation to `doc` in place.
 * @throws PatchOpError when a path does not exist or a `test` fails
 */
export function applyOp(doc: Json, op: JsonPatchOp): void {
  switch (op.op) {
    case 'add':
      return add(doc, op.path, structuredClone(op.value));
    case 'remove':
      remove(doc, op.path, 'path');
      return;
    case 'replace':
      remove(doc, op.path, 'path');
      return add(doc, op.path, structuredClone(op.value));
    case 'move': {
      if (op.path.startsWith(`${op.from}/`)) throw new PatchOpError('path', `"${op.path}" is inside "${op.from}": a value cannot be moved into itself`);
      return add(doc, op.path, remove(doc, op.from, 'from'));
    }
    case 'copy':
      return add(doc, op.path, structuredClone(get(doc, op.from, 'from')));
    case 'test':
      if (!equal(get(doc, op.path, 'path'), op.value)) throw new PatchOpError('path', `"${op.path}" is not the value the test expects: ${JSON.stringify(get(doc, op.path, 'path'))}`);
  }
}

const isNamedList = (v: Json): v is Record<string, Json>[] =>
  Array.isArray(v) && v.length > 0 && v.every((i) => isContainer(i) && !Array.isArray(i) && typeof (i as Record<string, Json>).name === 'string');

/**
 * `target` with a merge patch applied (a new value; `target` is not
 * changed): mappings merged key by key, `null` removes a key, a list of
 * objects with a `name` merged into a list of such objects by name (new
 * names appended, an item `{name, $patch: delete}` removes one), any other
 * value replaces.
 */
export function mergePatch(target: Json, patch: Json): Json {
  if (isNamedList(patch) && (isNamedList(target) || (Array.isArray(target) && target.length === 0))) {
    const out = (target as Record<string, Json>[]).map((i) => i);
    for (const p of patch) {
      const at = out.findIndex((i) => i.name === p.name);
      if (p.$patch === 'delete') {
        if (at >= 0) out.splice(at, 1);
      } else if (at >= 0) out[at] = mergePatch(out[at], p) as Record<string, Json>;
      else out.push(mergePatch({}, p) as Record<string, Json>);
    }
    return out;
  }
  if (!isContainer(patch) || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isContainer(target) && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
