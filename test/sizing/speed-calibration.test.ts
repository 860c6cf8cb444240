import { describe, it, expect } from 'vitest'
import { findChip } from '../../src/catalog/chips.ts'
import type { Chip, ChipTier } from '../../src/catalog/chips.ts'
import { CALIBRATION_NOTE, REFERENCE_LAYERS, SPEED_CONSTANTS, type SpeedConstants } from '../../src/sizing/speed-constants.ts'
import { LEGACY_BUILD, LEGACY_BUILD_T0_SCALE, MEASUREMENTS, type SpeedMeasurement } from './speed-measurements.ts'

// Tolerances are the worst residuals the fit produced (docs/speed.md), rounded up:
// llama.cpp current builds 7.5 %, llama.cpp 8e672ef with the legacy t0 8.7 %, mlx-lm 10.0 %,
// llama.cpp prefill 12.7 % (TinyLlama and the MoE run excluded, see below);
// MoE decode (docs/speed.md §5.5): mlx-lm worst 7.9 % (10 runs), llama.cpp/Ollama worst 13.9 % (5 runs, front-ends and
// builds differ by ±15 % among themselves).
const LLAMA_CPP_DECODE_TOLERANCE = 0.1
const MLX_DECODE_TOLERANCE = 0.12
const PREFILL_TOLERANCE = 0.15
const MLX_MOE_DECODE_TOLERANCE = 0.1
const LLAMA_CPP_MOE_DECODE_TOLERANCE = 0.15

function chipOf(m: SpeedMeasurement): Chip {
  const chip = findChip(m.chip)
  if (!chip) throw new Error(`${m.chip} is not a catalog chip id`)
  return chip
}

function tierOf(m: SpeedMeasurement): ChipTier {
  return chipOf(m).tier
}

function constantsFor(m: SpeedMeasurement): SpeedConstants {
  return SPEED_CONSTANTS[m.engine][tierOf(m)]
}

const isMoe = (m: SpeedMeasurement): boolean => m.activeWeightBytes !== undefined

/**
 * The decode rule of sizing.md §8 with the t0 depth scaling and the per-MoE-layer cost of docs/speed.md; KV reads are
 * counted where the row gives them (kvBytesRead) and negligible elsewhere.
 */
function predictDecode(m: SpeedMeasurement, c: SpeedConstants, t0Scale = 1): number {
  const bytes = (m.activeWeightBytes ?? m.modelBytes) + (m.kvBytesRead ?? 0)
  const t0 = c.perTokenSeconds * ((m.layers ?? REFERENCE_LAYERS) / REFERENCE_LAYERS) * t0Scale + c.moeLayerSeconds * (m.moeLayers ?? 0)
  return 1 / (bytes / (c.bandwidthEfficiency * m.bandwidthGBps * 1e9) + t0)
}

function predictPrefill(m: SpeedMeasurement, c: SpeedConstants): number {
  const chip = chipOf(m)
  const peakFlops = m.gpuCores * 128 * 2 * chip.gpuClockGHz * 1e9
  return (c.flopsEfficiency * peakFlops) / (2 * m.activeParams)
}

const relErr = (predicted: number, measured: number): number => Math.abs(predicted - measured) / measured
const label = (m: SpeedMeasurement): string => `${m.engine} ${m.chip}/${m.gpuCores} ${m.model} ${m.quant} (${m.build ?? 'build n/a'})`

