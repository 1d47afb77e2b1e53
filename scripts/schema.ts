/**
 * Regenerates schema/platform.schema.json and the config reference in
 * docs/configuration.md from the zod schema, with the sections the registered
 * components bring. A test fails when either is stale.
 */
import * as fs from 'fs';
import { platformConfigSchema } from '../lib/config/components';
import { platformJsonSchemaText } from '../lib/config/json-schema';
import { configReferenceMarkdown } from '../lib/config/reference';
import { REGISTRY } from '../lib/registry';
import { REFERENCE_MARKERS, REFERENCE_PAGE, replaceBetweenMarkers } from './reference-page';

const schema = platformConfigSchema(REGISTRY);
fs.mkdirSync('schema', { recursive: true });
fs.writeFileSync('schema/platform.schema.json', platformJsonSchemaText(schema));
const page = fs.readFileSync(REFERENCE_PAGE, 'utf8');
fs.writeFileSync(REFERENCE_PAGE, replaceBetweenMarkers(page, REFERENCE_MARKERS, configReferenceMarkdown(schema)));
console.log(`wrote schema/platform.schema.json and the config reference in ${REFERENCE_PAGE}`);
