/**
 * Imports run one way: config → resolve → constructs → output. Checking a
 * config never pulls in the construct layer, so the config and resolve
 * layers can be used (and tested) on their own. The component registry
 * lists the components' definitions, constructs included: it sits at the
 * top, and hands the lower layers its entries' data (lib/load.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './support/platform';

const LIB = path.join(ROOT, 'lib');

/** The project modules a file imports (relative imports resolved, without extension), relative to lib/. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => path.relative(LIB, path.resolve(path.dirname(file), m[1])));
}

function modules(dir: string): string[] {
  return fs.readdirSync(path.join(LIB, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(LIB, dir, f));
}

/** The top layer: the modules that compose the constructs into the platform. */
const TOP = ['registry', 'platform', 'load', 'synth', 'neursafe-platform', 'index'];

/** What each lower layer may import. */
const ALLOWED: Record<string, (target: string) => boolean> = {
  config: (t) => t.startsWith('config/'),
  // Names and images are derived from the config alone; the resolve layer uses them.
  resolve: (t) => t.startsWith('config/') || t.startsWith('resolve/') || t === 'labels' || t === 'images',
  // The building blocks every component is made of: never a component, nor what composes them.
  blocks: (t) => !TOP.includes(t) && !t.startsWith('components/') && (!t.startsWith('network/') || t === 'network/flows'),
  // Constructs never import what composes them (the registry, the platform, loading, synthesis).
  components: (t) => !TOP.includes(t),
  // The flows and the NetworkPolicies drawn from them: data about the components, never the components themselves.
  network: (t) => !TOP.includes(t) && !t.startsWith('components/'),
  edge: (t) => !TOP.includes(t),
  gitops: (t) => !TOP.includes(t),
  // The config's additions work on rendered objects (plain JSON): they never see a construct.
  overrides: (t) => t.startsWith('config/') || t.startsWith('resolve/') || t.startsWith('overrides/') || t === 'labels' || t === 'outdir/documents',
  overview: (t) => !TOP.includes(t),
};

test.each(Object.keys(ALLOWED))('lib/%s/ imports nothing from a higher layer', (layer) => {
  const wrong = modules(layer).flatMap((file) => importsOf(file).filter((t) => !ALLOWED[layer](t)).map((t) => `${path.relative(ROOT, file)} imports lib/${t}`));
  expect(wrong).toEqual([]);
});

test('names and images are derived from the config alone', () => {
  for (const file of ['labels.ts', 'images.ts']) {
    expect(importsOf(path.join(LIB, file)).filter((t) => !t.startsWith('config/'))).toEqual([]);
  }
});

/** The construct layers: what is built from the resolved model. */
const CONSTRUCTS = ['blocks', 'components', 'edge', 'gitops', 'network', 'overview'];

/** The value (not `import type`) imports of a file: [names, module] pairs, with relative modules resolved against lib/. */
function valueImports(file: string): { names: string[]; target: string }[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^import (?!type )\{([^}]*)\} from '(\.[^']+)';$/gm)].map((m) => ({
    names: m[1].split(',').map((n) => n.trim()).filter((n) => n !== '' && !n.startsWith('type ')),
    target: path.relative(LIB, path.resolve(path.dirname(file), m[2])),
  }));
}

describe('the config is resolved once (lib/load.ts), into the model the constructs are built from', () => {
  const above = [...CONSTRUCTS.flatMap(modules), ...TOP.filter((t) => t !== 'load' && t !== 'index').map((t) => path.join(LIB, `${t}.ts`))];

  test('no function of resolve/ is called from the constructs or the layer that composes them: only its types and constants', () => {
    const wrong = above.flatMap((file) =>
      valueImports(file)
        .filter((i) => i.target.startsWith('resolve/'))
        .flatMap((i) => i.names.filter((n) => !/^[A-Z0-9_]+$/.test(n)).map((n) => `${path.relative(ROOT, file)} imports ${n} from lib/${i.target}`)),
    );
    expect(wrong).toEqual([]);
  });

  test('no construct receives the raw config: none names its type, and the parts a component is built from hold the model instead', () => {
    const wrong = above.filter((file) => /\bConfig\b[^'\n]*from '[./]+config\/schema'/.test(fs.readFileSync(file, 'utf8'))).map((f) => path.relative(ROOT, f));
    expect(wrong).toEqual([]);
    expect(fs.readFileSync(path.join(LIB, 'blocks/define.ts'), 'utf8')).not.toMatch(/readonly config\b/);
  });
});