describe('MEASUREMENTS provenance', () => {
  it('has llama.cpp and mlx-lm rows', () => {
    expect(MEASUREMENTS.filter((m) => m.engine === 'llama.cpp').length).toBeGreaterThanOrEqual(60)
    expect(MEASUREMENTS.filter((m) => m.engine === 'mlx-lm').length).toBeGreaterThanOrEqual(10)
  })

  it('gives every measurement an http(s) source', () => {
    for (const m of MEASUREMENTS) expect(m.source, label(m)).toMatch(/^https:\/\/\S+ — \S/)
  })

  it('uses catalog chip ids, catalog GPU bins and the catalog bandwidth of that bin', () => {
    for (const m of MEASUREMENTS) {
      const variant = chipOf(m).variants.find((v) => v.gpuCores === m.gpuCores)
      expect(variant, label(m)).toBeDefined()
      expect(m.bandwidthGBps, label(m)).toBe(variant?.bandwidthGBps)
    }
  })

  it('has positive, finite numbers', () => {
    for (const m of MEASUREMENTS) {
      for (const x of [m.modelBytes, m.activeParams, m.decodeTokensPerSecond]) {
        expect(Number.isFinite(x) && x > 0, label(m)).toBe(true)
      }
      if (m.promptTokensPerSecond !== null) expect(m.promptTokensPerSecond, label(m)).toBeGreaterThan(0)
      if (m.activeWeightBytes !== undefined) expect(m.activeWeightBytes, label(m)).toBeLessThan(m.modelBytes)
      if (m.kvBytesRead !== undefined) expect(m.kvBytesRead, label(m)).toBeGreaterThan(0)
    }
  })

  it('gives every MoE row its MoE layer count, and no dense row one', () => {
    const moe = MEASUREMENTS.filter(isMoe)
    expect(moe.length).toBeGreaterThanOrEqual(15)
    for (const m of MEASUREMENTS) {
      if (!isMoe(m)) {
        expect(m.moeLayers, label(m)).toBeUndefined()
        continue
      }
      expect(m.moeLayers, label(m)).toBeGreaterThan(0)
      expect(m.moeLayers ?? 0, label(m)).toBeLessThanOrEqual(m.layers ?? 0)
    }
  })

  it('records the llama-bench sizes of LLaMA-2 7B exactly (12.55 / 6.67 / 3.56 GiB)', () => {
    const GIB = 1024 ** 3
    const sizes = new Map<string, number>()
    for (const m of MEASUREMENTS) if (m.model === 'LLaMA-2 7B') sizes.set(m.quant, m.modelBytes / GIB)
    expect(sizes.get('F16')).toBeCloseTo(12.55, 6)
    expect(sizes.get('Q8_0')).toBeCloseTo(6.67, 6)
    expect(sizes.get('Q4_0')).toBeCloseTo(3.56, 6)
  })
})

