/**
 * The catalog path computes weight bytes from shapes; the Hub path sums real tensor tables. On the same model they
 * must agree to the byte — here against files written by MLX itself (mx.quantize) and by a GGUF writer.
 */
import { describe, expect, it } from 'vitest'
import { bufferSource, readGgufHeader } from '../../src/formats/gguf.ts'
import { readSafetensorsHeader } from '../../src/formats/safetensors.ts'
import { architectureFromGguf } from '../../src/model/gguf-config.ts'
import { architectureFromHfConfig } from '../../src/model/hf-config.ts'
import { modelTensors } from '../../src/sizing/tensors.ts'
import { ggufWeightBytes, mlxQuantizedBytes, mlxWeightBytes } from '../../src/sizing/weights.ts'
import { mlxQuantizedSafetensors, requireMlx, TINY_LLAMA_CONFIG, tinyGguf } from '../support/tiny-models.ts'

describe('MLX affine layout, checked against mx.quantize', () => {
  const mx = requireMlx()
  it.each([
    [4, 64, [512, 256]],
    [4, 128, [256, 512]],
    [8, 64, [128, 256]],
    [8, 32, [64, 128]],
  ] as const)('%i bits, group %i, shape %j', (bits, groupSize, shape) => {
    const w = mx.random.normal([...shape]).astype(mx.float16)
    const [wq, scales, biases] = mx.quantize(w, groupSize, bits)
    const real = wq!.nbytes! + scales!.nbytes! + biases!.nbytes!
    const elements = shape[0] * shape[1]
    expect(mlxQuantizedBytes(elements, shape[1], { mode: 'affine', bits, groupSize }, 2)).toBe(real)
  })
})

describe('computed weight bytes equal the files', () => {
  it('MLX 4-bit: a whole model written by MLX', async () => {
    const header = await readSafetensorsHeader(bufferSource(mlxQuantizedSafetensors()))
    const fromFile = header.tensors.reduce((s, t) => s + t.bytes, 0)
    const arch = architectureFromHfConfig(TINY_LLAMA_CONFIG)
    const computed = mlxWeightBytes(arch, modelTensors(arch), { mode: 'affine', bits: 4, groupSize: 64 })
    expect(computed.totalBytes).toBe(fromFile)
  })

  it('GGUF Q8_0: the same architecture from config.json and from the GGUF header', async () => {
    const header = await readGgufHeader(bufferSource(tinyGguf()))
    const fromFile = header.tensors.reduce((s, t) => s + t.bytes, 0)
    const fromConfig = architectureFromHfConfig(TINY_LLAMA_CONFIG)
    const reading = architectureFromGguf(header.metadata)
    expect(reading.notes).toEqual([])
    const fromHeader = reading.architecture!
    expect({ ...fromHeader, dtype: fromConfig.dtype, extras: fromConfig.extras }).toEqual({ ...fromConfig, ropeScaling: null })
    expect(ggufWeightBytes(fromConfig, modelTensors(fromConfig), 'Q8_0').totalBytes).toBe(fromFile)
  })
})
