/**
 * Loading a config, as the command line and the library do it: read the
 * file (config layer), validate its shape, then check and resolve it
 * (resolve layer). Every problem comes back located in the file. The
 * components' sections and per-component rules come from the registry,
 * handed to those layers here.
 */
import { ComponentDefinition } from './blocks/define';
import { platformConfigSchema } from './config/components';
import { ConfigIssue } from './config/errors';
import { Locate, readConfigFile, validateConfig } from './config/load';
import { Config } from './config/schema';
import { ItemCache } from './config/yaml-source';
import type { LocalCache } from './local-cache';
import type { EdgeSite } from './resolve/fleet';
import type { PlatformModel } from './resolve/model';
import { resolvePlatform } from './resolve/platform';
import { platformComponents } from './registry';

/** A valid config, resolved, and the warnings found on the way. */
export interface LoadedConfig {
  /** The parsed config with every default applied and its image references under `images.mirror` (when set). */
  readonly config: Config;
  /** The enabled edge nodes, resolved (defaults, profile and overrides merged) and sorted by name. */
  readonly edgeSites: readonly EdgeSite[];
  /** Risky but legal settings, to be printed. */
  readonly warnings: readonly ConfigIssue[];
  /** The task manager port of every edge node (disabled ones too), by node name: what the output records. */
  readonly edgePorts: ReadonlyMap<string, number>;
  /** Everything the constructs are built from, resolved once: what `buildPlatform` takes. */
  readonly model: PlatformModel;
  /** The components it was checked for, in build order: the registered ones, then `LoadOptions.components`. */
  readonly components: readonly ComponentDefinition[];
  /**
   * Where a field path is written in the file, for problems synth finds (a patch that targets nothing).
   * @default no line known
   */
  readonly locate?: Locate;
  /**
   * The config file's name, as problems found at synth name it.
   * @default none
   */
  readonly file?: string;
}

/** What a load takes from outside the config file. */
export interface LoadOptions {
  /** Edge nodes' ports recorded by the previous synth (the output folder's record); default: none. */
  readonly previousPorts?: ReadonlyMap<string, number>;
  /**
   * Components besides the registered ones (a library user's own): their
   * config sections are accepted and checked too. Build with the same ones.
   * @default none
   */
  readonly components?: readonly ComponentDefinition[];
  /**
   * The local caches, of which one holds the edge nodes' parsed items (config/yaml-source.ts), so that a run parses
   * only the nodes whose text changed.
   * @default none: the whole file is parsed
   */
  readonly cache?: LocalCache;
}

/**
 * Loads, validates and resolves a config file.
 * @throws ConfigError with every problem found, when there is at least one error.
 */
export function loadConfig(file: string, options: LoadOptions = {}): LoadedConfig {
  return parseConfig(readConfigFile(file), file, options);
}

/**
 * Validates and resolves config text; `file` is only used in messages.
 * @throws ConfigError with every problem found, when there is at least one error.
 */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): LoadedConfig {
  const previous = options.previousPorts ?? new Map<string, number>();
  const components = platformComponents(options.components);
  // The resolved config (images under images.mirror) replaces the parsed one; `locate` still finds each field in the file.
  const cache = new ItemCache(options.cache, file);
  const { result, warnings, locate } = validateConfig(text, file, (c) => resolvePlatform(c, previous, components), platformConfigSchema(components), cache);
  cache.save();
  return { warnings, ...result, components, locate, file };
}
