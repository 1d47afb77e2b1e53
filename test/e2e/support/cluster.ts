/**
 * A pretend cluster with no Kubernetes: every pod is a network namespace
 * (veth to a bridge in a namespace of the test's own, addresses from
 * 10.250.0.0/24 only) and every container a private mount namespace whose
 * root is assembled from the host's folders, with each volume bound at its
 * mountPath exactly as the pod spec says (ConfigMap and Secret files with
 * their items and modes, hostPath folders of the pod's node, emptyDirs), the
 * pod's /etc/hosts and /etc/resolv.conf, then `chroot` into it and the
 * container's command with its resolved environment. Service names resolve
 * through one host table (every pod's /etc/hosts, and a small DNS responder
 * at cluster.dnsServiceIP for the proxy's Lua).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SecretStore } from './certs';
import { IN_POD, POD_PYTHONPATH, POD_RUNTIME, Runtime } from './vendor';

export const SUBNET_PREFIX = '10.250.0.';

/** Images whose programs the tests replace with Debian's, and what each image's own default command is. */
export interface ImageDefaults {
  /** Debian's stand-in for the image's command when the spec gives none. */
  command?: string[];
  /** PATH inside the container. */
  path: string;
  /** Extra environment the image sets. */
  env?: Record<string, string>;
  /** Extra binds (host path → path in the container) the image ships. */
  binds?: [string, string][];
}

/** The volume kinds the kubelet always mounts read-only (`GetAttributes().ReadOnly` of their plugins). */
const API_DATA_VOLUMES = ['configMap', 'secret', 'projected', 'downwardAPI'] as const;

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const PLATFORM_ENTRYPOINTS: Record<string, string> = {
  'nsfl-job-scheduler:': 'neursafe_fl.python.job_scheduler.app',
  'nsfl-model-manager:': 'neursafe_fl.python.model_manager.app',
  'nsfl-coordinator:': 'neursafe_fl.python.coordinator.app',
  'nsfl-client-cpu': 'neursafe_fl.python.client.app',
};

/** Debian's stand-ins for the images. */
export function imageDefaults(image: string, rt: Runtime): ImageDefaults {
  if (/\/nsfl-proxy:/.test(image)) {
    // OpenResty has stream and Lua built in; Debian's nginx loads them as modules.
    return { command: ['nginx', '-p', '/nginx', '-c', '/nginx/conf/nginx.conf', '-g', 'daemon off;'], path: SYSTEM_PATH, binds: [[rt.proxyLua, '/nginx/lua']] };
  }
  if (/(^|\/)nginx:/.test(image)) {
    // The official image has the stream module built in.
    return { command: ['nginx', '-g', 'daemon off;'], path: SYSTEM_PATH };
  }
  if (/\/neursafe\/nsfl-|nsfl-client-cpu|nsfl-coordinator/.test(image)) {
    // The images' ENTRYPOINTs (deploy/docker-images/dockerfiles/ upstream).
    const entry = Object.entries(PLATFORM_ENTRYPOINTS).find(([k]) => image.includes(`/${k}`));
    return { command: entry ? ['python3.7', '-m', entry[1]] : undefined, path: `${POD_RUNTIME.bin}:${SYSTEM_PATH}`, env: { PYTHONPATH: POD_PYTHONPATH, PYTHONUNBUFFERED: '1' } };
  }
  if (/alpine\/k8s/.test(image)) return { path: `${IN_POD}/kubectl-bin:${SYSTEM_PATH}`, env: { KUBECTL_STANDIN_STORE: '/tmp' } };
  if (/busybox/.test(image)) return { path: `${POD_RUNTIME.busybox}:${SYSTEM_PATH}` };
  if (/(^|\/)postgres:/.test(image)) {
    const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
    return { path: `/usr/lib/postgresql/${versions[0]}/bin:${SYSTEM_PATH}` };
  }
  return { path: SYSTEM_PATH };
}

/**
 * Debian's nginx has stream (and, for the proxy, Lua) as dynamic modules,
 * which OpenResty and the official image have built in: load them with -g.
 */
