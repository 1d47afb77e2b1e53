/**
 * Edge nodes rendered on several cores: worker threads running the same
 * compiled bundle each render a contiguous share of the nodes
 * ({@link renderEdgeNodes}) while the main thread renders the first share;
 * each node's file is the same bytes whichever thread renders it, and each
 * comes with its index, so the output is the same whatever the number of
 * threads. The main thread waits
 * synchronously (Atomics.wait, then receiveMessageOnPort), so synth stays
 * one synchronous call. A worker that fails, stops making progress (it
 * did not load, or died), or runs another version of the generator (the
 * bundle rebuilt meanwhile) is not trusted: its share is rendered on the
 * main thread.
 */
import { isMainThread, MessageChannel, MessagePort, receiveMessageOnPort, Worker, workerData } from 'worker_threads';
import { EdgeNodeJob, RenderedNode, renderEdgeNodes } from './edge-render';
import type { EdgeNodeOwn } from './edge/fleet';
import { generatorDigest } from './incremental/digest';

/** Where and how many worker threads may render edge nodes. */
export interface EdgeWorkers {
  /** The compiled bundle synth runs from (each worker loads it; it must call {@link serveEdgeWorker} when loaded). */
  readonly script: string;
  /** How many worker threads at most, besides the main thread. */
  readonly threads: number;
  /**
   * How long a worker may go without finishing a node (or, at first, without starting) before its share is rendered
   * on the main thread instead: a worker that failed to load or died (out of memory) never answers.
   * @default 30 seconds
   */
  readonly stallMs?: number;
}

/** Fewest nodes per thread worth starting a worker for: loading the bundle in one costs about as much as rendering this many. */
const MIN_NODES_PER_THREAD = 250;

/** {@link EdgeWorkers.stallMs}'s default. */
const STALL_MS = 30_000;

/** How often the main thread looks at a worker's progress while it waits. */
const POLL_MS = 250;

/** The fields of a worker's shared state ({@link WorkerTask.state}). */
const STATE = { done: 0, progress: 1 } as const;

/** The key of a worker's data, so a bundle loaded in some other worker thread is left alone. */
const WORKER_KEY = 'neursafeFlEdgeNodes';

/** What a worker is given. */
interface WorkerTask {
  readonly job: EdgeNodeJob;
  /** The main thread's generator digest: a worker with another one renders nothing. */
  readonly generator: string;
  readonly port: MessagePort;
  /** Shared with the main thread: `done` is set to 1 (and notified) once the last message is posted, `progress` counts the nodes rendered. */
  readonly state: Int32Array;
}

/** A worker's message: some of its nodes, in order; the last one says how it ended. */
interface WorkerMessage {
  /** Nodes rendered, following those of its earlier messages. */
  readonly nodes?: RenderedNode[];
  /** Its last message: `done` when it rendered its whole share, `refused` when it runs another generator or failed. */
  readonly end?: 'done' | 'refused';
}

/** How many nodes a worker posts at a time (about half a megabyte). */
const BATCH = 50;

/**
 * Renders `job`'s nodes, on up to `workers.threads` worker threads besides
 * the main one when there are enough nodes, else on the main thread only,
 * and hands each to `each` as soon as this thread has it: the main thread's
 * share as it renders it, the workers' as their messages come in (looked at
 * after each node the main thread renders, then until each worker is done),
 * so the nodes' texts never pile up. A worker's nodes it did not send are
 * rendered on the main thread.
 * @param generator the generator digest of this synth
 * @param each given each node and its index in `job.nodes`, in no particular order
 * @returns how many threads rendered the nodes
 */
export function renderEdgeNodesSpread(job: EdgeNodeJob, workers: EdgeWorkers | undefined, generator: string, each: (node: RenderedNode, index: number) => void): { threads: number } {
  const count = Math.min(workers?.threads ?? 0, Math.floor(job.nodes.length / MIN_NODES_PER_THREAD) - 1);
  if (workers === undefined || count < 1) {
    renderEdgeNodes(job, each);
    return { threads: 1 };
  }
  const size = Math.ceil(job.nodes.length / (count + 1));
  const started: RunningShare[] = [];
  for (let offset = size; offset < job.nodes.length; offset += size) {
    const nodes = job.nodes.slice(offset, offset + size);
    started.push(new RunningShare(workers, narrowed(job, nodes), generator, offset, each));
  }
  renderEdgeNodes({ ...job, nodes: job.nodes.slice(0, size) }, (node, index) => {
    each(node, index);
    for (const share of started) share.take();
  });
  let threads = 1;
  for (const share of started) {
    const taken = share.finish();
    if (taken === share.nodes.length) threads++;
    else renderEdgeNodes({ ...job, nodes: share.nodes.slice(taken) }, (node, index) => each(node, share.offset + taken + index));
  }
  return { threads };
}

