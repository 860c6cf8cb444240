import { describe, expect, it } from 'vitest'
import { ByteWriter, buildSafetensors, seededRandom } from '../../test/support/model-files.ts'
import type { ByteSource } from './gguf.ts'
import { bufferSource } from './gguf.ts'
import { SAFETENSORS_DTYPE_BITS, SafetensorsFormatError, dtypeBytes, readSafetensorsHeader } from './safetensors.ts'

function chunkedSource(buf: Uint8Array, chunk: number, withSize = true): ByteSource {
  return {
    ...(withSize ? { size: buf.length } : {}),
    read: async (offset, length) => buf.slice(offset, offset + Math.min(length, chunk)),
  }
}

async function formatErrorOf(promise: Promise<unknown>): Promise<SafetensorsFormatError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof SafetensorsFormatError) return error
    throw error
  }
  throw new Error('expected a SafetensorsFormatError, but the header was read')
}

/** A raw file: 8-byte length, the given JSON text (unpadded), then `dataBytes` zero bytes. */
function rawFile(json: string, dataBytes = 0): Uint8Array {
  const text = new TextEncoder().encode(json)
  return new ByteWriter().u64(text.length).bytes(text).bytes(new Uint8Array(dataBytes)).toUint8Array()
}

describe('dtypeBytes', () => {
  it('knows every safetensors dtype', () => {
    expect(dtypeBytes('F64')).toBe(8)
    expect(dtypeBytes('F32')).toBe(4)
    expect(dtypeBytes('F16')).toBe(2)
    expect(dtypeBytes('BF16')).toBe(2)
    expect(dtypeBytes('I64')).toBe(8)
    expect(dtypeBytes('U64')).toBe(8)
    expect(dtypeBytes('I32')).toBe(4)
    expect(dtypeBytes('U32')).toBe(4)
    expect(dtypeBytes('I16')).toBe(2)
    expect(dtypeBytes('U16')).toBe(2)
    expect(dtypeBytes('I8')).toBe(1)
    expect(dtypeBytes('U8')).toBe(1)
    expect(dtypeBytes('BOOL')).toBe(1)
    expect(dtypeBytes('F8_E4M3')).toBe(1)
    expect(dtypeBytes('F8_E5M2')).toBe(1)
    expect(dtypeBytes('F8_E8M0')).toBe(1)
    expect(dtypeBytes('F4')).toBe(0.5)
    expect(dtypeBytes('F6_E2M3')).toBe(0.75)
    expect(dtypeBytes('C64')).toBe(8)
    expect(Object.keys(SAFETENSORS_DTYPE_BITS)).toHaveLength(20)
    expect(() => dtypeBytes('F12')).toThrow(/unknown/)
    expect(() => dtypeBytes('toString')).toThrow(/unknown/)
  })
})