export function withDebianModules(cmd: string[], image: string): string[] {
  const mods = /nsfl-proxy/.test(image)
    ? 'load_module /usr/lib/nginx/modules/ngx_stream_module.so; load_module /usr/lib/nginx/modules/ndk_http_module.so; load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;'
    : 'load_module /usr/lib/nginx/modules/ngx_stream_module.so;';
  const i = cmd.indexOf('-g');
  if (i >= 0) {
    const out = [...cmd];
    if (!out[i + 1].includes('load_module')) out[i + 1] = `${out[i + 1]} ${mods}`;
    return out;
  }
  return [...cmd, '-g', mods];
}

/** A running container process. */
export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  log(): string;
  readonly exited: Promise<number | null>;
}

export interface PodOptions {
  /** The pod's address (also the node's, for hostNetwork pods). */
  ip: string;
  /** More addresses on the pod's interface (e.g. the cloud node's address for a NodePort). */
  extraIps?: string[];
  /** Node name: hostPath volumes are that node's folders (cloud nodes share one, as the shared root requires). */
  node: string;
  /** nameserver of /etc/resolv.conf (the pod's dnsConfig, else the cluster DNS). */
  nameserver?: string;
  searches?: string[];
}

export interface Pod {
  readonly name: string;
  readonly netns: string;
  readonly ip: string;
  readonly node: string;
  readonly dir: string;
}

export interface ContainerOptions {
  /** Environment entries replaced or removed (undefined) after resolving the spec's: test-time stand-ins, listed in the README. */
  envOverrides?: Record<string, string | undefined>;
  /** Replaces the command and args (a stand-in). */
  command?: string[];
  /** Files replaced in the container after mounting: path in the container → content (test-time edits, listed in the README). */
  fileOverrides?: Record<string, string>;
  /** User to run as (the spec's runAsUser mapped to a local user). */
  user?: string;
}

/** The cluster. */
export class Cluster {
  readonly hostsFile: string;
  private readonly procs: Proc[] = [];
  private readonly pods: Pod[] = [];
  private readonly hostEntries = new Map<string, string>();
  private bridgeUp = false;
  /** This run's hold on its tag (see {@link holdTag}). */
  private tagLock?: string;
  /** The cluster DNS address (where the DNS stand-in answers). */
  dnsServer?: string;
  private podCount = 0;

  /**
   * @param tag short, unique per test file (netns names are `nsfl<tag>-...`)
   * @param dir the test's temp folder
   */
  constructor(
    readonly tag: string,
    readonly dir: string,
    readonly rt: Runtime,
    readonly objects: any[],
    readonly secrets: SecretStore,
  ) {
    this.hostsFile = path.join(dir, 'hosts');
    fs.writeFileSync(this.hostsFile, '127.0.0.1 localhost\n');
  }

  get bridgeNs(): string {
    return `nsfl${this.tag}-net`;
  }

  /** Removes namespaces (and their processes) left by an earlier, killed run of this tag. */
  static cleanStale(tag: string): void {
    const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
    for (const line of list.split('\n')) {
      const name = line.split(' ')[0];
      if (name.startsWith(`nsfl${tag}-`)) killNetns(name);
    }
  }

  private sh(args: string[]): string {
    return execFileSync(args[0], args.slice(1), { encoding: 'utf8', stdio: 'pipe' });
  }

  private ensureBridge(): void {
    if (this.bridgeUp) return;
    this.tagLock = holdTag(this.tag);
    Cluster.cleanStale(this.tag);
    this.sh(['ip', 'netns', 'add', this.bridgeNs]);
    const ns = ['ip', 'netns', 'exec', this.bridgeNs];
    this.sh([...ns, 'ip', 'link', 'set', 'lo', 'up']);
    this.sh([...ns, 'ip', 'link', 'add', 'br0', 'type', 'bridge']);
    // A fixed address: a bridge otherwise takes its ports' lowest MAC, which changes as pods join, and stale ARP entries drop packets to it.
    this.sh([...ns, 'ip', 'link', 'set', 'br0', 'address', '02:00:0a:fa:00:01']);
    this.sh([...ns, 'ip', 'link', 'set', 'br0', 'up']);
    this.bridgeUp = true;
  }

  /** The bridge's own address (e.g. the cluster DNS Service IP, where the DNS responder runs). */
  bridgeAddress(ip: string): void {
    this.ensureBridge();
    this.sh(['ip', 'netns', 'exec', this.bridgeNs, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'br0']);
  }

