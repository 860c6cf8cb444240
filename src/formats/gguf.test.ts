import { describe, expect, it } from 'vitest'
import { ByteWriter, buildGguf, meta, seededRandom } from '../../test/support/model-files.ts'
import type { ByteSource, GgufHeader } from './gguf.ts'
import { GgufFormatError, bufferSource, ggufSplitInfo, ggufSplitName, ggufTotalTensorBytes, parseGgufSplitName, readGgufHeader } from './gguf.ts'

/** A source that answers at most `chunk` bytes per read and records every request. */
function chunkedSource(buf: Uint8Array, chunk: number, withSize = true): ByteSource & { reads: Array<[number, number]> } {
  const reads: Array<[number, number]> = []
  return {
    ...(withSize ? { size: buf.length } : {}),
    reads,
    read: async (offset, length) => {
      reads.push([offset, length])
      return buf.slice(offset, offset + Math.min(length, chunk))
    },
  }
}

async function formatErrorOf(promise: Promise<unknown>): Promise<GgufFormatError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof GgufFormatError) return error
    throw error
  }
  throw new Error('expected a GgufFormatError, but the header was read')
}

const LAYERS = 4
/** A small llama-like model: per-layer arrays, several quant types, a >2^53 u64. */
function smallModel(): Uint8Array {
  return buildGguf({
    metadata: [
      ['general.architecture', 'llama'],
      ['general.name', meta.string('tiny – ünïcode')],
      ['general.file_type', meta.u32(15)],
      ['llama.block_count', meta.u32(LAYERS)],
      ['llama.context_length', meta.u32(131072)],
      ['llama.attention.head_count', meta.u32(32)],
      ['llama.attention.head_count_kv', meta.array('i32', [8, 8, 0, 8])],
      ['llama.attention.sliding_window_pattern', meta.array('bool', [true, false, true, false])],
      ['llama.rope.freq_base', meta.f32(500000)],
      ['llama.attention.layer_norm_rms_epsilon', meta.f64(1e-5)],
      ['test.u8', meta.u8(255)],
      ['test.i8', meta.i8(-128)],
      ['test.u16', meta.u16(65535)],
      ['test.i16', meta.i16(-32768)],
      ['test.i32', meta.i32(-7)],
      ['test.u64.small', meta.u64(2 ** 40)],
      ['test.u64.huge', meta.u64(2n ** 63n + 5n)],
      ['test.i64', meta.i64(-(2n ** 62n))],
      ['tokenizer.ggml.tokens', meta.array('string', ['<s>', '</s>', 'héllo', ''])],
      ['tokenizer.ggml.scores', meta.array('f32', [0, -1.5, 2.25, 0])],
    ],
    tensors: [
      { name: 'token_embd.weight', shape: [256, 4], type: 'Q4_K' },
      { name: 'blk.0.attn_q.weight', shape: [64, 3], type: 'Q8_0' },
      { name: 'blk.0.ffn_down.weight', shape: [256, 2], type: 'Q6_K' },
      { name: 'blk.0.attn_norm.weight', shape: [7], type: 'F32' },
      { name: 'blk.0.ffn_gate_exps.weight', shape: [32, 2, 3], type: 'MXFP4' },
      { name: 'output.weight', shape: [3, 5], type: 'F16' },
    ],
  })
}

