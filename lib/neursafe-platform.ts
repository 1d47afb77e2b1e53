/**
 * The whole platform as one construct, for other cdk8s apps: the same charts
 * `npm run synth` writes, built from a config object validated exactly as
 * platform.yaml is (schema, defaults, cross-field rules, edge fleet).
 */
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { LoadedConfig, parseConfig } from './load';
import { overrideFieldsSet } from './overrides';
import { buildPlatform, PlatformParts } from './platform';
import { Proxy } from './components/proxy';
import type { PlatformContext } from './resolve/context';
import { DatabaseConnection } from './blocks/database-client';
import { ComponentDefinition } from './blocks/define';
import { EdgeTls } from './edge/fleet';

/** Props of {@link NeursafePlatform}. */
export interface NeursafePlatformProps {
  /**
   * The platform's config: an object shaped like platform.yaml, validated
   * here (an invalid one throws a ConfigError listing every problem), or a
   * config already loaded with `loadConfig`/`parseConfig`.
   */
  readonly config: LoadedConfig | Readonly<Record<string, unknown>>;
  /**
   * Where errors in a config object are said to be.
   * @default '<NeursafePlatform props.config>'
   */
  readonly configName?: string;
  /**
   * Components of your own (made with `defineComponent`), built after the
   * registered ones; their config sections are accepted and checked in
   * `config`. A loaded config brings its own (`LoadOptions.components`).
   * @default none
   */
  readonly components?: readonly ComponentDefinition[];
}

/** A loaded config (from `loadConfig`/`parseConfig`), not a config object. */
function isLoaded(config: NeursafePlatformProps['config']): config is LoadedConfig {
  return 'edgeSites' in config && 'warnings' in config && 'config' in config;
}

/**
 * The Neursafe FL platform: one chart per output file (the cluster-scoped
 * objects, the database, the platform, the edge fleet, the Argo CD wiring)
 * under this construct.
 */
export class NeursafePlatform extends Construct {
  /** The validated config, its resolved edge sites and its warnings. */
  public readonly loaded: LoadedConfig;
  /** Names, labels, namespace and images of the platform instance (for constructs added beside it). */
  public readonly context: PlatformContext;
  /** The database as cloud programs reach it. */
  public readonly database: DatabaseConnection;
  /** The database as edge nodes reach it. */
  public readonly edgeDatabase: DatabaseConnection;
  /** The proxy: task managers' gRPC entry. */
  public readonly proxy: Proxy;
  /** host:port at which edge nodes reach the proxy, when the config says. */
  public readonly edgeProxyAddress?: string;
  /** The edge nodes' certificates, when TLS is on: give an edge site added by hand its own with `edgeSiteWiring`. */
  public readonly edgeTls?: EdgeTls;

  constructor(scope: Construct, id: string, props: NeursafePlatformProps) {
    super(scope, id);
    this.loaded = isLoaded(props.config)
      ? props.config
      : parseConfig(stringify(props.config), props.configName ?? '<NeursafePlatform props.config>', { components: props.components });
    const synthOnly = overrideFieldsSet(this.loaded.config, this.loaded.components);
    if (synthOnly.length > 0) {
      throw new Error(
        `${synthOnly.join(', ')}: applied by synth to the rendered objects (synthFiles, npm run synth), not by the NeursafePlatform construct; ` +
          'drop them from its config, or add and patch objects in your own charts',
      );
    }
    const parts: PlatformParts = buildPlatform(this, this.loaded.model, this.loaded.components);
    this.context = parts.context;
    this.database = parts.database;
    this.edgeDatabase = parts.edgeDatabase;
    this.proxy = parts.proxy;
    this.edgeProxyAddress = parts.edgeProxyAddress;
    this.edgeTls = parts.edgeTls;
  }
}
