/**
 * Writers that build real, small GGUF and safetensors files for tests, so readers are exercised on actual
 * bytes rather than mocks. Sizes are exact (from the same block table fleet sizes real models with); tensor
 * contents are deterministic pseudo-random bytes.
 *
 * GGUF layout as written by gguf.cpp `gguf_write_to_buf` and gguf-py `GGUFWriter`: v3 header, metadata,
 * tensor infos, padding to the alignment, then each tensor's data followed by padding to the alignment.
 * Safetensors layout as written by huggingface/safetensors `serialize`: u64 length, JSON padded with spaces
 * to a multiple of 8, contiguous data.
 */
import { ggmlTypeById, ggmlTypeByName, tensorBytes } from '../../src/formats/ggml-types.ts'
import { dtypeBytes } from '../../src/formats/safetensors.ts'

/** Deterministic PRNG (mulberry32) so fuzz loops and tensor bytes are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Little-endian byte builder; also used by tests to hand-craft hostile headers. */
export class ByteWriter {
  private buf = new Uint8Array(256)
  private view = new DataView(this.buf.buffer)
  length = 0
  private static readonly encoder = new TextEncoder()

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + n))
      grown.set(this.buf.subarray(0, this.length))
      this.buf = grown
      this.view = new DataView(grown.buffer)
    }
    const at = this.length
    this.length += n
    return at
  }

  // reserve() may replace buf/view, so each writer reserves before touching them.
  u8(v: number): this {
    const at = this.reserve(1)
    this.view.setUint8(at, v)
    return this
  }
  i8(v: number): this {
    const at = this.reserve(1)
    this.view.setInt8(at, v)
    return this
  }
  u16(v: number): this {
    const at = this.reserve(2)
    this.view.setUint16(at, v, true)
    return this
  }
  i16(v: number): this {
    const at = this.reserve(2)
    this.view.setInt16(at, v, true)
    return this
  }
  u32(v: number): this {
    const at = this.reserve(4)
    this.view.setUint32(at, v, true)
    return this
  }
  i32(v: number): this {
    const at = this.reserve(4)
    this.view.setInt32(at, v, true)
    return this
  }
  f32(v: number): this {
    const at = this.reserve(4)
    this.view.setFloat32(at, v, true)
    return this
  }
  f64(v: number): this {
    const at = this.reserve(8)
    this.view.setFloat64(at, v, true)
    return this
  }
  u64(v: number | bigint): this {
    const at = this.reserve(8)
    this.view.setBigUint64(at, BigInt(v), true)
    return this
  }
  i64(v: number | bigint): this {
    const at = this.reserve(8)
    this.view.setBigInt64(at, BigInt(v), true)
    return this
  }
  bytes(b: Uint8Array): this {
    const at = this.reserve(b.length)
    this.buf.set(b, at)
    return this
  }
  /** GGUF string: u64 byte length + UTF-8. */
  str(s: string): this {
    const b = ByteWriter.encoder.encode(s)
    return this.u64(b.length).bytes(b)
  }
  padTo(alignment: number): this {
    const pad = (alignment - (this.length % alignment)) % alignment
    this.reserve(pad) // new bytes are already zero
    return this
  }
  toUint8Array(): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}

// --- GGUF ---

export type GgufScalarType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'u64' | 'i64' | 'f64'
type Scalar = number | bigint | boolean | string

export type GgufMetaValue = { type: GgufScalarType; value: Scalar } | { type: 'array'; itemType: GgufScalarType; value: readonly Scalar[] }

/** Plain values are typed the way tests usually mean them: see `toMetaValue`. */
export type GgufMetaInput = GgufMetaValue | Scalar | readonly string[] | readonly number[]

/** Shorthands: `meta.u32(5)`, `meta.array('i32', [8, 8, 4])`. */
export const meta = {
  u8: (value: number): GgufMetaValue => ({ type: 'u8', value }),
  i8: (value: number): GgufMetaValue => ({ type: 'i8', value }),
  u16: (value: number): GgufMetaValue => ({ type: 'u16', value }),
  i16: (value: number): GgufMetaValue => ({ type: 'i16', value }),
  u32: (value: number): GgufMetaValue => ({ type: 'u32', value }),
  i32: (value: number): GgufMetaValue => ({ type: 'i32', value }),
  f32: (value: number): GgufMetaValue => ({ type: 'f32', value }),
  f64: (value: number): GgufMetaValue => ({ type: 'f64', value }),
  u64: (value: number | bigint): GgufMetaValue => ({ type: 'u64', value }),
  i64: (value: number | bigint): GgufMetaValue => ({ type: 'i64', value }),
  bool: (value: boolean): GgufMetaValue => ({ type: 'bool', value }),
  string: (value: string): GgufMetaValue => ({ type: 'string', value }),
  array: (itemType: GgufScalarType, value: readonly Scalar[]): GgufMetaValue => ({ type: 'array', itemType, value }),
}