describe('readGgufHeader round trip', () => {
  it('reads metadata of every type and exact tensor sizes', async () => {
    const file = smallModel()
    const h = await readGgufHeader(bufferSource(file))
    expect(h.version).toBe(3)
    expect(h.alignment).toBe(32)
    expect(h.metadata.get('general.architecture')).toBe('llama')
    expect(h.metadata.get('general.name')).toBe('tiny – ünïcode')
    expect(h.metadata.get('llama.attention.head_count_kv')).toEqual([8, 8, 0, 8])
    expect(h.metadata.get('llama.attention.sliding_window_pattern')).toEqual([true, false, true, false])
    expect(h.metadata.get('llama.rope.freq_base')).toBe(500000)
    expect(h.metadata.get('llama.attention.layer_norm_rms_epsilon')).toBe(1e-5)
    expect(h.metadata.get('test.u8')).toBe(255)
    expect(h.metadata.get('test.i8')).toBe(-128)
    expect(h.metadata.get('test.u16')).toBe(65535)
    expect(h.metadata.get('test.i16')).toBe(-32768)
    expect(h.metadata.get('test.i32')).toBe(-7)
    expect(h.metadata.get('test.u64.small')).toBe(2 ** 40)
    expect(h.metadata.get('test.u64.huge')).toBe(2n ** 63n + 5n)
    expect(h.metadata.get('test.i64')).toBe(-(2n ** 62n))
    expect(h.metadata.get('tokenizer.ggml.tokens')).toEqual(['<s>', '</s>', 'héllo', ''])
    expect(h.metadata.get('tokenizer.ggml.scores')).toEqual([0, -1.5, 2.25, 0])

    expect(h.tensors.map((t) => [t.name, t.typeName, t.bytes])).toEqual([
      ['token_embd.weight', 'Q4_K', 144 * 4],
      ['blk.0.attn_q.weight', 'Q8_0', 2 * 34 * 3],
      ['blk.0.ffn_down.weight', 'Q6_K', 210 * 2],
      ['blk.0.attn_norm.weight', 'F32', 28],
      ['blk.0.ffn_gate_exps.weight', 'MXFP4', 17 * 6],
      ['output.weight', 'F16', 30],
    ])
    expect(h.tensors[4]).toMatchObject({ shape: [32, 2, 3], typeId: 39 })
    expect(ggufTotalTensorBytes(h)).toBe(576 + 204 + 420 + 28 + 102 + 30)
    for (const t of h.tensors) expect(t.offset % 32).toBe(0)
    expect(h.dataOffset % 32).toBe(0)
    expect(h.headerBytes).toBeLessThanOrEqual(h.dataOffset)
    expect(h.dataOffset - h.headerBytes).toBeLessThan(32)
    // The writer pads every tensor, so the data section ends exactly at the end of the file.
    expect(h.dataOffset + h.tensorDataBytes).toBe(file.length)
  })

  it('honours general.alignment and version 2', async () => {
    const file = buildGguf({
      version: 2,
      alignment: 64,
      tensors: [
        { name: 'a', shape: [3], type: 'F32' },
        { name: 'b', shape: [32], type: 'Q4_0' },
      ],
    })
    const h = await readGgufHeader(bufferSource(file))
    expect(h.version).toBe(2)
    expect(h.alignment).toBe(64)
    expect(h.metadata.get('general.alignment')).toBe(64)
    expect(h.tensors.map((t) => t.offset)).toEqual([0, 64])
    expect(h.dataOffset % 64).toBe(0)
    expect(h.tensorDataBytes).toBe(128)
  })

  it('reads a file without tensors, whose data section is not padded', async () => {
    const file = buildGguf({ metadata: { 'general.architecture': 'clip' } })
    const h = await readGgufHeader(bufferSource(file))
    expect(h.tensors).toEqual([])
    expect(h.headerBytes).toBe(file.length)
    expect(h.dataOffset).toBe(file.length)
    expect(h.tensorDataBytes).toBe(0)
  })

  it('gives the same answer through a source that returns 7 bytes at a time', async () => {
    const file = smallModel()
    const whole = await readGgufHeader(bufferSource(file))
    const source = chunkedSource(file, 7)
    const chunked = await readGgufHeader(source)
    expect(chunked).toEqual(whole)
    for (const [offset, length] of source.reads) expect(offset + length).toBeLessThanOrEqual(file.length)
  })

  it('reads a header-only prefix when the size is unknown (a Range read), but not when the file is known to be short', async () => {
    const headerOnly = buildGguf({ tensors: [{ name: 'w', shape: [256, 16], type: 'Q4_K' }], tensorData: 'none' })
    const h = await readGgufHeader(chunkedSource(headerOnly, 1 << 20, false))
    expect(h.tensors[0]?.bytes).toBe(144 * 16)
    const error = await formatErrorOf(readGgufHeader(bufferSource(headerOnly)))
    expect(error.message).toMatch(/truncated: tensor data ends at byte \d+ but the file has/)
  })
})

