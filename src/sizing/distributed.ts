/**
 * One model across several machines (a deployment with machines: [head, …]): what each machine holds and how fast the
 * whole decodes, following the engine's own split (src/sizing/split.ts, docs/distributed.md). Pure: the whole model's
 * sizing on the head, the machines, their free budgets and the links are inputs.
 *
 * Memory per machine (rank):
 * - pipeline: the weights of its layer range, plus what the engine keeps on it outside the layers (mlx-lm: the
 *   embedding, final norm and head on every rank; llama.cpp RPC: the token embedding on the head's host, the output
 *   layer on the last device, the head); KV cache, recurrent state and prompt caches in proportion to the cache its
 *   layers hold; each rank is a process with its own runtime, compute buffers and prefill transients (counted whole:
 *   the graph of one layer does not shrink with fewer layers).
 * - tensor (mlx-lm): every layer's projections split evenly across ranks (shard_linear), KV heads too, the embedding
 *   and head replicated.
 * Decode per token:
 * - pipeline: the stages run one after another: Σ stage times (each from the single-machine model on its own chip,
 *   with its own layers) + one activation transfer (hidden × 2 bytes) and one link latency per hop, ranks in a ring.
 * - tensor: the slowest rank's time + two all-reduces of the hidden state per layer, each 2 (N − 1) ring steps of
 *   latency + hidden × 2 / N bytes over the slowest link.
 */
import { DEFAULT_LINK, LINKS, type LinkKind } from '../catalog/links.ts'
import type { Deployment, Link, Machine } from '../config/types.ts'
import type { Parallelism } from '../config/written.ts'
import type { SpeedFamily } from '../engines/module.ts'
import type { Architecture } from '../model/architecture.ts'
import type { MemoryBreakdown } from '../plan/types.ts'
import { kvCacheBytesAt } from './kv.ts'
import { layerElements, llamaLayerRanges, mlxPipelineRanges, uncoveredLayers, weightLayout, type LayerRange, type MlxPipelineVariant } from './split.ts'
import { estimateSpeed, TYPICAL_CONTEXT, type CalibrationLookup } from './speed.ts'

/** Activations cross links in 16-bit floats (bf16 in mlx-lm, f16 in llama.cpp's RPC graph splits). */
const ACTIVATION_BYTES = 2

export interface RankShare {
  readonly machine: string
  /** MLX rank (0 serves HTTP), or llama.cpp device index (RPC servers first, the head's Metal last). */
  readonly rank: number
  /** Layers this machine holds; for tensor parallelism every layer (a 1/N slice of each). */
  readonly layers: LayerRange
  readonly memory: MemoryBreakdown
  /** This machine's part of one decoded token, at the typical context (seconds). */
  readonly decodeSeconds: number
}

export interface HopPlan {
  readonly from: string
  readonly to: string
  readonly kind: LinkKind
  readonly label: string
  /** False when no link in fleet.yaml connects the two: fleet assumed DEFAULT_LINK. */
  readonly declared: boolean
  readonly bytesPerSecond: number
  readonly latencySeconds: number
}

export interface DistributedSizing {
  readonly parallelism: Parallelism
  /** How the ranks talk: MLX ring (TCP) or JACCL (RDMA), or llama.cpp RPC. */
  readonly backend: 'ring' | 'jaccl' | 'rpc'
  readonly ranks: readonly RankShare[]
  readonly hops: readonly HopPlan[]
  /** llama.cpp --tensor-split, in device order (RPC servers, then the head); null for mlx-lm. */
  readonly tensorSplit: readonly number[] | null
  readonly decodeTokensPerSecond: { readonly empty: number; readonly typical: number; readonly full: number }
  /** Link time per decoded token (latency and transfers), included in decodeTokensPerSecond. */
  readonly networkSecondsPerToken: number
  /** Whether the per-layer weights came from the tensor list or were assumed equal. */
  readonly layoutBasis: 'tensors' | 'uniform'
  /** Layers the engine's split leaves to no rank (mlx-lm 0.32.0 with a remainder): the server would skip them. */
  readonly uncoveredLayers: readonly number[]
}

/** mlx-lm 0.32.0 and earlier compute each rank's start from its own layer count; later versions use a prefix sum. */
export function mlxVariant(version: string | null): MlxPipelineVariant {
  if (version === null) return 'prefix-sum'
  const parts = version.split('.').map(Number)
  const [major = 0, minor = 0, patch = 0] = parts
  return major === 0 && (minor < 32 || (minor === 32 && patch === 0)) ? 'v0.32' : 'prefix-sum'
}