const VALUE_TYPE_IDS: Record<GgufScalarType | 'array', number> = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
}

function inferScalarType(v: Scalar): GgufScalarType {
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'bigint') return v < 0n ? 'i64' : 'u64'
  if (Number.isInteger(v)) return v >= 0 && v <= 0xffffffff ? 'u32' : 'i32'
  return 'f32'
}

/** string → string, boolean → bool, integer → u32 (i32 if negative), fraction → f32, bigint → u64/i64. */
function toMetaValue(input: GgufMetaInput): GgufMetaValue {
  if (typeof input === 'object' && 'type' in input) return input
  if (Array.isArray(input)) {
    const items = input as readonly Scalar[]
    const first = items[0]
    let itemType: GgufScalarType = first === undefined ? 'u32' : inferScalarType(first)
    if (itemType !== 'string' && items.some((x) => typeof x === 'number' && !Number.isInteger(x))) itemType = 'f32'
    else if (itemType === 'u32' && items.some((x) => typeof x === 'number' && x < 0)) itemType = 'i32'
    return { type: 'array', itemType, value: items }
  }
  return { type: inferScalarType(input as Scalar), value: input as Scalar }
}

function writeScalar(w: ByteWriter, type: GgufScalarType, v: Scalar): void {
  switch (type) {
    case 'u8':
      w.u8(Number(v))
      break
    case 'i8':
      w.i8(Number(v))
      break
    case 'u16':
      w.u16(Number(v))
      break
    case 'i16':
      w.i16(Number(v))
      break
    case 'u32':
      w.u32(Number(v))
      break
    case 'i32':
      w.i32(Number(v))
      break
    case 'f32':
      w.f32(Number(v))
      break
    case 'f64':
      w.f64(Number(v))
      break
    case 'u64':
      w.u64(typeof v === 'bigint' ? v : Number(v))
      break
    case 'i64':
      w.i64(typeof v === 'bigint' ? v : Number(v))
      break
    case 'bool':
      w.u8(v ? 1 : 0)
      break
    case 'string':
      w.str(String(v))
      break
  }
}

export interface GgufTensorSpec {
  name: string
  /** GGUF order: ne0 (the row length, fastest-varying) first. */
  shape: readonly number[]
  /** A ggml type name (`Q4_K`, case-insensitive) or id. */
  type: string | number
  /** Override the data offset written in the tensor info (for hostile tests). */
  offset?: number
}

export interface BuildGgufOptions {
  metadata?: Iterable<readonly [string, GgufMetaInput]> | Readonly<Record<string, GgufMetaInput>>
  tensors?: readonly GgufTensorSpec[]
  /** Written as `general.alignment` (u32) unless the metadata sets it; default 32. */
  alignment?: number
  version?: number
  /** 'none' writes only the header, as a Range read of a big file would see it. */
  tensorData?: 'random' | 'zero' | 'none'
  seed?: number
}

function resolveTypeId(type: string | number): number {
  const found = typeof type === 'number' ? ggmlTypeById(type) : ggmlTypeByName(type)
  if (found === undefined) {
    if (typeof type === 'number') return type // allow unknown ids for hostile tests; sizes then need offsets
    throw new Error(`unknown ggml type ${type}`)
  }
  return found.id
}

/**
 * A GGUF's header (no data) and the size of the whole file it describes: the header padded to the alignment, then each
 * tensor padded to it (the layout buildGguf writes). For sparse real-shape files: on disk or in the test Hub.
 */
export function ggufHeaderAndSize(options: Omit<BuildGgufOptions, 'tensorData'>): { header: Uint8Array; fileBytes: number } {
  const header = buildGguf({ ...options, tensorData: 'none' })
  const alignment = options.alignment ?? 32
  const pad = (n: number): number => Math.ceil(n / alignment) * alignment
  const data = (options.tensors ?? []).reduce((sum, t) => sum + pad(tensorBytes(resolveTypeId(t.type), t.shape)), 0)
  return { header, fileBytes: pad(header.length) + data }
}

