import { describe, it, expect } from 'vitest'
import { CHIPS, findChip } from './chips.ts'
import type { Chip, ChipVariant } from './chips.ts'

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

function chip(id: string): Chip {
  const found = findChip(id)
  if (!found) throw new Error(`chip ${id} missing from CHIPS`)
  return found
}

function variant(id: string, gpuCores: number): ChipVariant {
  const found = chip(id).variants.find((v) => v.gpuCores === gpuCores)
  if (!found) throw new Error(`${id} has no ${gpuCores}-core GPU variant`)
  return found
}

describe('CHIPS catalog shape', () => {
  it('has unique, kebab-case ids', () => {
    const ids = CHIPS.map((c) => c.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id, id).toMatch(KEBAB)
  })

  it('gives every chip at least one variant and at least one http(s) source', () => {
    for (const c of CHIPS) {
      expect(c.variants.length, c.id).toBeGreaterThanOrEqual(1)
      expect(c.sources.length, c.id).toBeGreaterThanOrEqual(1)
      for (const url of c.sources) expect(url, `${c.id} source`).toMatch(/^https?:\/\/\S+$/)
    }
  })

  it('keeps id, name, generation and tier consistent', () => {
    for (const c of CHIPS) {
      const expectedId = c.tier === 'base' ? `m${c.generation}` : `m${c.generation}-${c.tier}`
      expect(c.id).toBe(expectedId)
      const expectedName = c.tier === 'base' ? `M${c.generation}` : `M${c.generation} ${c.tier[0]!.toUpperCase()}${c.tier.slice(1)}`
      expect(c.name).toBe(expectedName)
    }
  })

  it('has sane variant numbers', () => {
    for (const c of CHIPS) {
      for (const v of c.variants) {
        const where = `${c.id} ${v.cpuCores}/${v.gpuCores}`
        expect(Number.isInteger(v.cpuCores) && v.cpuCores > 0, where).toBe(true)
        expect(Number.isInteger(v.gpuCores) && v.gpuCores > 0, where).toBe(true)
        expect(v.bandwidthGBps, where).toBeGreaterThan(0)
        expect(v.memoryGB.length, where).toBeGreaterThan(0)
        expect(
          [...v.memoryGB].sort((a, b) => a - b),
          where,
        ).toEqual(v.memoryGB)
        expect(new Set(v.memoryGB).size, where).toBe(v.memoryGB.length)
      }
      // No two variants with the same CPU/GPU core counts.
      const keys = c.variants.map((v) => `${v.cpuCores}/${v.gpuCores}`)
      expect(new Set(keys).size, c.id).toBe(keys.length)
    }
  })

  it('has a plausible GPU clock and a YYYY-MM release month', () => {
    for (const c of CHIPS) {
      expect(c.gpuClockGHz, c.id).toBeGreaterThan(1)
      expect(c.gpuClockGHz, c.id).toBeLessThan(2)
      expect(c.released, c.id).toMatch(/^20\d\d-(0[1-9]|1[0-2])$/)
    }
  })

  it('covers every base/Pro/Max of M1–M5 and only the Ultras Apple shipped', () => {
    for (const g of [1, 2, 3, 4, 5]) {
      for (const suffix of ['', '-pro', '-max']) expect(findChip(`m${g}${suffix}`), `m${g}${suffix}`).toBeDefined()
    }
    for (const id of ['m1-ultra', 'm2-ultra', 'm3-ultra', 'm5-ultra']) expect(findChip(id), id).toBeDefined()
    expect(findChip('m4-ultra')).toBeUndefined()
  })
})

describe('spot values', () => {
  it("M1 is 68.25 GB/s (Apple's figure) on both GPU bins", () => {
    for (const v of chip('m1').variants) expect(v.bandwidthGBps).toBe(68.25)
    expect(chip('m1').variants.map((v) => v.gpuCores)).toEqual([7, 8])
  })

  it('M3 Ultra 80-core GPU is 819 GB/s and offers 512 GB', () => {
    const v = variant('m3-ultra', 80)
    expect(v.bandwidthGBps).toBe(819)
    expect(v.memoryGB).toContain(512)
    expect(variant('m3-ultra', 60).bandwidthGBps).toBe(819)
    expect(variant('m3-ultra', 60).memoryGB).not.toContain(512)
  })

  it('M4 Max 40-core is 546 GB/s and 32-core is 410 GB/s', () => {
    expect(variant('m4-max', 40).bandwidthGBps).toBe(546)
    expect(variant('m4-max', 32).bandwidthGBps).toBe(410)
    expect(variant('m4-max', 32).memoryGB).toEqual([36])
  })

  it('M3 Max bins differ in bandwidth; M3 Pro is 150 and M4 Pro is 273', () => {
    expect(variant('m3-max', 30).bandwidthGBps).toBe(300)
    expect(variant('m3-max', 40).bandwidthGBps).toBe(400)
    for (const v of chip('m3-pro').variants) expect(v.bandwidthGBps).toBe(150)
    for (const v of chip('m4-pro').variants) expect(v.bandwidthGBps).toBe(273)
  })

  it('M2 Ultra is 60/76-core at 800 GB/s with 64/128/192 GB', () => {
    expect(chip('m2-ultra').variants.map((v) => v.gpuCores)).toEqual([60, 76])
    for (const v of chip('m2-ultra').variants) {
      expect(v.bandwidthGBps).toBe(800)
      expect(v.memoryGB).toEqual([64, 128, 192])
    }
  })

  it("peak FP32 from the clock reproduces Apple's published TFLOPS", () => {
    const tflops = (id: string, gpuCores: number) => (gpuCores * 128 * 2 * chip(id).gpuClockGHz) / 1000
    expect(tflops('m1', 8)).toBeCloseTo(2.6, 1)
    expect(tflops('m2-max', 38)).toBeCloseTo(13.6, 1)
    expect(tflops('m2-ultra', 76)).toBeCloseTo(27.2, 1)
  })
})

describe('findChip', () => {
  it('returns the chip for a known id', () => {
    const c = findChip('m3-ultra')
    expect(c?.name).toBe('M3 Ultra')
    expect(c?.generation).toBe(3)
    expect(c?.tier).toBe('ultra')
  })

  it('returns undefined for an unknown id', () => {
    expect(findChip('m9-mega')).toBeUndefined()
    expect(findChip('')).toBeUndefined()
  })
})