describe('readSafetensorsHeader round trip', () => {
  const tensors = [
    { name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [32, 16] },
    { name: 'model.layers.0.self_attn.q_proj.weight', dtype: 'U32', shape: [16, 2] },
    { name: 'model.layers.0.self_attn.q_proj.scales', dtype: 'F16', shape: [16, 1] },
    { name: 'lm_head.weight', dtype: 'F32', shape: [3, 5] },
    { name: 'experts.blocks', dtype: 'F4', shape: [4, 6] },
    { name: 'experts.scales', dtype: 'F8_E8M0', shape: [4] },
    { name: 'empty', dtype: 'I64', shape: [0, 3] },
    { name: 'scalar', dtype: 'F64', shape: [] },
  ]

  it('reads dtypes, shapes, exact bytes and metadata', async () => {
    const file = buildSafetensors(tensors, { format: 'mlx', 'quantization.bits': '4' })
    const h = await readSafetensorsHeader(bufferSource(file))
    expect(h.metadata).toEqual({ format: 'mlx', 'quantization.bits': '4' })
    expect(h.tensors.map((t) => [t.name, t.dtype, t.shape, t.bytes])).toEqual([
      ['model.embed_tokens.weight', 'BF16', [32, 16], 1024],
      ['model.layers.0.self_attn.q_proj.weight', 'U32', [16, 2], 128],
      ['model.layers.0.self_attn.q_proj.scales', 'F16', [16, 1], 32],
      ['lm_head.weight', 'F32', [3, 5], 60],
      ['experts.blocks', 'F4', [4, 6], 12],
      ['experts.scales', 'F8_E8M0', [4], 4],
      ['empty', 'I64', [0, 3], 0],
      ['scalar', 'F64', [], 8],
    ])
    expect(h.dataBytes).toBe(1024 + 128 + 32 + 60 + 12 + 4 + 8)
    expect(h.headerBytes % 8).toBe(0)
    expect(h.headerBytes + h.dataBytes).toBe(file.length)
    expect(h.tensors[1]?.dataOffsets).toEqual([1024, 1152])
  })

  it('returns tensors in offset order whatever the JSON order, and handles no metadata', async () => {
    const json = JSON.stringify({
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
    })
    const h = await readSafetensorsHeader(bufferSource(rawFile(json, 12)))
    expect(h.tensors.map((t) => t.name)).toEqual(['a', 'b'])
    expect(h.metadata).toEqual({})
    expect(h.headerBytes).toBe(8 + json.length)
  })

  it('keeps a "__proto__" metadata key as data', async () => {
    const h = await readSafetensorsHeader(bufferSource(rawFile('{"__metadata__":{"__proto__":"x","format":"pt"}}')))
    expect(Object.getPrototypeOf(h.metadata)).toBe(Object.prototype)
    expect(Object.keys(h.metadata)).toEqual(['__proto__', 'format'])
  })

  it('reads through a source that returns 5 bytes at a time, and header-only when the size is unknown', async () => {
    const file = buildSafetensors(tensors)
    const whole = await readSafetensorsHeader(bufferSource(file))
    expect(await readSafetensorsHeader(chunkedSource(file, 5))).toEqual(whole)
    const headerOnly = buildSafetensors(tensors, undefined, { tensorData: 'none' })
    expect(await readSafetensorsHeader(chunkedSource(headerOnly, 5, false))).toEqual(whole)
    const error = await formatErrorOf(readSafetensorsHeader(bufferSource(headerOnly)))
    expect(error.message).toMatch(/tensor data should end at byte \d+ but the file has/)
  })
})