export function buildGguf(options: BuildGgufOptions = {}): Uint8Array {
  const source = options.metadata ?? []
  const entries: Array<readonly [string, GgufMetaInput]> =
    Symbol.iterator in source ? [...(source as Iterable<readonly [string, GgufMetaInput]>)] : Object.entries(source as Record<string, GgufMetaInput>)
  const kv = entries.map(([key, value]) => [key, toMetaValue(value)] as const)
  const alignmentEntry = kv.find(([key]) => key === 'general.alignment')
  let alignment = options.alignment ?? 32
  if (alignmentEntry) alignment = Number(alignmentEntry[1].value)
  else if (options.alignment !== undefined) kv.push(['general.alignment', meta.u32(options.alignment)])

  const tensors = (options.tensors ?? []).map((t) => {
    const typeId = resolveTypeId(t.type)
    const known = ggmlTypeById(typeId) !== undefined
    return { ...t, typeId, bytes: known ? tensorBytes(typeId, t.shape) : 0 }
  })

  const w = new ByteWriter()
  w.bytes(new Uint8Array([0x47, 0x47, 0x55, 0x46])) // "GGUF"
  w.u32(options.version ?? 3)
    .u64(tensors.length)
    .u64(kv.length)
  for (const [key, value] of kv) {
    w.str(key).i32(VALUE_TYPE_IDS[value.type])
    if (value.type === 'array') {
      w.i32(VALUE_TYPE_IDS[value.itemType]).u64(value.value.length)
      for (const item of value.value) writeScalar(w, value.itemType, item)
    } else {
      writeScalar(w, value.type, value.value)
    }
  }
  let offset = 0
  for (const t of tensors) {
    w.str(t.name).u32(t.shape.length)
    for (const n of t.shape) w.u64(n)
    w.i32(t.typeId).u64(t.offset ?? offset)
    offset += Math.ceil(t.bytes / alignment) * alignment
  }
  if (options.tensorData === 'none' || tensors.length === 0) return w.toUint8Array()
  w.padTo(alignment)
  const random = seededRandom(options.seed ?? 1)
  for (const t of tensors) {
    const data = new Uint8Array(t.bytes)
    if (options.tensorData !== 'zero') for (let i = 0; i < data.length; i++) data[i] = (random() * 256) | 0
    w.bytes(data).padTo(alignment)
  }
  return w.toUint8Array()
}

// --- safetensors ---

export interface SafetensorsTensorSpec {
  name: string
  dtype: string
  shape: readonly number[]
}

export interface BuildSafetensorsOptions {
  /** 'none' writes only the 8-byte length and the JSON header. */
  tensorData?: 'random' | 'zero' | 'none'
  seed?: number
}

/** Tensors are laid out in the order given; metadata becomes `__metadata__`. */
export function buildSafetensors(tensors: readonly SafetensorsTensorSpec[], metadata?: Readonly<Record<string, string>>, options: BuildSafetensorsOptions = {}): Uint8Array {
  const header: Record<string, unknown> = {}
  if (metadata !== undefined) header.__metadata__ = metadata
  let offset = 0
  const sizes: number[] = []
  for (const t of tensors) {
    const elements = t.shape.reduce((a, b) => a * b, 1)
    const bytes = elements * dtypeBytes(t.dtype)
    if (!Number.isInteger(bytes)) throw new Error(`${t.name}: ${elements} ${t.dtype} elements do not fill whole bytes`)
    Object.defineProperty(header, t.name, {
      value: { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] },
      enumerable: true,
    })
    sizes.push(bytes)
    offset += bytes
  }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const padded = Math.ceil(json.length / 8) * 8
  const w = new ByteWriter()
  w.u64(padded)
    .bytes(json)
    .bytes(new Uint8Array(padded - json.length).fill(0x20))
  if (options.tensorData === 'none') return w.toUint8Array()
  const random = seededRandom(options.seed ?? 1)
  const data = new Uint8Array(offset)
  if (options.tensorData !== 'zero') for (let i = 0; i < data.length; i++) data[i] = (random() * 256) | 0
  return w.bytes(data).toUint8Array()
}
