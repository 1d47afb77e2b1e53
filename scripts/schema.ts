/**
 * Regenerates schema/platform.schema.json and the config reference in the
 * README from the zod schema. A test fails when either is stale.
 */
import * as fs from 'fs';
import { configReferenceMarkdown, platformJsonSchemaText } from '../lib/config/json-schema';
import { README_MARKERS, replaceBetweenMarkers } from './readme';

fs.mkdirSync('schema', { recursive: true });
fs.writeFileSync('schema/platform.schema.json', platformJsonSchemaText());
const readme = fs.readFileSync('README.md', 'utf8');
fs.writeFileSync('README.md', replaceBetweenMarkers(readme, README_MARKERS, configReferenceMarkdown()));
console.log('wrote schema/platform.schema.json and the README config reference');
