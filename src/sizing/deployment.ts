/**
 * Sizes one deployment: the weights from the model's facts, the engine's caches and buffers from its own memory model
 * (src/engines/<engine>/memory.ts, through the engine table), and the speed from the machine's bandwidth and compute
 * with the engine's speed family (src/sizing/speed.ts).
 */
import type { Deployment, Machine } from '../config/types.ts'
import type { ModelFacts } from '../resolve/facts.ts'
import type { MemoryBreakdown } from '../plan/types.ts'
import { UnsupportedArchitectureError } from '../model/hf-config.ts'
import { engineSizing, type MemoryEstimate, type ServerLimits } from '../engines/index.ts'
import { kvCacheBytesAt } from './kv.ts'
import { estimateSpeed, type SpeedEstimate } from './speed.ts'
import { modelTensors, UnsupportedTensorLayoutError } from './tensors.ts'
import { activeWeightBytesPerToken } from './weights.ts'

export type DeploymentSizing =
  | {
      readonly ok: true
      readonly memory: MemoryBreakdown
      readonly speed: SpeedEstimate | null
      readonly details: Record<string, number | string>
      readonly notes: string[]
      /** What fleet passes to the server so it stays within this sizing (null: nothing to pass). */
      readonly serverLimits: ServerLimits | null
    }
  | { readonly ok: false; readonly message: string; readonly hint: string | null }

/** Parameters a decoded token multiplies through: the same accounting as the active bytes, in elements. */
function activeParams(facts: ModelFacts): number {
  try {
    const tensors = modelTensors(facts.architecture)
    const elements = new Map(tensors.map((t) => [t.name, t.shape.reduce((a, b) => a * b, 1)]))
    return activeWeightBytesPerToken(tensors, elements, facts.architecture)
  } catch (error) {
    if (!(error instanceof UnsupportedTensorLayoutError)) throw error
    // Without a tensor layout, assume 16-bit-equivalent density: an upper bound on FLOPs, so a pessimistic prefill.
    return facts.weights.activeBytesPerToken / 2
  }
}

export function sizeDeployment(d: Deployment, machine: Machine, facts: ModelFacts | null): DeploymentSizing {
  const sizing = engineSizing(d)
  if (sizing === null) {
    // An engine fleet cannot size (a `command`) counts the memory it declares.
    const runtime = d.options.engine === 'command' ? d.options.memoryBytes : 0
    return {
      ok: true,
      memory: { weightsBytes: 0, kvCacheBytes: 0, overheadBytes: runtime, totalBytes: runtime, overhead: { stateBytes: 0, promptCacheBytes: 0, computeBytes: 0, runtimeBytes: runtime } },
      speed: null,
      details: { declaredMemoryBytes: runtime },
      notes: runtime === 0 ? ['command deployment declares no memory (options.memory); it counts as 0'] : [],
      serverLimits: null,
    }
  }
  if (!facts) return { ok: false, message: `deployment ${d.name} names no model`, hint: null }
  let estimate: MemoryEstimate
  try {
    estimate = sizing.memory({ deployment: d, machine, architecture: facts.architecture, weightsBytes: facts.weights.totalBytes })
  } catch (error) {
    if (error instanceof UnsupportedArchitectureError || error instanceof UnsupportedTensorLayoutError || error instanceof RangeError) {
      return {
        ok: false,
        message: `cannot size ${facts.repo} on ${d.engine}: ${error.message}`,
        hint: 'fleet sizes only what it can compute exactly; see docs/sizing.md for the supported architectures',
      }
    }
    throw error
  }
  const overhead = { stateBytes: estimate.stateBytes, promptCacheBytes: estimate.promptCacheBytes, computeBytes: estimate.computeBytes, runtimeBytes: estimate.runtimeBytes }
  const overheadBytes = overhead.stateBytes + overhead.promptCacheBytes + overhead.computeBytes + overhead.runtimeBytes
  const weightsBytes = facts.weights.totalBytes
  const speed = estimateSpeed({
    machine,
    speedFamily: sizing.speedFamily,
    architecture: facts.architecture,
    activeWeightBytes: facts.weights.activeBytesPerToken,
    activeParams: activeParams(facts),
    cacheBytesAt: (tokens) => kvCacheBytesAt(facts.architecture, d.engine, d.kvCache, tokens),
    context: d.context,
  })
  return {
    ok: true,
    memory: { weightsBytes, kvCacheBytes: estimate.kvCacheBytes, overheadBytes, totalBytes: weightsBytes + estimate.kvCacheBytes + overheadBytes, overhead },
    speed,
    details: {
      ...estimate.details,
      activeWeightBytesPerToken: facts.weights.activeBytesPerToken,
      bandwidthEfficiency: speed.constants.bandwidthEfficiency,
      perTokenSeconds: speed.constants.perTokenSeconds,
    },
    notes: estimate.notes,
    serverLimits: estimate.serverLimits,
  }
}
