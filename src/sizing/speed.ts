/**
 * Speed, from first principles (docs/speed.md):
 * - decode is memory-bound: each token reads the active weights plus the KV cache at the current context, so
 *   t_token = bytes_read / (efficiency × bandwidth) + t0, where efficiency and the fixed per-token cost t0 are fitted to
 *   the fit split of public measurements (src/sizing/speed-constants.ts; the measurements: test/sizing/speed-measurements.ts,
 *   the fit: test/sizing/speed-fit.ts) and the error on the held-out split is returned as `expectedError`; bytes_read
 *   is per-token weights (an untied input embedding contributes one row) + KV; t0 = perTokenSeconds × layers/32 + moeLayerSeconds × MoE
 *   layers, the second term being the router/top-k/gather/expert launches a mixture-of-experts layer adds;
 * - prefill is compute-bound: a prompt of n tokens costs 2 × active params × n FLOPs for the matrices plus
 *   2 × 2 × Σ_attention-layers(heads × head_dim) × n²/2 for causal attention, at flopsEfficiency × peak GPU FLOPS
 *   (GPU cores × 128 FP32 ALUs × 2 × clock; Apple GPUs run FP16 at the FP32 rate).
 * Single-stream figures: with `parallel` requests decoding at once each stream is slower, aggregate throughput higher.
 */
import type { SpeedFamily } from '../engines/index.ts'
import type { Machine } from '../config/types.ts'
import type { EngineId } from '../catalog/engines.ts'
import type { Architecture } from '../model/architecture.ts'
import { REFERENCE_LAYERS, SPEED_CONSTANTS, SPEED_EXPECTED_ERROR, type ExpectedError, type SpeedConstants } from './speed-constants.ts'
import { findChip } from '../catalog/chips.ts'

/** A chat turn with some history: the "typical" context decode speed is quoted at. */
export const TYPICAL_CONTEXT = 4096

export interface SpeedInputs {
  readonly machine: Machine
  /** Whose fitted constants apply: the engine module's speed family. */
  readonly speedFamily: SpeedFamily
  readonly architecture: Architecture
  /** Weight bytes read per decoded token (MoE: shared part plus the routed experts a token uses). */
  readonly activeWeightBytes: number
  /** Parameters a token multiplies through (MoE: active parameters). */
  readonly activeParams: number
  /** Cache bytes one sequence holds (and a decoded token reads) at `tokens` of context. */
  readonly cacheBytesAt: (tokens: number) => number
  readonly context: number
  /** This machine's constants measured by `fleet bench --calibrate` (fleet.calibration.json), instead of the fit's. */
  readonly calibration?: SpeedCalibration | null
}

/** The calibration of a machine and engine, if one was recorded (fleet.calibration.json). */
export type CalibrationLookup = (machine: Machine, engine: EngineId) => SpeedCalibration | null

/** What `fleet bench --calibrate` measured on one machine for one speed family (src/bench/calibrate.ts). */
export interface SpeedCalibration {
  readonly bandwidthEfficiency: number
  readonly perTokenSeconds: number
  /** Null when no prefill was measured: the fit's value stays. */
  readonly flopsEfficiency: number | null
  /** e.g. "fleet bench 2026-12-03, fleet.calibration.json" */
  readonly source: string
}

export interface SpeedEstimate {
  readonly decodeTokensPerSecond: { readonly empty: number; readonly typical: number; readonly full: number }
  readonly prefillTokensPerSecond: number
  readonly timeToFirstTokenSeconds: number
  readonly constants: SpeedConstants & { readonly engine: SpeedFamily; readonly tier: string }
  /**
   * The decode error to expect, as a fraction of the prediction: the 80th percentile of the absolute relative error on
   * the held-out public measurements of this speed family (docs/speed.md §5), e.g. 0.09 → print "~94 tok/s ±9 %".
   * `basis` says how it was obtained. It describes single-stream decode; it does not widen for long contexts, MoE or
   * hybrid models, which have fewer held-out runs (docs/speed.md §7).
   */
  readonly expectedError: ExpectedError
}

export type { ExpectedError }

export function peakFlops(machine: Pick<Machine, 'gpuCores' | 'gpuClockGHz'>): number {
  return machine.gpuCores * 128 * 2 * machine.gpuClockGHz * 1e9
}

function constantsFor(machine: Machine, family: SpeedFamily, calibration: SpeedCalibration | null = null): SpeedEstimate['constants'] {
  const tier = findChip(machine.chip)?.tier ?? 'base'
  const fitted = SPEED_CONSTANTS[family][tier]
  if (!calibration) return { ...fitted, engine: family, tier }
  return {
    ...fitted,
    bandwidthEfficiency: calibration.bandwidthEfficiency,
    perTokenSeconds: calibration.perTokenSeconds,
    flopsEfficiency: calibration.flopsEfficiency ?? fitted.flopsEfficiency,
    engine: family,
    tier,
  }
}

