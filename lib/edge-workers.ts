/**
 * Edge nodes rendered on several cores: worker threads running the same
 * compiled bundle each render a contiguous share of the nodes
 * ({@link renderEdgeNodes}) while the main thread renders the first share,
 * then the main thread takes their results in order, so the output is the
 * same bytes whatever the number of threads. The main thread waits
 * synchronously (Atomics.wait, then receiveMessageOnPort), so synth stays
 * one synchronous call. A worker that fails, does not answer, or runs
 * another version of the generator (the bundle rebuilt meanwhile) is not
 * trusted: its share is rendered on the main thread.
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
}

/** Fewest nodes per thread worth starting a worker for: loading the bundle in one costs about as much as rendering this many. */
const MIN_NODES_PER_THREAD = 250;

/** How long the main thread waits for a worker before rendering its share itself. */
const WORKER_TIMEOUT_MS = 10 * 60 * 1000;

/** The key of a worker's data, so a bundle loaded in some other worker thread is left alone. */
const WORKER_KEY = 'neursafeFlEdgeNodes';

/** What a worker is given. */
interface WorkerTask {
  readonly job: EdgeNodeJob;
  /** The main thread's generator digest: a worker with another one answers nothing. */
  readonly generator: string;
  readonly port: MessagePort;
  /** Set to 1 (and notified) once the worker has posted its answer. */
  readonly done: Int32Array;
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
  const started = shares.slice(1).map((nodes) => startWorker(workers.script, narrowed(job, nodes), generator));
  const nodes = renderEdgeNodes({ ...job, nodes: shares[0] });
  let threads = 1;
  started.forEach((answer, i) => {
    const answered = answer();
    if (answered !== undefined) threads++;
    nodes.push(...(answered ?? renderEdgeNodes({ ...job, nodes: shares[i + 1] })));
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

/** Starts a worker on `job`; the function returned waits for its nodes (undefined when it failed or did not answer in time). */
function startWorker(script: string, job: EdgeNodeJob, generator: string): () => RenderedNode[] | undefined {
  const { port1, port2 } = new MessageChannel();
  const done = new Int32Array(new SharedArrayBuffer(4));
  const task: WorkerTask = { job, generator, port: port2, done };
  let worker: Worker;
  try {
    worker = new Worker(script, { workerData: { [WORKER_KEY]: task }, transferList: [port2], argv: [], stdout: true, stderr: true });
  } catch {
    return () => undefined;
  }
  worker.unref();
  return () => {
    const answered = Atomics.wait(done, 0, 0, WORKER_TIMEOUT_MS) !== 'timed-out';
    const answer = answered ? (receiveMessageOnPort(port1)?.message as WorkerAnswer | undefined) : undefined;
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
    if (generatorDigest() === task.generator) answer = { nodes: renderEdgeNodes(task.job) };
  } catch {
    // The main thread renders this share again, and reports what fails there.
  }
  task.port.postMessage(answer);
  task.port.close();
  Atomics.store(task.done, 0, 1);
  Atomics.notify(task.done, 0);
  return true;
}