export interface DistributedInputs {
  readonly deployment: Deployment
  readonly machines: readonly Machine[]
  readonly architecture: Architecture
  /** The whole model as sized on one machine (weights, KV and buffers of the full deployment). */
  readonly whole: MemoryBreakdown
  readonly activeWeightBytesPerToken: number
  readonly speedFamily: SpeedFamily
  /** Free budget of each machine after its other deployments (llama.cpp splits in proportion to it). */
  readonly freeBytes: ReadonlyMap<string, number>
  readonly links: readonly Link[]
  /** mlx-lm's pinned version (its pipeline split changed after 0.32.0); null when unknown (brew, a path). */
  readonly engineVersion: string | null
  /** Machines' measured speed constants (fleet.calibration.json). */
  readonly calibration?: CalibrationLookup
}

function hop(from: Machine, to: Machine, links: readonly Link[]): HopPlan {
  const link = links.find((l) => l.between.includes(from.name) && l.between.includes(to.name))
  const kind = link?.kind ?? DEFAULT_LINK
  return {
    from: from.name,
    to: to.name,
    kind,
    label: LINKS[kind].label,
    declared: link !== undefined,
    bytesPerSecond: link?.bytesPerSecond ?? LINKS[kind].bytesPerSecond,
    latencySeconds: link?.latencySeconds ?? LINKS[kind].latencySeconds,
  }
}

function share(whole: MemoryBreakdown, weightsBytes: number, cacheFraction: number): MemoryBreakdown {
  const o = whole.overhead
  const overhead = {
    stateBytes: o.stateBytes * cacheFraction,
    promptCacheBytes: o.promptCacheBytes * cacheFraction,
    computeBytes: o.computeBytes,
    transientBytes: o.transientBytes,
    runtimeBytes: o.runtimeBytes,
  }
  const kvCacheBytes = whole.kvCacheBytes * cacheFraction
  const overheadBytes = overhead.stateBytes + overhead.promptCacheBytes + overhead.computeBytes + overhead.transientBytes + overhead.runtimeBytes
  const atLoadBytes = weightsBytes + kvCacheBytes + overhead.stateBytes + overhead.computeBytes + overhead.runtimeBytes
  const peakBytes = atLoadBytes + overhead.promptCacheBytes + overhead.transientBytes
  return { weightsBytes, kvCacheBytes, overheadBytes, atLoadBytes, peakBytes, totalBytes: peakBytes, complete: whole.complete, overhead }
}

/** Cache bytes of one sequence at `tokens`, for the layers in `range` only. */
function stageCacheAt(arch: Architecture, d: Deployment, range: LayerRange, tokens: number): number {
  return kvCacheBytesAt({ ...arch, layers: arch.layers.slice(range.start, range.end) }, d.engine, d.kvCache, tokens)
}