/** The fixed part of a decoded token's time: perTokenSeconds scaled by depth, plus each MoE layer's launches. */
export function fixedTokenSeconds(constants: Pick<SpeedConstants, 'perTokenSeconds' | 'moeLayerSeconds'>, architecture: Architecture): number {
  return constants.perTokenSeconds * (architecture.layers.length / REFERENCE_LAYERS) + constants.moeLayerSeconds * moeLayerCount(architecture)
}

/** Seconds one decoded token takes at `tokens` of context (the figure decodeTokensPerSecond inverts). */
export function decodeSecondsAt(inputs: SpeedInputs, tokens: number): number {
  const constants = constantsFor(inputs.machine, inputs.speedFamily, inputs.calibration ?? null)
  return (inputs.activeWeightBytes + inputs.cacheBytesAt(tokens)) / (inputs.machine.bandwidthBytesPerSecond * constants.bandwidthEfficiency) + fixedTokenSeconds(constants, inputs.architecture)
}

/** Seconds to the first token for a prompt of `tokens` (compute-bound prefill). */
export function prefillSecondsFor(inputs: SpeedInputs, tokens: number): number {
  const constants = constantsFor(inputs.machine, inputs.speedFamily, inputs.calibration ?? null)
  return (2 * inputs.activeParams * tokens + attentionFlops(inputs.architecture, tokens)) / (peakFlops(inputs.machine) * constants.flopsEfficiency)
}

/** Prompt FLOPs of `tokens` (the matrices and causal attention), for the prefill calibration. */
export function promptFlops(inputs: Pick<SpeedInputs, 'activeParams' | 'architecture'>, tokens: number): number {
  return 2 * inputs.activeParams * tokens + attentionFlops(inputs.architecture, tokens)
}

/** FLOPs of causal attention over a prompt of n tokens: QKᵀ and AV, each 2 × n²/2 × width per attention layer. */
function attentionFlops(arch: Architecture, n: number): number {
  let total = 0
  for (const layer of arch.layers) {
    if (layer.kind === 'linear' || layer.kind === 'mamba') continue
    const span = layer.kind === 'sliding' && layer.window !== null ? Math.min(n, layer.window) : n
    // Each of the n queries attends to ~span/2 keys on average when span = n (causal), or ~span when windowed.
    const pairs = span === n ? (n * n) / 2 : n * span
    const width = arch.numHeads * (layer.kind === 'mla' && arch.mla ? arch.mla.qkNopeHeadDim + arch.mla.qkRopeHeadDim + arch.mla.vHeadDim : 2 * arch.headDim)
    total += 2 * pairs * width
  }
  return total
}

/** Layers whose FFN is a mixture of experts (all of them if an MoE architecture does not flag its layers). */
function moeLayerCount(arch: Architecture): number {
  if (arch.moe === null) return 0
  const flagged = arch.layers.filter((layer) => layer.moe).length
  return flagged > 0 ? flagged : arch.layers.length
}

export function estimateSpeed(inputs: SpeedInputs): SpeedEstimate {
  const constants = constantsFor(inputs.machine, inputs.speedFamily, inputs.calibration ?? null)
  // The fixed per-token cost is kernel launches and syncs, so it scales with depth: the constants are for 32 layers
  // (docs/speed.md: without the scaling a 70B is over-predicted by 12.7 %, with it by 1.1 %). Each MoE layer adds its
  // own launches (router, top-k, gather, expert matmuls): without that term MLX MoE decode was over-predicted by 34–86 %.
  const decodeAt = (tokens: number): number => 1 / decodeSecondsAt(inputs, tokens)
  const n = inputs.context
  const ttft = prefillSecondsFor(inputs, n)
  return {
    decodeTokensPerSecond: { empty: decodeAt(1), typical: decodeAt(Math.min(TYPICAL_CONTEXT, n)), full: decodeAt(n) },
    prefillTokensPerSecond: n / ttft,
    timeToFirstTokenSeconds: ttft,
    constants,
    expectedError: inputs.calibration
      ? { fraction: SPEED_EXPECTED_ERROR[inputs.speedFamily].fraction, basis: `${SPEED_EXPECTED_ERROR[inputs.speedFamily].basis}; constants from ${inputs.calibration.source}` }
      : SPEED_EXPECTED_ERROR[inputs.speedFamily],
  }
}