describe('SPEED_CONSTANTS', () => {
  it('keeps every efficiency in (0, 1] and every fixed cost positive and below 10 ms', () => {
    for (const engine of ['llama.cpp', 'mlx-lm'] as const) {
      for (const tier of ['base', 'pro', 'max', 'ultra'] as const) {
        const c = SPEED_CONSTANTS[engine][tier]
        const where = `${engine}/${tier}`
        for (const eff of [c.bandwidthEfficiency, c.flopsEfficiency]) {
          expect(eff, where).toBeGreaterThan(0)
          expect(eff, where).toBeLessThanOrEqual(1)
        }
        for (const t0 of [c.perTokenSeconds, c.moePerTokenSeconds]) {
          expect(t0, where).toBeGreaterThan(0)
          expect(t0, where).toBeLessThan(0.01)
        }
        expect(c.moePerTokenSeconds, where).toBeGreaterThanOrEqual(c.perTokenSeconds)
        // Per MoE layer: tens of µs (a handful of extra kernel launches), never more than the dense cost of a whole token.
        expect(c.moeLayerSeconds, where).toBeGreaterThan(0.00001)
        expect(c.moeLayerSeconds, where).toBeLessThan(0.0005)
        expect(c.moePerTokenSeconds, where).toBeCloseTo(c.perTokenSeconds + REFERENCE_LAYERS * c.moeLayerSeconds, 5)
      }
    }
  })

  it('reproduces every current-build dense llama.cpp decode measurement within 10 % (worst fitted residual 7.5 %)', () => {
    const rows = MEASUREMENTS.filter((m) => m.engine === 'llama.cpp' && m.build !== LEGACY_BUILD && !isMoe(m))
    expect(rows.length).toBeGreaterThanOrEqual(12)
    for (const m of rows) {
      expect(relErr(predictDecode(m, constantsFor(m)), m.decodeTokensPerSecond), label(m)).toBeLessThan(LLAMA_CPP_DECODE_TOLERANCE)
    }
  })

  it('reproduces every 8e672ef llama.cpp decode measurement within 10 % with the legacy t0 (worst 8.7 %)', () => {
    const rows = MEASUREMENTS.filter((m) => m.engine === 'llama.cpp' && m.build === LEGACY_BUILD)
    expect(rows.length).toBe(56)
    for (const m of rows) {
      const predicted = predictDecode(m, constantsFor(m), LEGACY_BUILD_T0_SCALE)
      expect(relErr(predicted, m.decodeTokensPerSecond), label(m)).toBeLessThan(LLAMA_CPP_DECODE_TOLERANCE)
    }
  })

  it('never predicts the 2023 build slower than measured by more than 5 % with current-build t0', () => {
    // Current builds are faster; the current constants may over-predict 8e672ef (up to 25 %), not under-predict it.
    for (const m of MEASUREMENTS.filter((x) => x.build === LEGACY_BUILD)) {
      expect(predictDecode(m, constantsFor(m)) / m.decodeTokensPerSecond, label(m)).toBeGreaterThan(0.95)
    }
  })

  it('reproduces every dense mlx-lm decode measurement within 12 % (worst fitted residual 10.0 %)', () => {
    const rows = MEASUREMENTS.filter((m) => m.engine === 'mlx-lm' && !isMoe(m))
    expect(rows.length).toBeGreaterThanOrEqual(14)
    for (const m of rows) {
      expect(relErr(predictDecode(m, constantsFor(m)), m.decodeTokensPerSecond), label(m)).toBeLessThan(MLX_DECODE_TOLERANCE)
    }
  })

  it('reproduces every mlx-lm MoE decode measurement within 10 % (worst fitted residual 7.9 %)', () => {
    const rows = MEASUREMENTS.filter((m) => m.engine === 'mlx-lm' && isMoe(m))
    expect(rows.length).toBeGreaterThanOrEqual(10)
    for (const m of rows) {
      expect(relErr(predictDecode(m, constantsFor(m)), m.decodeTokensPerSecond), label(m)).toBeLessThan(MLX_MOE_DECODE_TOLERANCE)
    }
  })

  it('reproduces every llama.cpp/Ollama MoE decode measurement within 15 % (worst fitted residual 13.9 %)', () => {
    const rows = MEASUREMENTS.filter((m) => m.engine === 'llama.cpp' && isMoe(m))
    expect(rows.length).toBeGreaterThanOrEqual(5)
    for (const m of rows) {
      expect(relErr(predictDecode(m, constantsFor(m)), m.decodeTokensPerSecond), label(m)).toBeLessThan(LLAMA_CPP_MOE_DECODE_TOLERANCE)
    }
  })

  it('needs the per-MoE-layer cost: without it every MoE row is predicted faster than measured', () => {
    // The dense-only prediction (moeLayerSeconds = 0) over-predicts every MoE run; the term is not a free parameter
    // that happens to help some rows and hurt others.
    for (const m of MEASUREMENTS.filter(isMoe)) {
      const dense = predictDecode(m, { ...constantsFor(m), moeLayerSeconds: 0 })
      expect(dense, label(m)).toBeGreaterThan(m.decodeTokensPerSecond)
    }
  })

  it('reproduces current-build dense llama.cpp pp512 of models ≥ 3B within 15 % (worst 12.7 %)', () => {
    // Excluded, documented misses: TinyLlama 1.1B (+31 %: small matmuls) and the MoE run (+66 %: expert routing).
    const rows = MEASUREMENTS.filter((m) => m.engine === 'llama.cpp' && m.build !== LEGACY_BUILD && m.promptTokensPerSecond !== null && m.activeWeightBytes === undefined && m.activeParams >= 3e9)
    expect(rows.length).toBeGreaterThanOrEqual(9)
    for (const m of rows) {
      const measured = m.promptTokensPerSecond ?? Number.NaN
      expect(relErr(predictPrefill(m, constantsFor(m)), measured), label(m)).toBeLessThan(PREFILL_TOLERANCE)
    }
  })

  it('ships a calibration note', () => {
    expect(CALIBRATION_NOTE.length).toBeGreaterThan(200)
    expect(CALIBRATION_NOTE).toContain('4167')
  })
})