export function sizeDistributed(inputs: DistributedInputs): DistributedSizing {
  const { deployment: d, machines, architecture: arch, whole } = inputs
  const n = machines.length
  const layers = arch.layers.length
  const layout = weightLayout(arch)
  const elementBytes = whole.weightsBytes / layout.total
  const parallelism = d.parallelism
  const llama = d.engine === 'llama.cpp'
  const fullCache = Math.max(1, stageCacheAt(arch, d, { start: 0, end: layers }, d.context))

  // Which layers each machine holds, in fleet.yaml's machine order (the first machine is the head).
  let ranges: LayerRange[]
  let tensorSplit: number[] | null = null
  let order: number[] // rank/device index per machine
  if (parallelism === 'tensor') {
    ranges = machines.map(() => ({ start: 0, end: layers }))
    order = machines.map((_, i) => i)
  } else if (llama) {
    // Devices: the RPC servers in --rpc order, then the head's own Metal device (llama.cpp adds RPC devices first).
    const devices = [...machines.slice(1), machines[0]!]
    tensorSplit = devices.map((m) => Math.max(1, Math.round((inputs.freeBytes.get(m.name) ?? 0) / 2 ** 20)))
    const byDevice = llamaLayerRanges(layers, tensorSplit)
    ranges = machines.map((m) => byDevice[devices.indexOf(m)]!)
    order = machines.map((m) => devices.indexOf(m))
  } else {
    // mlx.launch ranks follow the hostfile, which lists the head first: rank 0 serves HTTP and holds the last layers.
    const byRank = mlxPipelineRanges(layers, n, mlxVariant(inputs.engineVersion))
    ranges = machines.map((_, i) => byRank[i]!)
    order = machines.map((_, i) => i)
  }

  const layerTotal = layout.perLayer.reduce((a, b) => a + b, 0)
  const headBytes = layout.output * elementBytes
  /** Machine i's time for one token at `tokens` of context: its layers' active weights and cache on its own chip. */
  const stageSeconds = (i: number, tokens: number): number => {
    const range = ranges[i]!
    const tensor = parallelism === 'tensor'
    const activeFraction = tensor ? 1 / n : layerTotal > 0 ? layerElements(layout, range) / layerTotal : 1 / n
    const hasHead = tensor || (llama ? i === 0 : range.end === layers)
    const speed = estimateSpeed({
      machine: machines[i]!,
      speedFamily: inputs.speedFamily,
      architecture: tensor ? arch : { ...arch, layers: arch.layers.slice(range.start, range.end) },
      activeWeightBytes: Math.max(0, inputs.activeWeightBytesPerToken - headBytes) * activeFraction + (hasHead ? headBytes : 0),
      activeParams: 0,
      cacheBytesAt: (t) => stageCacheAt(arch, d, range, t) / (tensor && !arch.mla ? n : 1),
      context: tokens,
      // Each stage on its own machine's measured constants, where fleet bench --calibrate recorded them.
      calibration: inputs.calibration?.(machines[i]!, d.engine) ?? null,
    })
    return 1 / speed.decodeTokensPerSecond.full
  }

  const ranks: RankShare[] = machines.map((machine, i) => {
    const range = ranges[i]!
    let elements: number
    let cacheFraction: number
    if (parallelism === 'tensor') {
      elements = layerTotal / n + layout.embedding + layout.output
      // shard_linear splits the k/v projections, so KV heads split; MLA's latent cache (kv_a_proj) is not sharded.
      cacheFraction = arch.mla ? 1 : 1 / n
    } else {
      elements = layerElements(layout, range)
      // llama.cpp: token_embd stays on the head's CPU and the output layer is on the last device, the head's Metal.
      // mlx-lm: every rank keeps the embedding, final norm and head.
      if (!llama || i === 0) elements += layout.embedding + layout.output
      cacheFraction = stageCacheAt(arch, d, range, d.context) / fullCache
    }
    return { machine: machine.name, rank: order[i]!, layers: range, memory: share(whole, elements * elementBytes, cacheFraction), decodeSeconds: stageSeconds(i, Math.min(TYPICAL_CONTEXT, d.context)) }
  })

  // The ring a token travels: from the stage with the first layers to the one with the next, the last back to the first.
  const stages = [...machines.keys()].sort((a, b) => ranges[a]!.start - ranges[b]!.start || order[a]! - order[b]!).map((i) => machines[i]!)
  const hops = stages.map((m, i) => hop(m, stages[(i + 1) % n]!, inputs.links))
  const slowest = hops.reduce((a, b) => (b.latencySeconds > a.latencySeconds || b.bytesPerSecond < a.bytesPerSecond ? b : a))
  const activation = arch.hiddenSize * ACTIVATION_BYTES
  const network =
    parallelism === 'tensor'
      ? layers * 2 * 2 * (n - 1) * (slowest.latencySeconds + activation / n / slowest.bytesPerSecond)
      : hops.reduce((sum, h) => sum + h.latencySeconds + activation / h.bytesPerSecond, 0)
  const decodeAt = (tokens: number): number => {
    const times = machines.map((_, i) => stageSeconds(i, tokens))
    return 1 / ((parallelism === 'tensor' ? Math.max(...times) : times.reduce((a, b) => a + b, 0)) + network)
  }
  const backend = llama ? 'rpc' : hops.every((h) => LINKS[h.kind].rdma) ? 'jaccl' : 'ring'
  return {
    parallelism,
    backend,
    ranks,
    hops,
    tensorSplit,
    decodeTokensPerSecond: { empty: decodeAt(1), typical: decodeAt(Math.min(TYPICAL_CONTEXT, d.context)), full: decodeAt(d.context) },
    networkSecondsPerToken: network,
    layoutBasis: layout.basis,
    uncoveredLayers: parallelism === 'pipeline' ? uncoveredLayers(layers, ranges) : [],
  }
}
