/**
 * The client selector: a gRPC service that keeps the registry of task
 * managers and picks clients for jobs. Reads a JSON config file.
 */
import { Construct } from 'constructs';
import { platformImage } from '../images';
import { renderSelectorConfig } from '../render/selector-config';
import { defineComponent } from '../blocks/define';
import { env, securityContext, tcpProbes } from '../blocks/pod';
import { CONFIG_VOLUME, ComponentProps, ProgramService, ProgramWorkload } from '../blocks/workload';
import { COMPONENT } from '../labels';

/** Where the config file is mounted. */
const CONFIG_DIR = '/etc/nsfl';
const CONFIG_FILE = 'selector.json';

/** Props of {@link ClientSelector}. */
export interface ClientSelectorProps extends ComponentProps {
  /** gRPC port (config `port`). */
  readonly port: number;
  /** Log level (`--log_level`). */
  readonly logLevel: string;
  /** Authenticate clients (config `auth_client`). */
  readonly authClient: boolean;
  /** Optimal selection (config `optimal_select`). */
  readonly optimalSelect: boolean;
  /**
   * Evaluator name to weight (config `strategy`).
   * @default the program's own
   */
  readonly strategy?: Record<string, number>;
  /** Seconds between a single task manager's heartbeats (`SINGLE_HEART`). */
  readonly singleHeartbeat: number;
  /** Seconds between a cluster task manager's heartbeats (`CLUSTER_HEART`). */
  readonly clusterHeartbeat: number;
}

/** The client selector: Deployment, Service and its config file. */
export class ClientSelector extends Construct {
  /** The Service other components address it by. */
  public readonly service: ProgramService;

  constructor(scope: Construct, id: string, props: ClientSelectorProps) {
    super(scope, id);
    const { context } = props;
    const configJson = renderSelectorConfig({ port: props.port, authClient: props.authClient, optimalSelect: props.optimalSelect, strategy: props.strategy });
    this.service = new ProgramWorkload(this, 'Workload', {
      context,
      component: COMPONENT.clientSelector,
      ports: [{ name: 'grpc', port: props.port }],
      configFiles: { [CONFIG_FILE]: configJson },
      image: platformImage(context, clientSelectorComponent.image, props.image),
      resources: props.resources,
      defaultResources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      container: {
        // The log level in the file is ignored: logging is set up before the file is read.
        command: ['python3.7', '-m', 'neursafe_fl.python.selector.app', '--config_file', `${CONFIG_DIR}/${CONFIG_FILE}`, '--log_level', props.logLevel],
        env: env({ SINGLE_HEART: props.singleHeartbeat, CLUSTER_HEART: props.clusterHeartbeat, ...props.env }),
        // gRPC: the program registers no health service.
        ...tcpProbes(props.port),
        securityContext: securityContext({ root: true }),
        volumeMounts: [{ name: CONFIG_VOLUME, mountPath: CONFIG_DIR }],
      },
    }).service;
  }
}

/** The client selector in the registry. */
export const clientSelectorComponent = defineComponent({
  name: COMPONENT.clientSelector,
  image: 'nsfl-selector',
  configKey: 'clientSelector',
  build: (scope, { model: { context, sections } }) => new ClientSelector(scope, 'ClientSelector', { context, ...sections.clientSelector }),
});
