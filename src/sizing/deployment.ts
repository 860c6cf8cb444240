/**
 * Sizes one deployment: the weights from the model's facts, the engine's caches and buffers from its own memory model
 * (src/engines/<engine>/memory.ts, through the engine table), and the speed from the machine's bandwidth and compute
 * with the engine's speed family (src/sizing/speed.ts).
 */
import type { Deployment, Machine } from '../config/types.ts'
import type { ModelFacts } from '../resolve/facts.ts'
import type { Architecture } from '../model/architecture.ts'
import type { MemoryBreakdown } from '../plan/types.ts'
import { UnsupportedArchitectureError } from '../model/hf-config.ts'
import { engineSizing, type MemoryEstimate, type ServerLimits } from '../engines/index.ts'
import { kvCacheBytesAt } from './kv.ts'
import { estimateSpeed, type SpeedCalibration, type SpeedEstimate, type SpeedInputs } from './speed.ts'
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
function activeParams(facts: ModelFacts, architecture: Architecture): number {
  try {
    const tensors = modelTensors(architecture)
    const elements = new Map(tensors.map((t) => [t.name, t.shape.reduce((a, b) => a * b, 1)]))
    return activeWeightBytesPerToken(tensors, elements, architecture)
  } catch (error) {
    if (!(error instanceof UnsupportedTensorLayoutError)) throw error
    // Without a tensor layout, assume 16-bit-equivalent density: an upper bound on FLOPs, so a pessimistic prefill.
    return facts.weights.activeBytesPerToken / 2
  }
}

function breakdown(
  weightsBytes: number,
  e: Pick<MemoryEstimate, 'kvCacheBytes' | 'stateBytes' | 'promptCacheBytes' | 'computeBytes' | 'transientBytes' | 'runtimeBytes'>,
  complete: boolean,
): MemoryBreakdown {
  const overhead = { stateBytes: e.stateBytes, promptCacheBytes: e.promptCacheBytes, computeBytes: e.computeBytes, transientBytes: e.transientBytes, runtimeBytes: e.runtimeBytes }
  const overheadBytes = overhead.stateBytes + overhead.promptCacheBytes + overhead.computeBytes + overhead.transientBytes + overhead.runtimeBytes
  const atLoadBytes = weightsBytes + e.kvCacheBytes + e.stateBytes + e.computeBytes + e.runtimeBytes
  const peakBytes = atLoadBytes + e.promptCacheBytes + e.transientBytes
  return { weightsBytes, kvCacheBytes: e.kvCacheBytes, overheadBytes, atLoadBytes, peakBytes, totalBytes: peakBytes, complete, overhead }
}

const NOTHING = { kvCacheBytes: 0, stateBytes: 0, promptCacheBytes: 0, computeBytes: 0, transientBytes: 0, runtimeBytes: 0 } as const

/** What the speed model reads for a deployment (also what `fleet bench` predicts each measured point with). */
export function speedInputsOf(
  d: Deployment,
  machine: Machine,
  facts: ModelFacts,
  architecture: Architecture,
  speedFamily: SpeedInputs['speedFamily'],
  calibration: SpeedCalibration | null,
): SpeedInputs {
  return {
    machine,
    speedFamily,
    architecture,
    activeWeightBytes: facts.weights.activeBytesPerToken,
    activeParams: activeParams(facts, architecture),
    cacheBytesAt: (tokens) => kvCacheBytesAt(architecture, d.engine, d.kvCache, tokens),
    context: d.context,
    calibration,
  }
}

export function sizeDeployment(d: Deployment, machine: Machine, facts: ModelFacts | null, engineVersion: string | null = null, calibration: SpeedCalibration | null = null): DeploymentSizing {
  const sizing = engineSizing(d)
  if (sizing === null) {
    // An engine fleet cannot size (a `command`) counts the memory it declares.
    const runtime = d.options.engine === 'command' ? d.options.memoryBytes : 0
    return {
      ok: true,
      memory: breakdown(0, { ...NOTHING, runtimeBytes: runtime }, true),
      speed: null,
      details: { declaredMemoryBytes: runtime },
      notes: runtime === 0 ? ['command deployment declares no memory (options.memory); it counts as 0'] : [],
      serverLimits: null,
    }
  }
  if (!facts) return { ok: false, message: `deployment ${d.name} names no model`, hint: null }
  const architectureNotes = facts.notes ?? []
  const architecture = facts.architecture
  const weightsBytes = facts.weights.totalBytes
  // Never a refusal: the weights are known from the tensor table, so they count when the caches cannot be sized.
  const weightsOnly = (why: string): DeploymentSizing => ({
    ok: true,
    memory: breakdown(weightsBytes, NOTHING, false),
    speed: null,
    details: { activeWeightBytesPerToken: facts.weights.activeBytesPerToken },
    notes: [...architectureNotes, why],
    serverLimits: null,
  })
  if (architecture === null) return weightsOnly('only the weights are counted: the KV cache, buffers and runtime are not, so the real footprint is larger')
  let estimate: MemoryEstimate
  try {
    estimate = sizing.memory({ deployment: d, machine, architecture, weightsBytes, engineVersion })
  } catch (error) {
    if (error instanceof UnsupportedArchitectureError || error instanceof UnsupportedTensorLayoutError || error instanceof RangeError) {
      return weightsOnly(`the caches could not be sized on ${d.engine} (${error.message}): only the weights are counted, so the real footprint is larger`)
    }
    throw error
  }
  const speed = estimateSpeed(speedInputsOf(d, machine, facts, architecture, sizing.speedFamily, calibration))
  return {
    ok: true,
    memory: breakdown(weightsBytes, estimate, true),
    speed,
    details: {
      ...estimate.details,
      activeWeightBytesPerToken: facts.weights.activeBytesPerToken,
      bandwidthEfficiency: speed.constants.bandwidthEfficiency,
      perTokenSeconds: speed.constants.perTokenSeconds,
    },
    notes: [...architectureNotes, ...estimate.notes, ...(calibration ? [`speed from this machine's measured constants (${calibration.source})`] : [])],
    serverLimits: estimate.serverLimits,
  }
}
