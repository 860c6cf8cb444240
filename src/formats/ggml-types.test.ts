import { describe, expect, it } from 'vitest'
import {
  GGML_TYPES,
  KV_CACHE_BYTES_PER_ELEMENT,
  KV_CACHE_TYPES,
  REMOVED_GGML_TYPES,
  bytesPerElement,
  ggmlTypeById,
  ggmlTypeByName,
  isKvCacheType,
  llamaFileTypeName,
  tensorBytes,
} from './ggml-types.ts'

describe('ggml type table', () => {
  // sizing.md §3.7 (block sizes from the ggml-common.h static_asserts): [name, block, bytes per block, bpw]
  const SIZING_3_7: Array<[string, number, number, number]> = [
    ['F32', 1, 4, 32],
    ['F16', 1, 2, 16],
    ['BF16', 1, 2, 16],
    ['Q8_0', 32, 34, 8.5],
    ['Q6_K', 256, 210, 6.5625],
    ['Q5_1', 32, 24, 6],
    ['Q5_0', 32, 22, 5.5],
    ['Q5_K', 256, 176, 5.5],
    ['Q4_1', 32, 20, 5],
    ['Q4_0', 32, 18, 4.5],
    ['Q4_K', 256, 144, 4.5],
    ['IQ4_NL', 32, 18, 4.5],
    ['IQ4_XS', 256, 136, 4.25],
    ['MXFP4', 32, 17, 4.25],
    ['Q3_K', 256, 110, 3.4375],
    ['IQ3_S', 256, 110, 3.4375],
    ['IQ3_XXS', 256, 98, 3.0625],
    ['Q2_K', 256, 84, 2.625],
    ['IQ2_S', 256, 82, 2.5625],
    ['IQ2_XS', 256, 74, 2.3125],
    ['IQ2_XXS', 256, 66, 2.0625],
    ['TQ2_0', 256, 66, 2.0625],
    ['TQ1_0', 256, 54, 1.6875],
    ['IQ1_M', 256, 56, 1.75],
    ['IQ1_S', 256, 50, 1.5625],
  ]

  it.each(SIZING_3_7)('%s: %i elements in %i bytes (%f bpw), as in sizing.md §3.7', (name, block, bytes, bpw) => {
    const type = ggmlTypeByName(name)
    expect(type).toMatchObject({ name, blockSize: block, typeSize: bytes })
    expect((type!.typeSize * 8) / type!.blockSize).toBe(bpw)
  })

  it('uses the enum ggml_type ids from ggml.h', () => {
    const ids = Object.fromEntries(GGML_TYPES.map((t) => [t.name, t.id]))
    expect(ids).toMatchObject({
      F32: 0,
      F16: 1,
      Q4_0: 2,
      Q4_1: 3,
      Q5_0: 6,
      Q5_1: 7,
      Q8_0: 8,
      Q8_1: 9,
      Q2_K: 10,
      Q3_K: 11,
      Q4_K: 12,
      Q5_K: 13,
      Q6_K: 14,
      Q8_K: 15,
      IQ2_XXS: 16,
      IQ2_XS: 17,
      IQ3_XXS: 18,
      IQ1_S: 19,
      IQ4_NL: 20,
      IQ3_S: 21,
      IQ2_S: 22,
      IQ4_XS: 23,
      I8: 24,
      I16: 25,
      I32: 26,
      I64: 27,
      F64: 28,
      IQ1_M: 29,
      BF16: 30,
      TQ1_0: 34,
      TQ2_0: 35,
      MXFP4: 39,
      NVFP4: 40,
      Q1_0: 41,
      Q2_0: 42,
    })
  })

  it('has unique ids and names, and never lists a removed id', () => {
    expect(new Set(GGML_TYPES.map((t) => t.id)).size).toBe(GGML_TYPES.length)
    expect(new Set(GGML_TYPES.map((t) => t.name)).size).toBe(GGML_TYPES.length)
    for (const id of REMOVED_GGML_TYPES.keys()) expect(ggmlTypeById(id)).toBeUndefined()
    for (const t of GGML_TYPES) expect(ggmlTypeById(t.id)).toBe(t)
  })

  it('looks names up case-insensitively (ggml spells q4_K, llama-server q8_0)', () => {
    expect(ggmlTypeByName('q4_K')?.id).toBe(12)
    expect(ggmlTypeByName('q8_0')?.id).toBe(8)
    expect(ggmlTypeByName('nope')).toBeUndefined()
  })

  it('gives Q8_1 the 36-byte block of ggml-common.h', () => {
    expect(ggmlTypeByName('Q8_1')).toMatchObject({ blockSize: 32, typeSize: 36 })
  })
})

describe('tensorBytes', () => {
  it('computes ne0/block × typeSize × the other dimensions', () => {
    expect(tensorBytes(12, [4096, 4096])).toBe((4096 / 256) * 144 * 4096)
    expect(tensorBytes(8, [4096, 14336])).toBe((4096 / 32) * 34 * 14336)
    expect(tensorBytes(39, [2880, 2880, 32])).toBe((2880 / 32) * 17 * 2880 * 32)
    expect(tensorBytes(0, [4096])).toBe(16384)
    expect(tensorBytes(0, [])).toBe(4) // a scalar
    expect(tensorBytes(12, [256, 0, 7])).toBe(0)
  })

  it('throws when a row is not a whole number of blocks', () => {
    expect(() => tensorBytes(12, [100, 2])).toThrow(/multiple of 256/)
    expect(() => tensorBytes(2, [])).toThrow(/multiple of 32/)
  })

  it('throws on unknown ids, bad dimensions and sizes beyond 2^53', () => {
    expect(() => tensorBytes(31, [32])).toThrow(/unknown/)
    expect(() => tensorBytes(0, [-1])).toThrow()
    expect(() => tensorBytes(0, [1.5])).toThrow()
    expect(() => tensorBytes(0, [2 ** 40, 2 ** 40])).toThrow(/too large/)
  })
})

describe('bytesPerElement and KV cache types', () => {
  it('divides block bytes by block elements', () => {
    expect(bytesPerElement('q8_0')).toBe(1.0625)
    expect(bytesPerElement('Q4_K')).toBe(0.5625)
    expect(() => bytesPerElement('q3_0')).toThrow(/unknown/)
  })

  it('lists the llama-server cache types with the sizes of sizing.md §3.2', () => {
    expect([...KV_CACHE_TYPES]).toEqual(['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'iq4_nl', 'q5_0', 'q5_1'])
    expect(KV_CACHE_BYTES_PER_ELEMENT).toEqual({
      f32: 4,
      f16: 2,
      bf16: 2,
      q8_0: 1.0625,
      q5_1: 0.75,
      q5_0: 0.6875,
      q4_1: 0.625,
      q4_0: 0.5625,
      iq4_nl: 0.5625,
    })
    expect(isKvCacheType('q8_0')).toBe(true)
    expect(isKvCacheType('q4_K')).toBe(false)
  })
})

describe('llamaFileTypeName', () => {
  it('names general.file_type values as model files spell them', () => {
    expect(llamaFileTypeName(15)).toBe('Q4_K_M')
    expect(llamaFileTypeName(7)).toBe('Q8_0')
    expect(llamaFileTypeName(0)).toBe('F32')
    expect(llamaFileTypeName(38)).toBe('MXFP4_MOE')
    expect(llamaFileTypeName(4)).toBeUndefined()
  })
})
