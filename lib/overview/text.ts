/** Small text helpers of the picture of the platform. */

/** Distinct values, in order. */
export const distinct = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** `a–b` or `a` for a set of numbers. */
export function range(ns: readonly number[]): string {
  const sorted = distinct(ns).sort((a, b) => a - b);
  return sorted.length === 1 ? String(sorted[0]) : `${sorted[0]}–${sorted[sorted.length - 1]}`;
}

/** `n thing` or `n things`. */
export const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
