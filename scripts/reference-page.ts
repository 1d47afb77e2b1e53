/** The generated part of docs/configuration.md: the config reference between two markers. */

/** The page that holds the generated config reference. */
export const REFERENCE_PAGE = 'docs/configuration.md';

/** Markers around the generated config reference. */
export const REFERENCE_MARKERS = ['<!-- config-reference:start -->', '<!-- config-reference:end -->'] as const;

/** `text` with what lies between the markers replaced by `content`. */
export function replaceBetweenMarkers(text: string, [start, end]: readonly [string, string], content: string): string {
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i === -1 || j < i) throw new Error(`${REFERENCE_PAGE} lacks the markers ${start} … ${end}`);
  return `${text.slice(0, i + start.length)}\n${content}${text.slice(j)}`;
}
