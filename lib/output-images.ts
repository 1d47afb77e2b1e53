/**
 * The image references an output object holds (`npm run images`): what an
 * air-gapped site copies into its mirror. Read from the synthesized objects,
 * not the config, so the list is what the cluster will pull.
 */

/** Environment variables whose value is an image the programs start pods with. */
const IMAGE_ENV = /_IMAGE$/;

/** The image references in a value (an object of the output), found at any depth. */
export function* imageReferences(value: unknown): Generator<string> {
  if (Array.isArray(value)) {
    for (const v of value) yield* imageReferences(v);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  // A container (image), an environment variable that names one, a Helm chart's image values (repository and tag).
  if (typeof o.image === 'string') yield o.image;
  if (typeof o.name === 'string' && IMAGE_ENV.test(o.name) && typeof o.value === 'string') yield o.value;
  if (typeof o.repository === 'string' && typeof o.tag === 'string') yield `${o.repository}:${o.tag}`;
  for (const v of Object.values(o)) yield* imageReferences(v);
}
