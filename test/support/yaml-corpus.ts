/**
 * Hand-made corpus for the YAML writer's tests: strings every quoting rule of
 * YAML 1.1 and 1.2 touches, other scalars, and random nested documents built
 * from them (seeded, so every run sees the same documents).
 */

/** Strings that are not plain text in YAML, or nearly so. */
export const TRICKY_STRINGS: readonly string[] = [
  // booleans and nulls of YAML 1.1 and 1.2
  'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'nO', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'y', 'Y', 'n', 'N',
  'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL', '~', '',
  // numbers in every base and form
  '0', '00', '-0', '+0', '0123', '0o17', '0x1F', '0b101', '1e3', '1E3', '1e+3', '1.5', '-1', '.5', '+1', '0.', '1_000', '1,000',
  '.inf', '-.inf', '+.Inf', '.nan', '.NaN', '1e', 'e3', '1:20', '12:30:45', '190:20:30.15', '0.9e-3', '2e-308', '123456789012345678901234567890',
  // timestamps
  '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2002-12-14',
  // indicators
  ':', '-', '?', '- a', '? a', '-a', '?a', ':a', 'a:', 'a: b', 'a:b', 'http://x:80/y', 'a #b', '#a', 'a#b', '&a', '*a', '!tag', '!!str', '|', '|-', '>', '> x',
  '%x', '@x', '`x', '[a]', '{a}', 'a,b', '[', ']', '{', '}', ',', '"', "'", `'"`, `both ' and "`, "it's", 'say "hi"', '=', '\\', 'a\\nb',
  // options, paths and commands
  '-c', '--config_file', '--port=8001', '-1', '- ', '-- x', 'a - b', 'a, b', 'a ,b', 'x = y', '/', '/var/lib', '//x', 'sh -c', 'a  :b', 'a :b', 'a: ', 'a:  b',
  'a b', 'echo 1 2', 'Y es', 'on off', '1 2', '2001-12-14 21:59:43', '2001-12-14 21:59:43.10 -5', '12 :30',
  // document markers
  '---', '...', '--- x', '... x', '---x', 'x\n---\ny', 'x\n...\ny', '%YAML 1.2\nx',
  // whitespace
  ' lead', 'trail ', '  ', ' ', '\t', 'tab\tin', '\ttab', 'tab\t', 'a  b',
  // multi-line text
  'a\nb', 'a\nb\n', 'a\nb\n\n', 'a\nb\n\n\n', '\na', '\n\na', '  indented\nb', ' x\ny\n', 'a\n  b', 'a \nb', 'a\n\n\nb', '\n', '\n\n', 'a\n ', 'a\n \n',
  'a\n\t', 'key: value\n', '# comment\nx\n', '- item\n- item\n', 'set -u\necho "$HOME" # x\n', '{\n  "a": 1\n}\n', 'a\r\nb', 'a\rb',
  // other characters
  'é ü 日本', '\u0000', '\u0007', '\x1b', '\u0085', '\u00a0', '\u2028', '\ud800', '😀',
  // long text
  'long line '.repeat(300), 'x'.repeat(1100), `${'word '.repeat(100)}\n${'word '.repeat(100)}`,
];

/** Scalars other than strings. */
export const OTHER_SCALARS: readonly unknown[] = [0, -0, 1, -1, 1.5, 0.1, 1e21, 1e-7, 2 ** 53, NaN, Infinity, -Infinity, true, false, null, undefined];

/** A seeded pseudo-random source (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random document: a non-empty map of maps, sequences (also of sequences), empty collections and corpus scalars. */
export function randomDocument(rand: () => number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const scalar = (): unknown => (rand() < 0.8 ? pick(TRICKY_STRINGS) : pick(OTHER_SCALARS));
  const node = (depth: number): unknown => {
    const r = rand();
    if (depth > 4 || r < 0.45) return scalar();
    if (r < 0.5) return rand() < 0.5 ? {} : [];
    if (r < 0.75) return Array.from({ length: 1 + Math.floor(rand() * 3) }, () => node(depth + 1));
    return map(depth + 1);
  };
  const map = (depth: number): Record<string, unknown> => {
    const m: Record<string, unknown> = {};
    const n = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < n; i++) m[rand() < 0.6 ? pick(TRICKY_STRINGS) : `key${i}`] = node(depth);
    return m;
  };
  return map(0);
}
