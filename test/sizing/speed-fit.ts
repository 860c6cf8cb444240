/**
 * The decode-speed fit of docs/speed.md §4, as code: the fit/held-out split of MEASUREMENTS, the weighted least-squares
 * fits that produce src/sizing/speed-constants.ts from the fit rows only, and the held-out error report. Test support:
 * test/sizing/speed-calibration.test.ts checks that the shipped constants are this fit (rounded) and that the held-out
 * errors stay within the figures docs/speed.md reports. Everything is deterministic (no randomness, no clock).
 */
import { findChip, type ChipTier } from '../../src/catalog/chips.ts'
import { REFERENCE_LAYERS, type SpeedConstants } from '../../src/sizing/speed-constants.ts'
import { LEGACY_BUILD, type SpeedMeasurement } from './speed-measurements.ts'

export type Split = 'fit' | 'holdout'
export type ReportGroup = 'llama.cpp' | 'llama.cpp 8e672ef' | 'mlx-lm' | 'ollama' | 'LM Studio GGUF'

export const TIERS: readonly ChipTier[] = ['base', 'pro', 'max', 'ultra']

/** FNV-1a, 32 bit: a stable hash of a string (no dependency, same result on every platform). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** The source document: the row's URL without anything after it (the part of `source` before the first space). */
export const sourceDocument = (m: SpeedMeasurement): string => m.source.split(' ')[0] ?? m.source

/**
 * Held-out rule (fixed before any fit was run, docs/speed.md §4.0): a row is held out when
 * FNV-1a(source document | chip | GPU cores | model) mod 3 = 0. All quantizations of one model on one machine in one
 * source share the key, so a held-out row never has a sibling in the fit set that differs only by its quant.
 * Rows run through a front-end fleet does not deploy (`frontEnd`, LM Studio's GGUF engine) are always held out.
 */
export function splitOf(m: SpeedMeasurement): Split {
  if (m.frontEnd !== undefined) return 'holdout'
  return fnv1a(`${sourceDocument(m)}|${m.chip}|${m.gpuCores}|${m.model}`) % 3 === 0 ? 'holdout' : 'fit'
}

export const tierOf = (m: SpeedMeasurement): ChipTier => {
  const chip = findChip(m.chip)
  if (!chip) throw new Error(`${m.chip} is not a catalog chip id`)
  return chip.tier
}
export const isMoe = (m: SpeedMeasurement): boolean => m.activeWeightBytes !== undefined
export const isLegacy = (m: SpeedMeasurement): boolean => m.build === LEGACY_BUILD

/** Bytes a decoded token reads, in fleet's units: per-token weights (no untied embedding table) + KV where given. */
export function bytesRead(m: SpeedMeasurement): number {
  const weights = m.activeWeightBytes ?? m.modelBytes - (m.embeddingBytes ?? 0)
  return weights + (m.kvBytesRead ?? 0)
}
const depthOf = (m: SpeedMeasurement): number => (m.layers ?? REFERENCE_LAYERS) / REFERENCE_LAYERS
/** Bandwidth term at efficiency 1: seconds per token. */
const streamSeconds = (m: SpeedMeasurement): number => bytesRead(m) / (m.bandwidthGBps * 1e9)

/** t_token = bytes / (eff × BW) + perTokenSeconds × layers/32 × t0Scale + moeLayerSeconds × MoE layers. */
export function predictDecode(m: SpeedMeasurement, c: Pick<SpeedConstants, 'bandwidthEfficiency' | 'perTokenSeconds' | 'moeLayerSeconds'>, t0Scale = 1): number {
  const t0 = c.perTokenSeconds * depthOf(m) * t0Scale + c.moeLayerSeconds * (m.moeLayers ?? 0)
  return 1 / (streamSeconds(m) / c.bandwidthEfficiency + t0)
}

export const signedError = (predicted: number, measured: number): number => (predicted - measured) / measured
export const relErr = (predicted: number, measured: number): number => Math.abs(signedError(predicted, measured))

/**
 * Weighted least squares for t = Σ_j x_j β_j with weights 1/t² (i.e. relative error in time per token, which is the
 * relative error in tok/s to first order). Solves the normal equations by Gaussian elimination; throws when singular.
 */