  /** Adds names → ip to the host table (every pod's /etc/hosts and the DNS responder). */
  addHost(ip: string, names: string[]): void {
    for (const n of names) this.hostEntries.set(n, ip);
    const lines = ['127.0.0.1 localhost', ...[...this.hostEntries].map(([n, i]) => `${i} ${n}`)];
    // Written in place: the pods' bind mounts keep seeing the same inode.
    fs.writeFileSync(this.hostsFile, `${lines.join('\n')}\n`);
  }

  lookup(name: string): string | undefined {
    return this.hostEntries.get(name);
  }

  /** A pod: its network namespace, one veth to the bridge, its addresses. */
  pod(name: string, options: PodOptions): Pod {
    this.ensureBridge();
    const n = this.podCount++;
    const netns = `nsfl${this.tag}-${name}`.slice(0, 40);
    const dir = path.join(this.dir, 'pods', name);
    fs.mkdirSync(dir, { recursive: true });
    this.sh(['ip', 'netns', 'add', netns]);
    const host = `v${this.tag}${n}h`.slice(0, 15);
    const peer = `v${this.tag}${n}p`.slice(0, 15);
    this.sh(['ip', 'netns', 'exec', this.bridgeNs, 'ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
    this.sh(['ip', 'netns', 'exec', this.bridgeNs, 'ip', 'link', 'set', peer, 'netns', netns]);
    this.sh(['ip', 'netns', 'exec', this.bridgeNs, 'ip', 'link', 'set', host, 'master', 'br0', 'up']);
    const inNs = ['ip', 'netns', 'exec', netns];
    this.sh([...inNs, 'ip', 'link', 'set', 'lo', 'up']);
    this.sh([...inNs, 'ip', 'link', 'set', peer, 'name', 'eth0']);
    this.sh([...inNs, 'ip', 'addr', 'add', `${options.ip}/24`, 'dev', 'eth0']);
    for (const extra of options.extraIps ?? []) this.sh([...inNs, 'ip', 'addr', 'add', `${extra}/24`, 'dev', 'eth0']);
    this.sh([...inNs, 'ip', 'link', 'set', 'eth0', 'up']);
    const resolv = [`nameserver ${options.nameserver ?? '127.0.0.53'}`, ...(options.searches?.length ? [`search ${options.searches.join(' ')}`] : [])];
    fs.writeFileSync(path.join(dir, 'resolv.conf'), `${resolv.join('\n')}\n`);
    const pod = { name, netns, ip: options.ip, node: options.node, dir };
    this.pods.push(pod);
    return pod;
  }

  /** The host folder that stands for `hostPath` on `node`. */
  nodePath(node: string, hostPath: string): string {
    return path.join(this.dir, 'nodes', node, hostPath);
  }

  /** An object of the output. */
  get(kind: string, name: string): any {
    const o = this.objects.find((x) => x.kind === kind && x.metadata?.name === name);
    if (!o) throw new Error(`no ${kind} ${name} in the generated output`);
    return o;
  }

  /** The value of an env entry of the spec (value, secretKeyRef, configMapKeyRef, fieldRef). */
  envValue(e: any, pod: Pod, podName: string): string | undefined {
    if (e.value !== undefined) return String(e.value);
    const from = e.valueFrom;
    if (!from) return '';
    if (from.secretKeyRef) {
      const v = this.secrets.get(from.secretKeyRef.name)?.get(from.secretKeyRef.key);
      if (v === undefined) {
        if (from.secretKeyRef.optional) return undefined;
        throw new Error(`env ${e.name}: no Secret ${from.secretKeyRef.name} key ${from.secretKeyRef.key}`);
      }
      return v.toString('utf8');
    }
    if (from.configMapKeyRef) return String(this.get('ConfigMap', from.configMapKeyRef.name).data[from.configMapKeyRef.key]);
    if (from.fieldRef) {
      const f = from.fieldRef.fieldPath;
      const values: Record<string, string> = { 'status.podIP': pod.ip, 'status.hostIP': pod.ip, 'metadata.name': podName, 'metadata.namespace': 'neursafe-fl', 'spec.nodeName': pod.node };
      if (!(f in values)) throw new Error(`env ${e.name}: unsupported fieldRef ${f}`);
      return values[f];
    }
    throw new Error(`env ${e.name}: unsupported valueFrom`);
  }

  /** The variables of a container's `envFrom` sources, in order (a later source wins), as the kubelet sets them before `env`. */
  envFromValues(container: any): Record<string, string> {
    const values: Record<string, string> = {};
    for (const from of container.envFrom ?? []) {
      const ref = from.configMapRef ?? from.secretRef;
      const configMap = from.configMapRef && this.objects.find((x) => x.kind === 'ConfigMap' && x.metadata?.name === ref.name);
      const secret = from.secretRef && this.secrets.get(ref.name);
      const data: [string, string][] | undefined = configMap
        ? Object.entries(configMap.data ?? {}).map(([k, v]) => [k, String(v)])
        : secret && [...secret.entries()].map(([k, v]) => [k, v.toString('utf8')]);
      if (data === undefined) {
        if (ref.optional) continue;
        throw new Error(`container ${container.name}: envFrom ${from.configMapRef ? 'ConfigMap' : 'Secret'} ${ref.name} is not in the output`);
      }
      for (const [k, v] of data) values[`${from.prefix ?? ''}${k}`] = v;
    }
    return values;
  }

  /** Materializes a volume of a pod spec on the host; returns its folder (or the hostPath's node folder). */
  private volumeSource(pod: Pod, volume: any, fsGroup?: number): string {
    const dir = path.join(pod.dir, 'volumes', volume.name);
    if (volume.hostPath) {
      const p = this.nodePath(pod.node, volume.hostPath.path);
      const type = volume.hostPath.type ?? '';
      if (type === 'Directory' && !fs.existsSync(p)) throw new Error(`hostPath ${volume.hostPath.path} (type Directory) does not exist on node ${pod.node}`);
      if (!fs.existsSync(p) && type !== 'File' && type !== 'FileOrCreate') fs.mkdirSync(p, { recursive: true });
      return p;
    }
    if (fs.existsSync(dir)) return dir; // shared by the pod's containers
    fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
    if (volume.emptyDir) {
      fs.chmodSync(dir, 0o777);
      return dir;
    }
    const write = (rel: string, content: Buffer | string, mode: number) => {
      const f = path.join(dir, rel);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, content);
      if (fsGroup !== undefined) {
        fs.chownSync(f, 0, fsGroup);
        // Kubernetes adds group read for fsGroup.
        mode |= (mode & 0o400) >> 3;
      }
      fs.chmodSync(f, mode);
    };
    const fromSource = (kind: 'secret' | 'configMap', src: any, defaultMode: number) => {
      const name = kind === 'secret' ? src.secretName ?? src.name : src.name;
      let data: Map<string, Buffer | string>;
      if (kind === 'secret') {
        const s = this.secrets.get(name);
        if (!s) {
          if (src.optional) return;
          throw new Error(`volume ${volume.name}: no Secret ${name}`);
        }
        data = s;
      } else {
        data = new Map(Object.entries(this.get('ConfigMap', name).data ?? {}));
      }
      const items: { key: string; path: string; mode?: number }[] = src.items ?? [...data.keys()].map((k) => ({ key: k, path: k }));
      for (const item of items) {
        const v = data.get(item.key);
        if (v === undefined) throw new Error(`volume ${volume.name}: ${kind} ${name} has no key ${item.key}`);
        write(item.path, v, item.mode ?? defaultMode);
      }
    };
    if (volume.configMap) fromSource('configMap', volume.configMap, volume.configMap.defaultMode ?? 0o644);
    else if (volume.secret) fromSource('secret', volume.secret, volume.secret.defaultMode ?? 0o644);
    else if (volume.projected) {
      for (const s of volume.projected.sources) {
        if (s.secret) fromSource('secret', s.secret, volume.projected.defaultMode ?? 0o644);
        else if (s.configMap) fromSource('configMap', s.configMap, volume.projected.defaultMode ?? 0o644);
        else throw new Error(`volume ${volume.name}: unsupported projected source ${Object.keys(s)}`);
      }
    } else throw new Error(`volume ${volume.name}: unsupported kind ${Object.keys(volume)}`);
    return dir;
  }

  /**
   * Starts a container of a pod spec (`spec` = the pod template's spec) in
   * `pod`. Returns the process; it is stopped in {@link teardown}.
   */
  start(pod: Pod, spec: any, container: any, options: ContainerOptions = {}): Proc {
    const defaults = imageDefaults(container.image ?? '', this.rt);
    const fsGroup = spec.securityContext?.fsGroup !== undefined ? mapGroup(spec.securityContext.fsGroup, container.image) : undefined;
    const cdir = path.join(pod.dir, 'containers', `${container.name}-${Date.now() % 100000}-${Math.random().toString(36).slice(2, 6)}`);
    const root = path.join(cdir, 'root');
    fs.mkdirSync(root, { recursive: true });

    // Volumes → (source, mountPath, readOnly, subPath).
    const mounts: { src: string; at: string; ro: boolean; file: boolean }[] = [];
    for (const m of container.volumeMounts ?? []) {
      const volume = (spec.volumes ?? []).find((v: any) => v.name === m.name);
      if (!volume) throw new Error(`container ${container.name}: no volume ${m.name}`);
      let src = this.volumeSource(pod, volume, fsGroup);
      if (m.subPath) src = path.join(src, m.subPath);
      // As the kubelet does: a ConfigMap, Secret, projected or downward API volume is read-only whatever the mount says.
      const ro = !!m.readOnly || API_DATA_VOLUMES.some((kind) => volume[kind] !== undefined);
      mounts.push({ src, at: m.mountPath, ro, file: fs.existsSync(src) && fs.statSync(src).isFile() });
    }
    for (const [src, at] of defaults.binds ?? []) mounts.push({ src, at, ro: true, file: false });
    mounts.sort((a, b) => a.at.split('/').length - b.at.split('/').length);

    // File overrides are written to the container's own copy of the file.
    const overrides: { src: string; at: string }[] = [];
    for (const [at, content] of Object.entries(options.fileOverrides ?? {})) {
      const f = path.join(cdir, 'overrides', at);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, content, { mode: 0o644 });
      overrides.push({ src: f, at });
    }

    // Top-level folders: overlay where a mount goes inside a host folder, or where the container writes (/etc, /var).
    const tops = fs.readdirSync('/');
    const lines = ['set -e', 'mount --make-rprivate /', `R=${q(root)}`];
    const upper = path.join(cdir, 'upper');
    const needsOverlay = new Set(['etc', 'var', 'opt']);
    for (const m of mounts) needsOverlay.add(m.at.split('/')[1]);
    for (const top of tops) {
      const host = `/${top}`;
      if (['proc', 'sys', 'dev'].includes(top)) {
        lines.push(`mkdir -p "$R/${top}"`, `mount --rbind ${host} "$R/${top}"`);
        continue;
      }
      const st = fs.lstatSync(host);
      if (st.isSymbolicLink()) {
        lines.push(`ln -sfn ${q(fs.readlinkSync(host))} "$R/${top}"`);
        continue;
      }
      if (!st.isDirectory()) continue;
      if (top === 'tmp' || top === 'run') {
        const d = path.join(cdir, top);
        fs.mkdirSync(d, { mode: 0o1777 });
        fs.chmodSync(d, 0o1777);
        lines.push(`mkdir -p "$R/${top}"`, `mount --bind ${q(d)} "$R/${top}"`);
        continue;
      }
      if (needsOverlay.has(top)) {
        fs.mkdirSync(path.join(upper, top, 'u'), { recursive: true });
        fs.mkdirSync(path.join(upper, top, 'w'), { recursive: true });
        lines.push(`mkdir -p "$R/${top}"`, `mount -t overlay overlay -o lowerdir=${host},upperdir=${q(path.join(upper, top, 'u'))},workdir=${q(path.join(upper, top, 'w'))} "$R/${top}"`);
      } else {
        lines.push(`mkdir -p "$R/${top}"`, `mount --rbind ${host} "$R/${top}"`);
      }
    }
    lines.push(`mkdir -p "$R${IN_POD}"`, `mount --bind ${q(this.rt.dir)} "$R${IN_POD}"`, `mount -o remount,bind,ro "$R${IN_POD}"`);
    // Bind everything first, then make the read-only ones read-only (a mount point may lie inside a read-only volume).
    const readOnly: string[] = [];
    for (const m of [...mounts, ...overrides.map((o) => ({ ...o, ro: true, file: true }))]) {
      const at = `"$R"${q(m.at)}`;
      if (m.file) lines.push(`mkdir -p "$(dirname ${at})"`, `[ -e ${at} ] || touch ${at}`);
      else lines.push(`mkdir -p ${at}`);
      lines.push(`mount --bind ${q(m.src)} ${at}`);
      if (m.ro) readOnly.push(`mount -o remount,bind,ro ${at}`);
    }
    lines.push(...readOnly);
    lines.push(`mount --bind ${q(this.hostsFile)} "$R/etc/hosts"`, `mount --bind ${q(path.join(pod.dir, 'resolv.conf'))} "$R/etc/resolv.conf"`);
    lines.push(`hostname ${q(pod.name)}`);

    // Environment: the image's, then the spec's (in order), then the overrides.
    const env: Record<string, string> = { PATH: defaults.path, HOME: '/root', HOSTNAME: pod.name, ...(defaults.env ?? {}), ...this.envFromValues(container) };
    for (const e of container.env ?? []) {
      const v = this.envValue(e, pod, pod.name);
      if (v !== undefined) env[e.name] = v;
    }
    for (const [k, v] of Object.entries(options.envOverrides ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    let command: string[] = options.command ?? [...(container.command ?? defaults.command ?? []), ...(container.args ?? [])];
    if (command[0] === 'nginx' && !options.command) command = withDebianModules(command, container.image ?? '');
    if (command.length === 0) throw new Error(`container ${container.name}: no command and no stand-in for image ${container.image}`);
    const cwd = container.workingDir ?? (/\/nsfl-proxy:/.test(container.image ?? '') ? '/nginx' : '/');
    if (cwd === '/nginx') lines.push('mkdir -p "$R/nginx/logs"');
    const user = options.user ?? mapUser(container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser, container.image);
    const userspec = user ? ['--userspec', user] : [];
    const envArgs = Object.entries(env).map(([k, v]) => q(`${k}=${v}`));
    lines.push(`exec chroot ${userspec.map(q).join(' ')} "$R" /usr/bin/env -i ${envArgs.join(' ')} /bin/sh -c 'cd "$0" && exec "$@"' ${q(cwd)} ${command.map(q).join(' ')}`);
    const script = path.join(cdir, 'start.sh');
    fs.writeFileSync(script, `${lines.join('\n')}\n`);

    // Output to a file, as a container runtime does: programs that open /dev/stderr (nginx) cannot reopen a socket.
    const logFile = path.join(cdir, 'log');
    const fd = fs.openSync(logFile, 'a');
    const child = spawn('ip', ['netns', 'exec', pod.netns, 'unshare', '--mount', '--uts', 'sh', script], { detached: true, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const proc: Proc = { name: `${pod.name}/${container.name}`, child, log: () => readLog(logFile), exited };
    this.procs.push(proc);
    return proc;
  }

  /** Runs a pod's init containers one after the other, each to success within `timeoutMs`. */
  async runInit(pod: Pod, spec: any, timeoutMs = 30000, options: Record<string, ContainerOptions> = {}): Promise<Proc[]> {
    const done: Proc[] = [];
    for (const c of spec.initContainers ?? []) {
      const p = this.start(pod, spec, c, options[c.name]);
      const code = await within(p.exited, timeoutMs, 'timeout' as const);
      if (code !== 0) {
        kill(p);
        throw new Error(`init container ${p.name} ${code === 'timeout' ? `did not finish in ${timeoutMs} ms` : `exited with ${code}`}:\n${p.log()}`);
      }
      done.push(p);
    }
    return done;
  }

  /** Runs a command in a pod's network namespace (host file system), to completion. */
  exec(pod: Pod | string, args: string[], options: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): { status: number | null; stdout: string; stderr: string } {
    const netns = typeof pod === 'string' ? pod : pod.netns;
    const r = spawnSync('ip', ['netns', 'exec', netns, ...args], { encoding: 'utf8', input: options.input, timeout: options.timeoutMs ?? 30000, env: { ...process.env, ...(options.env ?? {}) } });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Like {@link exec}, without blocking the event loop (the test's stand-in servers keep answering). */
  execAsync(pod: Pod | string, args: string[], options: { timeoutMs?: number } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const netns = typeof pod === 'string' ? pod : pod.netns;
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', netns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30000);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
  }

  /** Starts a helper process (not a container of the output) in a pod's network namespace; stopped in teardown. */
  helper(pod: Pod | string, name: string, args: string[]): Proc {
    const netns = typeof pod === 'string' ? pod : pod.netns;
    const logFile = path.join(this.dir, `helper-${name.replace(/[^a-z0-9]/gi, '_')}-${this.procs.length}.log`);
    const fd = fs.openSync(logFile, 'a');
    const child = spawn('ip', ['netns', 'exec', netns, ...args], { detached: true, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const proc: Proc = { name, child, log: () => readLog(logFile), exited };
    this.procs.push(proc);
    return proc;
  }

  /** Every process's log, for failure messages. */
  logs(filter?: (p: Proc) => boolean): string {
    return this.procs
      .filter(filter ?? (() => true))
      .map((p) => `----- ${p.name} (exit ${p.child.exitCode ?? 'running'}) -----\n${tail(p.log(), 60)}`)
      .join('\n');
  }

  processes(): readonly Proc[] {
    return this.procs;
  }

  /** Stops everything: processes, then namespaces. */
  async teardown(): Promise<void> {
    for (const p of this.procs) kill(p);
    for (const pod of this.pods) killNetns(pod.netns);
    if (this.bridgeUp) killNetns(this.bridgeNs);
    await within(Promise.all(this.procs.map((p) => p.exited)), 3000, undefined);
    if (this.tagLock) fs.rmSync(this.tagLock, { recursive: true, force: true });
  }
}

/** Whether a process exists (EPERM: it does, as another user's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One run of a tag at a time on this machine: a second run of the same test
 * file (another checkout's `npm test`) waits for the first instead of
 * deleting its namespaces as a killed run's leftovers. The hold is a folder
 * naming its owner's pid; a dead owner's is taken over.
 */
function holdTag(tag: string, waitMs = 120000): string {
  const lock = path.join(os.tmpdir(), `nsfl-e2e-${tag}.lock`);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      return lock;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = 0;
    try {
      owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
    } catch {
      // just created: its pid is being written
    }
    if (owner > 0 && !alive(owner)) {
      fs.rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another e2e run (pid ${owner}) holds ${lock}: wait for it, or remove the folder if that run is gone`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
}

/** Kills a process group started by {@link Cluster.start}. */
export function kill(p: Proc, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (p.child.exitCode !== null || p.child.pid === undefined) return;
  try {
    process.kill(-p.child.pid, signal);
  } catch {
    // already gone
  }
}

/** Kills every process in a network namespace, then deletes it. */
function killNetns(name: string): void {
  for (let i = 0; i < 3; i++) {
    const pids = (spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
    spawnSync('sleep', ['0.2']);
  }
  spawnSync('ip', ['netns', 'del', name]);
}

/** Maps a spec's runAsUser to a local user: the images' users have other ids than Debian's. */
function mapUser(uid: number | undefined, image: string | undefined): string | undefined {
  if (uid === undefined || uid === 0) return undefined;
  if (uid === 999 && /postgres/.test(image ?? '')) return 'postgres:postgres';
  if (uid === 65534) return 'nobody:nogroup';
  return `${uid}:${uid}`;
}

function mapGroup(gid: number, image: string | undefined): number {
  if (gid === 999 && /postgres/.test(image ?? '')) return Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return gid;
}

/** The last `n` lines of a log. */
function tail(text: string, n: number): string {
  const lines = text.split('\n');
  return lines.slice(-n).map((l) => (l.length > 400 ? `${l.slice(0, 400)}...` : l)).join('\n');
}

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Shell quoting. */
export function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `promise`, or `fallback` after `ms` (the timer is cleared either way, so jest can exit). */
export function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs` with `what` and the logs. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | Promise<T>, logs: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}\n${logs()}`);
}