/** `job` for some of its nodes, with only what they need of the config (less to copy into a worker). */
function narrowed(job: EdgeNodeJob, nodes: readonly EdgeNodeOwn[]): EdgeNodeJob {
  const names = new Set(nodes.map((n) => n.site.nodeName));
  const { config, edgeSites, components } = job.overrides;
  return {
    ...job,
    nodes,
    overrides: {
      config: { ...config, edge: { ...config.edge, nodes: config.edge.nodes.filter((n) => names.has(n.name)) } },
      edgeSites: edgeSites.filter((s) => names.has(s.nodeName)),
      components: components.map(({ name, configKey }) => ({ name, configKey })),
    },
  };
}

/** A share of the nodes rendered by a worker thread, taken message by message. */
class RunningShare {
  /** The share's nodes. */
  public readonly nodes: readonly EdgeNodeOwn[];
  private readonly port: MessagePort;
  private readonly state = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker?: Worker;
  /** How many of its nodes were taken, and whether its last message came (and how it ended). */
  private taken = 0;
  private end: WorkerMessage['end'];
  private stopped = false;

  constructor(
    private readonly workers: EdgeWorkers,
    job: EdgeNodeJob,
    generator: string,
    /** The index of its first node in the whole job. */
    public readonly offset: number,
    private readonly each: (node: RenderedNode, index: number) => void,
  ) {
    this.nodes = job.nodes;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const task: WorkerTask = { job, generator, port: port2, state: this.state };
    try {
      this.worker = new Worker(workers.script, { workerData: { [WORKER_KEY]: task }, transferList: [port2], argv: [], stdout: true, stderr: true });
    } catch {
      this.stopped = true;
      return;
    }
    this.worker.unref();
    // Its failure (a load error, out of memory) is seen as a stall: without a listener it would end the process.
    this.worker.on('error', () => undefined);
  }

  /** Hands on the nodes of every message that has come, without waiting. */
  take(): void {
    if (this.stopped) return;
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const message = m.message as WorkerMessage;
      for (const node of message.nodes ?? []) this.each(node, this.offset + this.taken++);
      if (message.end !== undefined) this.end = message.end;
    }
  }

  /**
   * Takes its messages until its last one, or until it stalls ({@link EdgeWorkers.stallMs} without finishing a
   * node), then stops the worker.
   * @returns how many of its nodes were taken, in order from its first (all of them when it rendered its whole share)
   */
  finish(): number {
    const stallMs = this.workers.stallMs ?? STALL_MS;
    let progress = -1;
    let since = Date.now();
    while (!this.stopped) {
      this.take();
      if (this.end !== undefined) break;
      // Set once its last message is posted: take that one, then stop.
      if (Atomics.wait(this.state, STATE.done, 0, POLL_MS) !== 'timed-out') continue;
      const now = Atomics.load(this.state, STATE.progress);
      if (now !== progress) [progress, since] = [now, Date.now()];
      else if (Date.now() - since >= stallMs) break;
    }
    this.stopped = true;
    this.port.close();
    void this.worker?.terminate();
    return this.taken;
  }
}

/**
 * In a worker thread started by {@link renderEdgeNodesSpread}: renders its
 * share, posting its nodes a few at a time, and returns true. Anywhere else:
 * does nothing and returns false.
 */
export function serveEdgeWorker(): boolean {
  const task = isMainThread ? undefined : ((workerData as Record<string, WorkerTask> | null)?.[WORKER_KEY]);
  if (task === undefined) return false;
  let end: WorkerMessage['end'] = 'refused';
  let batch: RenderedNode[] = [];
  try {
    if (generatorDigest() === task.generator) {
      renderEdgeNodes(task.job, (node) => {
        batch.push(node);
        Atomics.add(task.state, STATE.progress, 1);
        if (batch.length < BATCH) return;
        task.port.postMessage({ nodes: batch } satisfies WorkerMessage);
        batch = [];
      });
      end = 'done';
    }
  } catch {
    // The main thread renders the rest of this share again, and reports what fails there.
    batch = [];
  }
  task.port.postMessage({ nodes: batch, end } satisfies WorkerMessage);
  task.port.close();
  Atomics.store(task.state, STATE.done, 1);
  Atomics.notify(task.state, STATE.done);
  return true;
}