export function relativeLeastSquares(rows: readonly { readonly x: readonly number[]; readonly t: number }[]): number[] {
  const k = rows[0]?.x.length ?? 0
  if (k === 0 || rows.length < k) throw new Error(`need at least ${k} rows, have ${rows.length}`)
  const a = Array.from({ length: k }, () => Array.from({ length: k + 1 }, () => 0))
  for (const { x, t } of rows) {
    const w = 1 / (t * t)
    for (let i = 0; i < k; i++) {
      const row = a[i] as number[]
      for (let j = 0; j < k; j++) row[j] = (row[j] ?? 0) + w * (x[i] ?? 0) * (x[j] ?? 0)
      row[k] = (row[k] ?? 0) + w * (x[i] ?? 0) * t
    }
  }
  for (let col = 0; col < k; col++) {
    let pivot = col
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r]?.[col] ?? 0) > Math.abs(a[pivot]?.[col] ?? 0)) pivot = r
    const p = a[pivot] as number[]
    a[pivot] = a[col] as number[]
    a[col] = p
    if (Math.abs(p[col] ?? 0) < 1e-30) throw new Error('singular least-squares system')
    for (let r = 0; r < k; r++) {
      if (r === col) continue
      const row = a[r] as number[]
      const f = (row[col] ?? 0) / (p[col] ?? 1)
      for (let j = col; j <= k; j++) row[j] = (row[j] ?? 0) - f * (p[j] ?? 0)
    }
  }
  return a.map((row, i) => (row[k] ?? 0) / (row[i] ?? 1))
}

interface DenseFit {
  readonly bandwidthEfficiency: number
  /** Per 32 layers. */
  readonly perTokenSeconds: number
  readonly rows: number
}

/** (1/eff, t0) by relative least squares over dense rows: t = stream × (1/eff) + depth × t0. */
function fitDense(rows: readonly SpeedMeasurement[]): DenseFit {
  const [inv, t0] = relativeLeastSquares(rows.map((m) => ({ x: [streamSeconds(m), depthOf(m)], t: 1 / m.decodeTokensPerSecond })))
  return { bandwidthEfficiency: 1 / (inv ?? 1), perTokenSeconds: t0 ?? 0, rows: rows.length }
}

/** One scalar s in t = base(m) + s × x(m), by relative least squares (weights 1/t_measured²). */
function fitScalarRelative(rows: readonly SpeedMeasurement[], base: (m: SpeedMeasurement) => number, x: (m: SpeedMeasurement) => number): number {
  let num = 0
  let den = 0
  for (const m of rows) {
    const t = 1 / m.decodeTokensPerSecond
    const w = 1 / (t * t)
    num += w * x(m) * (t - base(m))
    den += w * x(m) * x(m)
  }
  if (den === 0) throw new Error('no rows for a scalar fit')
  return num / den
}

export interface DecodeFit {
  /** llama.cpp per tier at build 8e672ef: efficiency and t0 (per 32 layers). */
  readonly llamaLegacy: Readonly<Record<ChipTier, DenseFit>>
  /** t0(current builds) / t0(8e672ef), one multiplier for every tier. */
  readonly llamaCurrentT0Scale: number
  readonly llamaMoeLayerSeconds: number
  /** Ollama: extra fixed cost per token per 32 layers on top of the current llama.cpp t0. */
  readonly ollamaExtraSeconds: number
  /** mlx-lm per tier (tiers with too few fit rows use `mlxPooled`). */
  readonly mlx: Readonly<Record<ChipTier, DenseFit & { readonly pooled: boolean }>>
  readonly mlxPooled: DenseFit
  readonly mlxMoeLayerSeconds: Readonly<Record<ChipTier, number>>
}

/** Minimum dense fit rows, and bytes-read spread (max/min), for a tier of its own; otherwise the pooled MLX fit. */
const MIN_TIER_ROWS = 5
const MIN_BYTES_SPREAD = 3

