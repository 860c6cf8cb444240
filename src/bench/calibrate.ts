/**
 * From what `fleet bench` measured to the constants `plan` predicts speed with, per machine and speed family
 * (docs/speed.md's model: t_token = bytes_read / (efficiency × bandwidth) + t0 × layers/32 + MoE launches; TTFT =
 * prompt FLOPs / (flops efficiency × peak FLOPS)). A least-squares line through (bytes read per token, seconds per
 * token) over every measured point of the machine — several contexts and models — gives the efficiency (its slope)
 * and t0 (its intercept); the prefill points give the FLOPS efficiency. Stored per machine in fleet.calibration.json,
 * so every model on that machine is predicted with them, not only the ones measured. Pure.
 */
import type { EngineId } from '../catalog/engines.ts'
import type { CalibrationLookup, SpeedCalibration } from '../sizing/speed.ts'

export const CALIBRATION_FILE = 'fleet.calibration.json'
/** Below this ratio of the largest to the smallest bytes per token, only the efficiency is fitted. */
export const MIN_BYTES_SPREAD = 1.5
export const CALIBRATION_VERSION = 1

/** One measured point, with the model's figures for it. */
export interface CalibrationPoint {
  /** Bytes one decoded token reads there (active weights + cache at that context). */
  readonly bytesPerToken: number
  /** Measured seconds per decoded token (single stream). */
  readonly secondsPerToken: number
  /** The model's depth factor (layers / 32) and MoE launch seconds, to turn the intercept into perTokenSeconds. */
  readonly depth: number
  readonly moeSeconds: number
  /** Prefill: prompt FLOPs and the measured seconds to the first token (null when not measured). */
  readonly promptFlops: number | null
  readonly ttftSeconds: number | null
}

export interface MachineCalibration extends SpeedCalibration {
  readonly machine: string
  /** Per engine: vllm-mlx serves through mlx-lm's kernels but not at its speed. */
  readonly engine: EngineId
  readonly measuredAt: string
  readonly points: number
  /** Catalog bandwidth the efficiency multiplies (so a later catalog change is visible). */
  readonly bandwidthBytesPerSecond: number
}

export interface CalibrationFile {
  readonly version: typeof CALIBRATION_VERSION
  /** `machine/engine` → the calibration. */
  readonly calibrations: Readonly<Record<string, MachineCalibration>>
}

export function calibrationKey(machine: string, engine: EngineId): string {
  return `${machine}/${engine}`
}

/**
 * Fits efficiency and t0 (per 32 layers) to the points: minimise Σ (s − b·a − c·depth − moe)² over a ≥ 0, c ≥ 0
 * (two-variable least squares; when the bytes do not vary enough to tell the slope, a line through the origin of the
 * fixed part). Null with fewer than two points.
 */
export function fitCalibration(
  points: readonly CalibrationPoint[],
  context: { machine: string; engine: EngineId; bandwidthBytesPerSecond: number; peakFlops: number; measuredAt: string; fittedPerTokenSeconds: number },
): MachineCalibration | null {
  if (points.length < 2) return null
  // s − moe = a·b + c·depth: normal equations of the 2×2 system.
  let sbb = 0
  let sbd = 0
  let sdd = 0
  let sbs = 0
  let sds = 0
  for (const p of points) {
    const y = p.secondsPerToken - p.moeSeconds
    sbb += p.bytesPerToken * p.bytesPerToken
    sbd += p.bytesPerToken * p.depth
    sdd += p.depth * p.depth
    sbs += p.bytesPerToken * y
    sds += p.depth * y
  }
  const bytes = points.map((p) => p.bytesPerToken)
  let a: number
  let c: number
  if (Math.max(...bytes) >= MIN_BYTES_SPREAD * Math.min(...bytes)) {
    const det = sbb * sdd - sbd * sbd
    a = (sbs * sdd - sds * sbd) / det
    c = (sbb * sds - sbd * sbs) / det
  } else {
    // The bytes barely vary (one model, short contexts): the slope and the intercept cannot be told apart, so the
    // fitted per-token cost stays and only the efficiency is measured.
    c = context.fittedPerTokenSeconds
    a = points.reduce((sum, p) => sum + p.bytesPerToken * (p.secondsPerToken - p.moeSeconds - c * p.depth), 0) / sbb
  }
  if (c < 0) {
    // No negative fixed cost: the slope alone, through the origin.
    c = 0
    a = sbs / sbb
  }
  if (!(a > 0)) return null
  const prefill = points.filter((p) => p.promptFlops !== null && p.ttftSeconds !== null && p.ttftSeconds > 0)
  const measured = prefill.length === 0 ? null : prefill.reduce((sum, p) => sum + p.promptFlops! / (p.ttftSeconds! * context.peakFlops), 0) / prefill.length
  // Above the peak (a cached prompt, a request too short to time): not a measurement of prefill, so the fit's stays.
  const flopsEfficiency = measured !== null && measured > 0 && measured <= 1 ? measured : null
  return {
    machine: context.machine,
    engine: context.engine,
    bandwidthEfficiency: 1 / (a * context.bandwidthBytesPerSecond),
    perTokenSeconds: c,
    flopsEfficiency,
    measuredAt: context.measuredAt,
    points: points.length,
    bandwidthBytesPerSecond: context.bandwidthBytesPerSecond,
    source: `fleet bench ${context.measuredAt.slice(0, 10)}, ${CALIBRATION_FILE}`,
  }
}

/**
 * The calibration of a machine and engine. The efficiency multiplies the catalog bandwidth it was measured against: if
 * the machine's figure changed since (another chip, a declared bandwidth), it is rescaled so the measured effective
 * bandwidth stays what was measured.
 */
export function lookupIn(file: CalibrationFile | null): CalibrationLookup {
  return (machine, engine) => {
    const c = file?.calibrations[calibrationKey(machine.name, engine)]
    if (!c) return null
    return { ...c, bandwidthEfficiency: (c.bandwidthEfficiency * c.bandwidthBytesPerSecond) / machine.bandwidthBytesPerSecond }
  }
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0

/** An entry fleet can predict with: finite positive constants (flops efficiency null or in (0, 1]). */
export function validCalibration(value: unknown): value is MachineCalibration {
  if (typeof value !== 'object' || value === null) return false
  const c = value as Record<string, unknown>
  const flops = c.flopsEfficiency
  return (
    typeof c.machine === 'string' &&
    typeof c.engine === 'string' &&
    typeof c.source === 'string' &&
    positive(c.bandwidthEfficiency) &&
    positive(c.bandwidthBytesPerSecond) &&
    typeof c.perTokenSeconds === 'number' &&
    Number.isFinite(c.perTokenSeconds) &&
    c.perTokenSeconds >= 0 &&
    (flops === null || (positive(flops) && flops <= 1))
  )
}
