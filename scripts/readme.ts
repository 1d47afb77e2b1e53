/** The generated part of the README: the config reference between two markers. */

/** Markers around the generated config reference. */
export const README_MARKERS = ['<!-- config-reference:start -->', '<!-- config-reference:end -->'] as const;

/** `text` with what lies between the markers replaced by `content`. */
export function replaceBetweenMarkers(text: string, [start, end]: readonly [string, string], content: string): string {
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i === -1 || j < i) throw new Error(`README.md lacks the markers ${start} … ${end}`);
  return `${text.slice(0, i + start.length)}\n${content}${text.slice(j)}`;
}
