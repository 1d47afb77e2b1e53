/**
 * Edge nodes rendered on several cores: worker threads running the same
 * compiled bundle each render a contiguous share of the nodes
 * ({@link renderEdgeNodes}) while the main thread renders the first share,
 * then the main thread takes their results in order, so the output is the
 * same bytes whatever the number of threads. The main thread waits
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
  /** The main thread's generator digest: a worker with another one answers nothing. */
  readonly generator: string;
  readonly port: MessagePort;
  /** Shared with the main thread: `done` is set to 1 (and notified) once the answer is posted, `progress` counts the nodes rendered. */
  readonly state: Int32Array;
}

/** A worker's answer: the rendered nodes, or nothing when it is not the same generator or failed. */
interface WorkerAnswer {
  readonly nodes?: RenderedNode[];
}

/**
 * Renders `job`'s nodes, on up to `workers.threads` worker threads besides
 * the main one when there are enough nodes, else on the main thread only.
 * @param generator the generator digest of this synth
 * @returns the nodes in `job`'s order, and how many threads rendered them
 */
export function renderEdgeNodesSpread(job: EdgeNodeJob, workers: EdgeWorkers | undefined, generator: string): { nodes: RenderedNode[]; threads: number } {
  const count = Math.min(workers?.threads ?? 0, Math.floor(job.nodes.length / MIN_NODES_PER_THREAD) - 1);
  if (workers === undefined || count < 1) return { nodes: renderEdgeNodes(job), threads: 1 };
  const size = Math.ceil(job.nodes.length / (count + 1));
  const shares = Array.from({ length: count + 1 }, (_, i) => job.nodes.slice(i * size, (i + 1) * size)).filter((s) => s.length > 0);
  const started = shares.slice(1).map((nodes) => startWorker(workers, narrowed(job, nodes), generator));
  const nodes = renderEdgeNodes({ ...job, nodes: shares[0] });
  let threads = 1;
  started.forEach((answer, i) => {
    const answered = answer();
    if (answered !== undefined) threads++;
    // One by one: spreading a large share into push() would overflow the stack.
    for (const node of answered ?? renderEdgeNodes({ ...job, nodes: shares[i + 1] })) nodes.push(node);
  });
  return { nodes, threads };
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

/** Starts a worker on `job`; the function returned waits for its nodes (undefined when it failed or stalled). */
function startWorker(workers: EdgeWorkers, job: EdgeNodeJob, generator: string): () => RenderedNode[] | undefined {
  const { port1, port2 } = new MessageChannel();
  const state = new Int32Array(new SharedArrayBuffer(8));
  const task: WorkerTask = { job, generator, port: port2, state };
  let worker: Worker;
  try {
    worker = new Worker(workers.script, { workerData: { [WORKER_KEY]: task }, transferList: [port2], argv: [], stdout: true, stderr: true });
  } catch {
    return () => undefined;
  }
  worker.unref();
  // Its failure (a load error, out of memory) is seen as a stall: without a listener it would end the process.
  worker.on('error', () => undefined);
  return () => {
    const stallMs = workers.stallMs ?? STALL_MS;
    let progress = -1;
    let since = Date.now();
    while (Atomics.wait(state, STATE.done, 0, POLL_MS) === 'timed-out') {
      const now = Atomics.load(state, STATE.progress);
      if (now !== progress) [progress, since] = [now, Date.now()];
      else if (Date.now() - since >= stallMs) break;
    }
    const answer = Atomics.load(state, STATE.done) === 1 ? (receiveMessageOnPort(port1)?.message as WorkerAnswer | undefined) : undefined;
    port1.close();
    void worker.terminate();
    return answer?.nodes;
  };
}

/**
 * In a worker thread started by {@link renderEdgeNodesSpread}: renders its
 * share, posts it and returns true. Anywhere else: does nothing and returns false.
 */
export function serveEdgeWorker(): boolean {
  const task = isMainThread ? undefined : ((workerData as Record<string, WorkerTask> | null)?.[WORKER_KEY]);
  if (task === undefined) return false;
  let answer: WorkerAnswer = {};
  try {
    if (generatorDigest() === task.generator) answer = { nodes: renderEdgeNodes(task.job, () => Atomics.add(task.state, STATE.progress, 1)) };
  } catch {
    // The main thread renders this share again, and reports what fails there.
  }
  task.port.postMessage(answer);
  task.port.close();
  Atomics.store(task.state, STATE.done, 1);
  Atomics.notify(task.state, STATE.done);
  return true;
}