describe('large headers', () => {
  // 150k tokens like Qwen's vocabulary make a header of ~2 MB.
  const tokens = Array.from({ length: 150_000 }, (_, i) => `tok_${i}_${'x'.repeat(i % 7)}`)
  const file = buildGguf({
    metadata: [
      ['tokenizer.ggml.tokens', meta.array('string', tokens)],
      [
        'tokenizer.ggml.token_type',
        meta.array(
          'i32',
          tokens.map((_, i) => i % 3),
        ),
      ],
    ],
    tensors: [{ name: 'token_embd.weight', shape: [32, 8], type: 'Q8_0' }],
    tensorData: 'none',
  })

  it('grows its buffer by doubling, reading only a few chunks', async () => {
    const source = chunkedSource(file, Number.MAX_SAFE_INTEGER, false)
    const h = await readGgufHeader(source)
    const list = h.metadata.get('tokenizer.ggml.tokens') as string[]
    expect(list).toHaveLength(150_000)
    expect(list[149_999]).toBe(tokens[149_999])
    expect((h.metadata.get('tokenizer.ggml.token_type') as number[])[5]).toBe(2)
    expect(file.length).toBeGreaterThan(2 * 2 ** 20)
    expect(source.reads[0]).toEqual([0, 256 * 1024])
    expect(source.reads.length).toBeLessThanOrEqual(6)
    const fetched = source.reads.reduce((sum, [, length]) => sum + length, 0)
    expect(fetched).toBeLessThan(2 * file.length)
  })

  it('refuses a header larger than maxHeaderBytes', async () => {
    const error = await formatErrorOf(readGgufHeader(bufferSource(file), { maxHeaderBytes: 1 << 20 }))
    expect(error.message).toMatch(/1048576-byte maxHeaderBytes limit/)
  })

  it('refuses arrays longer than maxArrayLength', async () => {
    const error = await formatErrorOf(readGgufHeader(bufferSource(file), { maxArrayLength: 1000 }))
    expect(error.message).toMatch(/tokenizer\.ggml\.tokens' has 150000 elements/)
  })
})

/** Hand-made headers: magic, version, tensor count, kv count, then whatever `body` writes. */
function header(body: (w: ByteWriter) => void, counts: { tensors?: number | bigint; kv?: number | bigint; version?: number } = {}): Uint8Array {
  const w = new ByteWriter()
  w.bytes(new TextEncoder().encode('GGUF'))
    .u32(counts.version ?? 3)
    .u64(counts.tensors ?? 0)
    .u64(counts.kv ?? 0)
  body(w)
  return w.toUint8Array()
}

/** One tensor info record. */
function tensorInfo(w: ByteWriter, name: string, dims: Array<number | bigint>, type: number, offset: number | bigint = 0): void {
  w.str(name).u32(dims.length)
  for (const d of dims) w.u64(d)
  w.i32(type).u64(offset)
}

describe('hostile input', () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['an empty file', new Uint8Array(0), /truncated/],
    ['wrong magic', new TextEncoder().encode('GGML\x03\x00\x00\x00'), /not a GGUF file: magic is 'GGML'/],
    ['version 1', header(() => {}, { version: 1 }), /unsupported GGUF version 1/],
    ['version 4', header(() => {}, { version: 4 }), /unsupported GGUF version 4/],
    ['a big-endian file', header(() => {}, { version: 0x03000000 }), /big-endian/],
    ['2^63 tensors', header(() => {}, { tensors: 2n ** 63n }), /tensor count 9223372036854775808 is too large/],
    ['2^40 metadata entries', header(() => {}, { kv: 2n ** 40n }), /but only \d+ bytes remain before the end of the file/],
    ['a huge key length', header((w) => w.u64(2n ** 62n).bytes(new Uint8Array(16)), { kv: 1 }), /key #0 length 4611686018427387904 is too large/],
    ['a key longer than the file', header((w) => w.u64(1000).bytes(new Uint8Array(10)), { kv: 1 }), /claims 1000 bytes but only 10 remain before the end of the file \(truncated or corrupt\)/],
    ['an empty key', header((w) => w.str('').i32(4).u32(1), { kv: 1 }), /key #0 is empty/],
    ['a duplicate key', header((w) => w.str('a').i32(4).u32(1).str('a').i32(4).u32(2), { kv: 2 }), /'a' appears twice/],
    ['an unknown value type', header((w) => w.str('a').i32(13).u32(1), { kv: 1 }), /'a' has unknown value type 13/],
    ['a negative value type', header((w) => w.str('a').i32(-1).u32(1), { kv: 1 }), /unknown value type -1/],
    [
      'a huge string value',
      header(
        (w) =>
          w
            .str('a')
            .i32(8)
            .u64(2n ** 60n)
            .u32(0),
        { kv: 1 },
      ),
      /'a' length 1152921504606846976 is too large/,
    ],
    [
      'an array of 2^50 u8',
      header(
        (w) =>
          w
            .str('a')
            .i32(9)
            .i32(0)
            .u64(2n ** 50n),
        { kv: 1 },
      ),
      /has 1125899906842624 elements/,
    ],
    ['an array longer than the file', header((w) => w.str('a').i32(9).i32(5).u64(1000).u32(1), { kv: 1 }), /claims 1000 elements but only 4 bytes remain/],
    ['an array of an unknown type', header((w) => w.str('a').i32(9).i32(77).u64(1), { kv: 1 }), /'a' item has unknown value type 77/],
    [
      'arrays nested too deep',
      header(
        (w) => {
          w.str('a').i32(9)
          for (let i = 0; i < 6; i++) w.i32(9).u64(1)
          w.i32(4).u64(1).u32(1)
        },
        { kv: 1 },
      ),
      /nests arrays deeper than 4 levels/,
    ],
    ['alignment as u64', header((w) => w.str('general.alignment').i32(10).u64(32), { kv: 1 }), /general.alignment must be a u32, got u64/],
    ['alignment 0', header((w) => w.str('general.alignment').i32(4).u32(0), { kv: 1 }), /alignment 0 is not a power of two/],
    ['alignment 48', header((w) => w.str('general.alignment').i32(4).u32(48), { kv: 1 }), /alignment 48 is not a power of two/],
    ['a tensor name of 64 bytes', header((w) => tensorInfo(w, 'n'.repeat(64), [32], 0), { tensors: 1 }), /name is 64 bytes; the limit is 63/],
    ['5 dimensions', header((w) => tensorInfo(w, 't', [1, 1, 1, 1, 1], 0), { tensors: 1 }), /'t' has 5 dimensions/],
    ['a dimension of 2^60', header((w) => tensorInfo(w, 't', [2n ** 60n], 0), { tensors: 1 }), /'t' dimension 0 1152921504606846976 is too large/],
    ['a tensor of 2^80 bytes', header((w) => tensorInfo(w, 't', [2 ** 40, 2 ** 40], 0), { tensors: 1 }), /too large to be real/],
    ['removed type Q4_0_4_4', header((w) => tensorInfo(w, 't', [32], 31), { tensors: 1 }), /type 31 \(Q4_0_4_4, no longer supported/],
    ['an unknown type', header((w) => tensorInfo(w, 't', [32], 200), { tensors: 1 }), /type 200 \(unknown; newer than this fleet/],
    ['a negative type', header((w) => tensorInfo(w, 't', [32], -1), { tensors: 1 }), /type -1 \(unknown/],
    ['a partial block', header((w) => tensorInfo(w, 't', [100, 2], 12), { tensors: 1 }), /rows of 100 elements, not a multiple of its block size 256/],
    [
      'a duplicate tensor name',
      header(
        (w) => {
          tensorInfo(w, 't', [1], 0)
          tensorInfo(w, 't', [1], 0, 32)
        },
        { tensors: 2 },
      ),
      /tensor name 't' appears twice/,
    ],
    [
      'a misplaced offset',
      header(
        (w) => {
          tensorInfo(w, 'a', [1], 0)
          tensorInfo(w, 'b', [1], 0, 4)
        },
        { tensors: 2 },
      ),
      /'b' has data offset 4, expected 32/,
    ],
    ['an offset of 2^63', header((w) => tensorInfo(w, 't', [1], 0, 2n ** 63n), { tensors: 1 }), /data offset 9223372036854775808 is too large/],
  ]

  it.each(cases)('rejects %s', async (_, bytes, message) => {
    const error = await formatErrorOf(readGgufHeader(bufferSource(bytes)))
    expect(error.message).toMatch(message)
  })

  it('keeps untrusted names short and printable in messages', async () => {
    const key = `evil\u001b[31m${'k'.repeat(10_000)}`
    const file = header((w) => w.str(key).i32(4).u32(1).str(key).i32(4).u32(2), { kv: 2 })
    const error = await formatErrorOf(readGgufHeader(bufferSource(file)))
    expect(error.message).toMatch(/^metadata 'evil\\x1b\[31mk+\.\.\.' appears twice$/)
    expect(error.message.length).toBeLessThan(120)
  })

  it('accepts nested arrays within the depth limit', async () => {
    const file = header((w) => w.str('a').i32(9).i32(9).u64(2).i32(4).u64(1).u32(7).i32(8).u64(1).str('x'), { kv: 1 })
    const h = await readGgufHeader(bufferSource(file))
    expect(h.metadata.get('a')).toEqual([[7], ['x']])
  })

  it('throws GgufFormatError when truncated at any byte before the end of the tensor data', async () => {
    const file = smallModel()
    const h = await readGgufHeader(bufferSource(file))
    const last = h.tensors[h.tensors.length - 1]!
    const dataEnd = h.dataOffset + last.offset + last.bytes
    for (let cut = 0; cut < file.length; cut++) {
      const read = readGgufHeader(bufferSource(file.subarray(0, cut)))
      if (cut < dataEnd) {
        const error = await formatErrorOf(read)
        expect(error.message).toMatch(/truncated/)
      } else {
        // Like llama.cpp, the padding after the last tensor is not required.
        await expect(read).resolves.toBeDefined()
      }
    }
  })

  it('only ever throws GgufFormatError for thousands of random mutations', async () => {
    const original = smallModel()
    const parsed = await readGgufHeader(bufferSource(original))
    const random = seededRandom(42)
    const pick = (n: number) => Math.floor(random() * n)
    let accepted = 0
    for (let round = 0; round < 3000; round++) {
      let file = original.slice()
      // Mostly hit the header, where the structure is; sometimes cut or extend the file too.
      const edits = 1 + pick(4)
      for (let e = 0; e < edits; e++) {
        const at = pick(parsed.dataOffset)
        const kind = pick(4)
        if (kind === 0) file[at] = pick(256)
        else if (kind === 1) file[at] = file[at]! ^ (1 << pick(8))
        else if (kind === 2) file[at] = [0, 0xff, 0x7f, 0x80][pick(4)]!
        else file = file.subarray(0, pick(file.length + 1))
      }
      try {
        const source = round % 3 === 0 ? chunkedSource(file, 1 + pick(64), round % 2 === 0) : bufferSource(file)
        const h: GgufHeader = await readGgufHeader(source)
        expect(h.dataOffset).toBeGreaterThanOrEqual(h.headerBytes)
        accepted++
      } catch (error) {
        if (!(error instanceof GgufFormatError)) throw error
      }
    }
    // Some mutations land in values (a name, a float) and still make a valid file.
    expect(accepted).toBeGreaterThan(0)
  })

  it('only ever throws GgufFormatError for random bytes after a valid magic and version', async () => {
    const random = seededRandom(7)
    for (let round = 0; round < 1000; round++) {
      const body = new Uint8Array(Math.floor(random() * 200))
      for (let i = 0; i < body.length; i++) body[i] = Math.floor(random() * 256)
      const w = new ByteWriter().bytes(new TextEncoder().encode('GGUF')).u32(3)
      // Small counts so the random body is actually parsed as entries.
      w.u64(Math.floor(random() * 3))
        .u64(Math.floor(random() * 3))
        .bytes(body)
      await readGgufHeader(bufferSource(w.toUint8Array())).catch((error: unknown) => {
        if (!(error instanceof GgufFormatError)) throw error
      })
    }
  })
})

describe('split files', () => {
  it('parses llama-gguf-split names', () => {
    expect(parseGgufSplitName('models/Qwen3-235B-Q4_K_M-00002-of-00005.gguf')).toEqual({
      base: 'models/Qwen3-235B-Q4_K_M',
      index: 2,
      count: 5,
    })
    expect(parseGgufSplitName('model-00001-of-00001.gguf')).toEqual({ base: 'model', index: 1, count: 1 })
    expect(parseGgufSplitName('model.gguf')).toBeNull()
    expect(parseGgufSplitName('model-00000-of-00003.gguf')).toBeNull()
    expect(parseGgufSplitName('model-00004-of-00003.gguf')).toBeNull()
    expect(parseGgufSplitName('model-1-of-3.gguf')).toBeNull()
    expect(ggufSplitName('dir/model', 3, 12)).toBe('dir/model-00003-of-00012.gguf')
  })

  it('reads split.* metadata', async () => {
    const file = buildGguf({
      metadata: [
        ['split.no', meta.u16(1)],
        ['split.count', meta.u16(3)],
        ['split.tensors.count', meta.i32(291)],
      ],
    })
    const h = await readGgufHeader(bufferSource(file))
    expect(ggufSplitInfo(h)).toEqual({ no: 1, count: 3, tensorsCount: 291 })
    expect(ggufSplitInfo({ metadata: new Map() })).toBeNull()
    expect(() =>
      ggufSplitInfo({
        metadata: new Map([
          ['split.count', 2],
          ['split.no', 2],
        ]),
      }),
    ).toThrow(GgufFormatError)
    expect(() => ggufSplitInfo({ metadata: new Map([['split.count', 'two']]) })).toThrow(/split.count must be/)
  })
})