export function fitDecode(all: readonly SpeedMeasurement[]): DecodeFit {
  const fit = all.filter((m) => splitOf(m) === 'fit')
  const llamaDense = fit.filter((m) => m.engine === 'llama.cpp' && !isMoe(m))
  const legacy = llamaDense.filter(isLegacy)
  const llamaLegacy = Object.fromEntries(TIERS.map((tier) => [tier, fitDense(legacy.filter((m) => tierOf(m) === tier))])) as Record<ChipTier, DenseFit>
  const current = llamaDense.filter((m) => !isLegacy(m))
  const llamaCurrentT0Scale = fitScalarRelative(
    current,
    (m) => streamSeconds(m) / llamaLegacy[tierOf(m)].bandwidthEfficiency,
    (m) => llamaLegacy[tierOf(m)].perTokenSeconds * depthOf(m),
  )
  const llamaDenseT = (m: SpeedMeasurement): number => {
    const c = llamaLegacy[tierOf(m)]
    return streamSeconds(m) / c.bandwidthEfficiency + c.perTokenSeconds * llamaCurrentT0Scale * depthOf(m)
  }
  const llamaMoe = fit.filter((m) => m.engine === 'llama.cpp' && isMoe(m))
  const llamaMoeLayerSeconds = fitScalarRelative(llamaMoe, llamaDenseT, (m) => m.moeLayers ?? 0)
  const ollama = fit.filter((m) => m.engine === 'ollama')
  const ollamaExtraSeconds = fitScalarRelative(ollama, (m) => llamaDenseT(m) + llamaMoeLayerSeconds * (m.moeLayers ?? 0), depthOf)

  const mlxDense = fit.filter((m) => m.engine === 'mlx-lm' && !isMoe(m))
  const mlxPooled = fitDense(mlxDense)
  const mlx = Object.fromEntries(
    TIERS.map((tier) => {
      const rows = mlxDense.filter((m) => tierOf(m) === tier)
      const bytes = rows.map(bytesRead)
      const spread = bytes.length > 0 ? Math.max(...bytes) / Math.min(...bytes) : 0
      return [tier, rows.length >= MIN_TIER_ROWS && spread >= MIN_BYTES_SPREAD ? { ...fitDense(rows), pooled: false } : { ...mlxPooled, pooled: true }]
    }),
  ) as Record<ChipTier, DenseFit & { pooled: boolean }>
  const mlxMoeRows = fit.filter((m) => m.engine === 'mlx-lm' && isMoe(m))
  const mlxMoeFor = (tier: ChipTier): number => {
    const rows = mlxMoeRows.filter((m) => tierOf(m) === tier)
    const c = mlx[tier]
    return fitScalarRelative(
      rows,
      (m) => streamSeconds(m) / c.bandwidthEfficiency + c.perTokenSeconds * depthOf(m),
      (m) => m.moeLayers ?? 0,
    )
  }
  const moeMax = mlxMoeFor('max')
  const moeUltra = mlxMoeRows.some((m) => tierOf(m) === 'ultra') ? mlxMoeFor('ultra') : moeMax
  return {
    llamaLegacy,
    llamaCurrentT0Scale,
    llamaMoeLayerSeconds,
    ollamaExtraSeconds,
    mlx,
    mlxPooled,
    mlxMoeLayerSeconds: { base: moeMax, pro: moeMax, max: moeMax, ultra: moeUltra },
  }
}

export interface ErrorSummary {
  readonly n: number
  /** Median absolute relative error. */
  readonly median: number
  /** 80th percentile of the absolute relative error (nearest rank). */
  readonly p80: number
  readonly worst: number
  /** Median signed error: > 0 means predictions above the measurements (optimistic). */
  readonly medianSigned: number
  readonly worstRow: string
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const n = s.length
  if (n === 0) return Number.NaN
  return n % 2 === 1 ? (s[(n - 1) / 2] ?? Number.NaN) : ((s[n / 2 - 1] ?? 0) + (s[n / 2] ?? 0)) / 2
}

export function summarize(rows: readonly SpeedMeasurement[], predict: (m: SpeedMeasurement) => number): ErrorSummary {
  const signed = rows.map((m) => signedError(predict(m), m.decodeTokensPerSecond))
  const abs = signed.map(Math.abs).sort((a, b) => a - b)
  let worstIndex = 0
  signed.forEach((e, i) => {
    if (Math.abs(e) > Math.abs(signed[worstIndex] ?? 0)) worstIndex = i
  })
  const w = rows[worstIndex]
  return {
    n: rows.length,
    median: median(abs),
    p80: quantile(abs, 0.8),
    worst: abs[abs.length - 1] ?? Number.NaN,
    medianSigned: median(signed),
    worstRow: w ? `${w.engine} ${w.chip}/${w.gpuCores} ${w.model} ${w.quant} ${((signed[worstIndex] ?? 0) * 100).toFixed(1)}%` : '',
  }
}

export const reportGroupOf = (m: SpeedMeasurement): ReportGroup =>
  m.engine === 'llama.cpp' && m.frontEnd === 'LM Studio' ? 'LM Studio GGUF' : m.engine === 'llama.cpp' && isLegacy(m) ? 'llama.cpp 8e672ef' : m.engine
