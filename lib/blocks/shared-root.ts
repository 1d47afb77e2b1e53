/**
 * The shared root: one folder every cloud node mounts at the same host path.
 * The job scheduler and model manager see it at /workspace; coordinators the
 * job scheduler creates mount parts of it by host path.
 */
import { k8s } from 'cdk8s-plus-28';
import type { PlatformContext } from '../resolve/context';
import { hostPathVolume, initContainer } from './pod';

/** Where the shared root is and which folders the programs expect in it. */
export interface SharedRootProps {
  /** The host path, identical on every cloud node. */
  readonly hostPath: string;
  /** Folder (relative to the root) of the coordinators' config files. */
  readonly coordinatorConfigsDir: string;
  /** Folder (relative to the root) of the model manager's models. */
  readonly modelsDir: string;
  /** Folders of the platform's namespaces (relative to the root). */
  readonly namespaces: readonly string[];
}

/** The shared root's volume, mount and folder preparation. */
export class SharedRoot {
  /** Where programs see the root (`WORKSPACE`). */
  public static readonly MOUNT_PATH = '/workspace';
  /** The host path, identical on every cloud node (`SOURCE_MOUNT_PATH`). */
  public readonly hostPath: string;
  /** Folder of the coordinators' config files, relative to the root. */
  public readonly coordinatorConfigsDir: string;
  /** Folder of the models, relative to the root. */
  public readonly modelsDir: string;
  /** hostPath volume of type Directory: a node without the mount fails loudly. */
  public readonly volume: k8s.Volume;
  /** Mount at {@link SharedRoot.MOUNT_PATH}. */
  public readonly mount: k8s.VolumeMount;
  /** Folder names the programs expect to exist in the root. */
  public readonly folders: readonly string[];

  constructor(private readonly context: PlatformContext, props: SharedRootProps) {
    this.hostPath = props.hostPath;
    this.coordinatorConfigsDir = props.coordinatorConfigsDir;
    this.modelsDir = props.modelsDir;
    const { volume, mount } = hostPathVolume('shared-root', this.hostPath, 'Directory', SharedRoot.MOUNT_PATH);
    this.volume = volume;
    this.mount = mount;
    this.folders = [...new Set([props.coordinatorConfigsDir, props.modelsDir, ...props.namespaces])];
  }

  /**
   * An init container that creates the folders (the job scheduler's `mkdir`
   * of coordinator configs is not recursive, so they must exist before jobs run).
   */
  public prepareContainer(): k8s.Container {
    const dirs = this.folders.map((f) => `${SharedRoot.MOUNT_PATH}/${f}`).join(' ');
    return initContainer(this.context, 'prepare-shared-root', `mkdir -p ${dirs}`, [this.mount], true);
  }
}
