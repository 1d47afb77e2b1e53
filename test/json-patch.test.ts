/**
 * The patch forms of `patches` (RFC 6902 JSON patch, the merge patch with
 * named lists) and the affinity merge, on plain values.
 */
import type { JsonPatchOp } from '../lib/config/workloads';
import { applyOp, mergePatch, PatchOpError } from '../lib/overrides/json-patch';
import { mergeAffinity } from '../lib/overrides/placement';

const patched = (doc: unknown, ...ops: JsonPatchOp[]): any => {
  const out = structuredClone(doc);
  for (const op of ops) applyOp(out, op);
  return out;
};

const failure = (doc: unknown, op: JsonPatchOp) => {
  try {
    applyOp(structuredClone(doc), op);
  } catch (e) {
    if (e instanceof PatchOpError) return [e.field, e.message];
    throw e;
  }
  return undefined;
};

describe('JSON patch (RFC 6902)', () => {
  const doc = { a: { 'b/c': 1, 'd~e': 2 }, list: ['x', 'y'] };

  test('every operation, with ~1 and ~0 escapes and "-" for the end of a list', () => {
    expect(patched(doc, { op: 'add', path: '/list/-', value: 'z' }, { op: 'add', path: '/list/0', value: 'w' }).list).toEqual(['w', 'x', 'y', 'z']);
    expect(patched(doc, { op: 'remove', path: '/a/b~1c' }).a).toEqual({ 'd~e': 2 });
    expect(patched(doc, { op: 'replace', path: '/a/d~0e', value: 3 }).a).toEqual({ 'b/c': 1, 'd~e': 3 });
    expect(patched(doc, { op: 'move', from: '/list/0', path: '/first' })).toEqual({ a: doc.a, list: ['y'], first: 'x' });
    expect(patched(doc, { op: 'copy', from: '/a', path: '/copy' }).copy).toEqual(doc.a);
    expect(patched(doc, { op: 'test', path: '/list', value: ['x', 'y'] })).toEqual(doc);
  });

  test('a path that does not exist, an index out of range or a failed test is an error naming the field at fault', () => {
    expect(failure(doc, { op: 'add', path: '/missing/x', value: 1 })).toEqual(['path', '"/missing/x" does not exist: "/missing" is not in the object']);
    expect(failure(doc, { op: 'replace', path: '/a/nope', value: 1 })).toEqual(['path', '"/a/nope" does not exist']);
    expect(failure(doc, { op: 'remove', path: '/list/2' })).toEqual(['path', '"/list/2" does not exist: the list has 2 items']);
    expect(failure(doc, { op: 'move', from: '/nope', path: '/x' })).toEqual(['from', '"/nope" does not exist']);
    expect(failure(doc, { op: 'test', path: '/list/0', value: 'y' })?.[0]).toBe('path');
    expect(failure(doc, { op: 'move', from: '/a', path: '/a/inner' })?.[1]).toContain('cannot be moved into itself');
  });
});

describe('merge patch', () => {
  const pod = { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'b:1' }], dnsPolicy: 'ClusterFirst', args: ['--x'] };

  test('maps merge, null removes, named lists merge by name, other lists are replaced; the target is left alone', () => {
    const before = structuredClone(pod);
    const out = mergePatch(pod, { containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }] }, { name: 'c', image: 'c:1' }], dnsPolicy: null, args: ['--y'] });
    expect(out).toEqual({
      containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }, { name: 'b', image: 'b:1' }, { name: 'c', image: 'c:1' }],
      args: ['--y'],
    });
    expect(pod).toEqual(before);
  });

  test('$patch: delete removes an item of a named list', () => {
    expect(mergePatch(pod, { containers: [{ name: 'b', $patch: 'delete' }] })).toEqual({ ...pod, containers: [pod.containers[0]] });
  });
});

describe('affinity merge', () => {
  const generated = {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/edge', operator: 'DoesNotExist' }] }] } },
  };

  test('every configured term keeps the generated requirements; preferences are added', () => {
    const zone = (z: string) => ({ matchExpressions: [{ key: 'zone', operator: 'In' as const, values: [z] }] });
    const out = mergeAffinity(generated, {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [zone('a'), { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: zone('b') }],
      },
    });
    expect(out.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [generated.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0], zone('a').matchExpressions[0]] },
      { matchExpressions: generated.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions,
        matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
    ]);
    expect(out.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([{ weight: 10, preference: zone('b') }]);
    expect(generated.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toHaveLength(1);
  });

  test('without a generated rule, the configured affinity is taken as is', () => {
    const podAntiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] };
    expect(mergeAffinity(undefined, { podAntiAffinity })).toEqual({ podAntiAffinity });
  });
});