describe('hostile input', () => {
  const tensor = (dtype: string, shape: unknown, offsets: unknown) => JSON.stringify({ t: { dtype, shape, data_offsets: offsets } })
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['an empty file', new Uint8Array(0), /file is 0 bytes/],
    ['a 5-byte file', new Uint8Array(5), /file is 5 bytes/],
    ['a header length of 2^64-1', new ByteWriter().u64(2n ** 64n - 1n).toUint8Array(), /header length 18446744073709551615 exceeds/],
    ['a header length over 100 MB', new ByteWriter().u64(100_000_001).toUint8Array(), /exceeds the 100000000-byte limit/],
    ['a header longer than the file', new ByteWriter().u64(100).bytes(new Uint8Array(10)).toUint8Array(), /truncated: header needs 108 bytes but the file has 18/],
    ['an empty header', rawFile(''), /not valid JSON/],
    [
      'invalid UTF-8',
      new ByteWriter()
        .u64(2)
        .bytes(new Uint8Array([0xc3, 0x28]))
        .toUint8Array(),
      /not valid UTF-8/,
    ],
    ['invalid JSON', rawFile('{"t": '), /not valid JSON/],
    ['a JSON array', rawFile('[]'), /must be a JSON object/],
    ['a JSON string', rawFile('"x"'), /must be a JSON object/],
    ['a tensor that is a number', rawFile('{"t": 3}'), /tensor "t" must be an object/],
    ['a missing dtype', rawFile('{"t": {"shape": [1], "data_offsets": [0, 4]}}', 4), /no dtype/],
    ['an unknown dtype', rawFile(tensor('F12', [1], [0, 4]), 4), /unknown dtype "F12"/],
    ['a prototype dtype', rawFile(tensor('constructor', [1], [0, 4]), 4), /unknown dtype "constructor"/],
    ['a negative dimension', rawFile(tensor('F32', [-1], [0, 4]), 4), /shape must be an array of non-negative integers/],
    ['a fractional dimension', rawFile(tensor('F32', [1.5], [0, 6]), 6), /non-negative integers/],
    ['a dimension of 1e300', rawFile(tensor('F32', [1e300], [0, 4]), 4), /non-negative integers/],
    ['a shape of 2^40 × 2^40', rawFile(tensor('F32', [2 ** 40, 2 ** 40], [0, 4]), 4), /too large/],
    ['three offsets', rawFile(tensor('F32', [1], [0, 4, 8]), 4), /data_offsets must be \[begin, end\]/],
    ['string offsets', rawFile(tensor('F32', [1], ['0', '4']), 4), /data_offsets must be/],
    ['reversed offsets', rawFile(tensor('F32', [0], [4, 0]), 4), /end before they begin/],
    ['a size mismatch', rawFile(tensor('F32', [2], [0, 4]), 4), /= 8 bytes, but data_offsets span 4/],
    ['an odd count of F4', rawFile(tensor('F4', [3], [0, 2]), 2), /does not fill whole bytes/],
    ['data not starting at 0', rawFile(tensor('F32', [1], [4, 8]), 8), /leaves a gap after byte 0/],
    [
      'overlapping tensors',
      rawFile(JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }), 8),
      /"b" at data_offsets \[4, 8\] overlaps the previous tensor/,
    ],
    [
      'a gap between tensors',
      rawFile(JSON.stringify({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }), 12),
      /"b" .* leaves a gap after byte 4/,
    ],
    ['non-string metadata', rawFile('{"__metadata__": {"bits": 4}}'), /__metadata__ value for "bits" must be a string/],
    ['array metadata', rawFile('{"__metadata__": ["x"]}'), /__metadata__ must be an object/],
    ['trailing bytes after the data', rawFile(tensor('F32', [1], [0, 4]), 5), /should end at byte \d+ but the file has/],
    ['missing data', rawFile(tensor('F32', [1], [0, 4]), 3), /should end at byte \d+ but the file has/],
  ]

  it.each(cases)('rejects %s', async (_, bytes, message) => {
    const error = await formatErrorOf(readSafetensorsHeader(bufferSource(bytes)))
    expect(error.message).toMatch(message)
  })

  it('accepts null metadata, as serde does for Option', async () => {
    const h = await readSafetensorsHeader(bufferSource(rawFile('{"__metadata__": null}')))
    expect(h.metadata).toEqual({})
  })

  it('honours a smaller maxHeaderBytes', async () => {
    const file = buildSafetensors([{ name: 'x'.repeat(200), dtype: 'F32', shape: [1] }])
    const error = await formatErrorOf(readSafetensorsHeader(bufferSource(file), { maxHeaderBytes: 64 }))
    expect(error.message).toMatch(/exceeds the 64-byte limit/)
  })

  it('throws SafetensorsFormatError when truncated at any byte', async () => {
    const file = buildSafetensors(
      [
        { name: 'a', dtype: 'F16', shape: [3, 4] },
        { name: 'b', dtype: 'I8', shape: [5] },
      ],
      { format: 'pt' },
    )
    for (let cut = 0; cut < file.length; cut++) {
      await formatErrorOf(readSafetensorsHeader(bufferSource(file.subarray(0, cut))))
    }
  })

  it('only ever throws SafetensorsFormatError for thousands of random mutations', async () => {
    const file = buildSafetensors(
      [
        { name: 'model.a', dtype: 'BF16', shape: [4, 4] },
        { name: 'model.b', dtype: 'F4', shape: [2, 8] },
        { name: 'model.c', dtype: 'U32', shape: [3] },
      ],
      { format: 'mlx' },
    )
    const random = seededRandom(3)
    const pick = (n: number) => Math.floor(random() * n)
    const printable = new TextEncoder().encode('{}[]",:0123456789-.eE ntrufalsF')
    for (let round = 0; round < 3000; round++) {
      const mutated = file.slice()
      const edits = 1 + pick(3)
      for (let e = 0; e < edits; e++) {
        const at = pick(Math.min(file.length, 8 + 160))
        // JSON-ish characters keep many mutants parseable, so the validation paths run too.
        mutated[at] = pick(2) === 0 ? printable[pick(printable.length)]! : pick(256)
      }
      const source = round % 2 === 0 ? bufferSource(mutated) : chunkedSource(mutated, 1 + pick(32), false)
      await readSafetensorsHeader(source).catch((error: unknown) => {
        if (!(error instanceof SafetensorsFormatError)) throw error
      })
    }
  })
})
