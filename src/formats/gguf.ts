/**
 * GGUF v2/v3 header reader. It reads only the header (metadata + tensor table), so the Hub client can size a
 * remote model with a few HTTP Range requests (sizing.md §6).
 *
 * Layout and checks follow ggml-org/llama.cpp `ggml/src/gguf.cpp` `gguf_init_from_reader` (@067d44f):
 *   magic "GGUF" · u32 version · u64 n_tensors · u64 n_kv · n_kv × (string key, i32 type, value)
 *   · n_tensors × (string name, u32 n_dims, n_dims × u64 ne, i32 ggml_type, u64 offset)
 *   · padding to `general.alignment` (default 32) · tensor data.
 * Strings are u64 length + UTF-8 bytes; everything is little-endian (big-endian v3 files are rejected, as
 * llama.cpp does on little-endian hosts). Value type ids come from `gguf-py/gguf/constants.py` GGUFValueType.
 *
 * Every malformed or truncated input throws GgufFormatError. Untrusted lengths are checked against the bytes
 * that could still exist before anything is allocated, so hostile counts cannot hang or exhaust memory.
 */
import { GGML_TYPES, REMOVED_GGML_TYPES, ggmlTypeById, tensorBytes } from './ggml-types.ts'

export class GgufFormatError extends Error {
  override readonly name = 'GgufFormatError'
}

/** Random access to a file. `read` may return fewer bytes than asked only at end of file. */
export interface ByteSource {
  /** Total size in bytes when known; lets the reader check that tensor data is present. */
  size?: number
  read(offset: number, length: number): Promise<Uint8Array>
}

export type GgufValue = number | bigint | boolean | string | GgufValue[]

export interface GgufTensorInfo {
  name: string
  /** GGUF order: shape[0] is ne0, the fastest-varying dimension. */
  shape: number[]
  typeId: number
  typeName: string
  /** Offset of the tensor's data from `dataOffset`. */
  offset: number
  /** Exact bytes of the tensor data (without alignment padding). */
  bytes: number
}

export interface GgufHeader {
  version: number
  metadata: Map<string, GgufValue>
  tensors: GgufTensorInfo[]
  alignment: number
  /** Absolute offset of the tensor data section. */
  dataOffset: number
  /** Bytes of header proper (up to the end of the tensor table, before padding). */
  headerBytes: number
  /** Size of the data section: every tensor padded to `alignment`, as gguf.cpp computes `ctx->size`. */
  tensorDataBytes: number
}

export interface ReadGgufOptions {
  /** Refuse headers larger than this (default 64 MiB); big vocabularies make real headers several MB. */
  maxHeaderBytes?: number
  /** Refuse metadata arrays with more elements than this (default 8 Mi; vocabularies are ≤ ~262k). */
  maxArrayLength?: number
}

export function bufferSource(buf: Uint8Array): ByteSource {
  return {
    size: buf.length,
    read: async (offset, length) => buf.subarray(offset, offset + length),
  }
}

const DEFAULT_MAX_HEADER_BYTES = 64 * 2 ** 20
const DEFAULT_MAX_ARRAY_LENGTH = 8 * 2 ** 20
const INITIAL_READ_BYTES = 256 * 2 ** 10
const DEFAULT_ALIGNMENT = 32
const GGML_MAX_DIMS = 4 // ggml.h
const GGML_MAX_NAME = 64 // ggml.h; gguf.cpp rejects names of 64 bytes or more
const MAX_ARRAY_DEPTH = 4 // gguf.cpp rejects nested arrays; gguf-py reads them, so allow a few levels

/** GGUFValueType ids and the fixed size of each scalar (0 = variable). */
const VALUE_TYPES = [
  { id: 0, name: 'u8', size: 1 },
  { id: 1, name: 'i8', size: 1 },
  { id: 2, name: 'u16', size: 2 },
  { id: 3, name: 'i16', size: 2 },
  { id: 4, name: 'u32', size: 4 },
  { id: 5, name: 'i32', size: 4 },
  { id: 6, name: 'f32', size: 4 },
  { id: 7, name: 'bool', size: 1 },
  { id: 8, name: 'string', size: 0 },
  { id: 9, name: 'array', size: 0 },
  { id: 10, name: 'u64', size: 8 },
  { id: 11, name: 'i64', size: 8 },
  { id: 12, name: 'f64', size: 8 },
] as const
const TYPE_STRING = 8
const TYPE_ARRAY = 9
const TYPE_U32 = 4

/** Smallest encodings, used to bound untrusted counts by the bytes left. */
const MIN_STRING_BYTES = 8
const MIN_ARRAY_BYTES = 12 // i32 item type + u64 count
const MIN_KV_BYTES = 8 + 1 + 4 + 1 // key length, 1-byte key, type, 1-byte value
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8 // empty name, n_dims = 0, type, offset

function minValueBytes(typeId: number): number {
  if (typeId === TYPE_STRING) return MIN_STRING_BYTES
  if (typeId === TYPE_ARRAY) return MIN_ARRAY_BYTES
  return VALUE_TYPES[typeId]?.size ?? 1
}

/**
 * A growing window over the start of the file. It fetches ahead in chunks that double (256 KiB first), so a
 * multi-MB header costs a handful of reads, and it never asks for bytes past `limit`.
 */
class Reader {
  pos = 0
  private buf = new Uint8Array(0)
  private view = new DataView(this.buf.buffer)
  private loaded = 0
  private eof = false
  private readonly decoder = new TextDecoder('utf-8')

  constructor(
    private readonly source: ByteSource,
    /** Bytes that may exist: min(maxHeaderBytes, source size). */
    readonly limit: number,
    private readonly maxHeaderBytes: number,
    private readonly sizeKnown: boolean,
  ) {}

  remaining(): number {
    return this.limit - this.pos
  }

  has(n: number): boolean {
    return this.pos + n <= this.loaded
  }

  async ensure(n: number, what: string): Promise<void> {
    if (this.pos + n <= this.loaded) return
    const end = this.pos + n
    if (end > this.limit) throw this.pastLimit(end, what)
    if (this.eof) throw this.truncated(what)
    // Read ahead: at least 256 KiB, then double what is loaded, so a multi-MB header takes a few reads.
    const target = Math.min(this.limit, Math.max(end, INITIAL_READ_BYTES, this.loaded * 2))
    // Loop because a source may deliver less than asked; an empty answer is end of file.
    while (this.loaded < end) {
      const want = target - this.loaded
      const chunk = await this.source.read(this.loaded, want)
      if (chunk.length === 0) {
        this.eof = true
        break
      }
      const n = Math.min(chunk.length, want)
      this.reserve(this.loaded + n)
      this.buf.set(n === chunk.length ? chunk : chunk.subarray(0, n), this.loaded)
      this.loaded += n
    }
    if (this.loaded < end) throw this.truncated(what)
  }

  /** What lies at `limit`, for messages about lengths that cannot fit. */
  boundary(): string {
    return this.sizeKnown && this.limit < this.maxHeaderBytes ? 'the end of the file (truncated or corrupt)' : `the ${this.maxHeaderBytes}-byte maxHeaderBytes limit`
  }

  /** Grows the buffer only as bytes arrive, so an untrusted length never allocates more than the file holds. */
  private reserve(capacity: number): void {
    if (capacity <= this.buf.length) return
    const grown = new Uint8Array(Math.min(this.limit, Math.max(capacity, this.buf.length * 2)))
    grown.set(this.buf.subarray(0, this.loaded))
    this.buf = grown
    this.view = new DataView(grown.buffer)
  }

  private truncated(what: string): GgufFormatError {
    return new GgufFormatError(`file is truncated: it ends at byte ${this.loaded} while reading ${what} at offset ${this.pos}`)
  }

  private pastLimit(end: number, what: string): GgufFormatError {
    if (this.sizeKnown && this.limit < this.maxHeaderBytes) {
      return new GgufFormatError(`file is truncated: reading ${what} at offset ${this.pos} needs ${end} bytes but the file has ${this.limit}`)
    }
    return new GgufFormatError(`header is larger than the ${this.maxHeaderBytes}-byte maxHeaderBytes limit while reading ${what} at offset ${this.pos}`)
  }

  // The getters below assume ensure() succeeded for their size.
  u8(): number {
    return this.view.getUint8(this.pos++)
  }
  i8(): number {
    return this.view.getInt8(this.pos++)
  }
  u16(): number {
    const v = this.view.getUint16(this.pos, true)
    this.pos += 2
    return v
  }
  i16(): number {
    const v = this.view.getInt16(this.pos, true)
    this.pos += 2
    return v
  }
  u32(): number {
    const v = this.view.getUint32(this.pos, true)
    this.pos += 4
    return v
  }
  i32(): number {
    const v = this.view.getInt32(this.pos, true)
    this.pos += 4
    return v
  }
  f32(): number {
    const v = this.view.getFloat32(this.pos, true)
    this.pos += 4
    return v
  }
  f64(): number {
    const v = this.view.getFloat64(this.pos, true)
    this.pos += 8
    return v
  }
  u64(): bigint {
    const v = this.view.getBigUint64(this.pos, true)
    this.pos += 8
    return v
  }
  i64(): bigint {
    const v = this.view.getBigInt64(this.pos, true)
    this.pos += 8
    return v
  }
  bytes(n: number): Uint8Array {
    const v = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return v
  }
  text(n: number): string {
    return this.decoder.decode(this.bytes(n))
  }
}

/** An untrusted name for an error message: shortened, with control characters escaped. */
function shown(name: string): string {
  const short = name.length > 80 ? `${name.slice(0, 77)}...` : name
  return `'${short.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`
}

/** A u64 used as a length, count, dimension or offset: must fit a JS number exactly. */
function asSize(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufFormatError(`${what} ${value} is too large to be real`)
  return Number(value)
}

function integerValue(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
}

async function readLength(r: Reader, what: string): Promise<number> {
  if (!r.has(8)) await r.ensure(8, what)
  return asSize(r.u64(), what)
}

async function readString(r: Reader, what: string, maxBytes = Infinity): Promise<string> {
  const length = await readLength(r, `${what} length`)
  if (length > maxBytes) throw new GgufFormatError(`${what} is ${length} bytes; the limit is ${maxBytes}`)
  if (length > r.remaining()) {
    throw new GgufFormatError(`${what} claims ${length} bytes but only ${r.remaining()} remain before ${r.boundary()}`)
  }
  if (!r.has(length)) await r.ensure(length, what)
  return r.text(length)
}

/** A fixed-size scalar; the caller has ensured its bytes. */
function readFixed(r: Reader, typeId: number): GgufValue {
  switch (typeId) {
    case 0:
      return r.u8()
    case 1:
      return r.i8()
    case 2:
      return r.u16()
    case 3:
      return r.i16()
    case 4:
      return r.u32()
    case 5:
      return r.i32()
    case 6:
      return r.f32()
    case 7:
      return r.u8() !== 0 // gguf.cpp: any non-zero byte is true
    case 10:
      return integerValue(r.u64())
    case 11:
      return integerValue(r.i64())
    default:
      return r.f64() // 12; other ids never reach here (checkValueType, fixedSize)
  }
}

function fixedSize(typeId: number): number {
  return VALUE_TYPES[typeId]?.size ?? 0
}

function checkValueType(typeId: number, what: string): void {
  if (!Number.isInteger(typeId) || typeId < 0 || typeId >= VALUE_TYPES.length) {
    throw new GgufFormatError(`${what} has unknown value type ${typeId}`)
  }
}

async function readValue(r: Reader, typeId: number, what: string, limits: Limits, depth = 0): Promise<GgufValue> {
  checkValueType(typeId, what)
  const size = fixedSize(typeId)
  if (size > 0) {
    if (!r.has(size)) await r.ensure(size, what)
    return readFixed(r, typeId)
  }
  if (typeId === TYPE_STRING) return readString(r, what)
  if (depth >= MAX_ARRAY_DEPTH) throw new GgufFormatError(`${what} nests arrays deeper than ${MAX_ARRAY_DEPTH} levels`)
  if (!r.has(4)) await r.ensure(4, `${what} item type`)
  const itemType = r.i32()
  checkValueType(itemType, `${what} item`)
  const count = await readLength(r, `${what} element count`)
  if (count > limits.maxArrayLength) {
    throw new GgufFormatError(`${what} has ${count} elements; the limit is ${limits.maxArrayLength} (maxArrayLength)`)
  }
  if (count * minValueBytes(itemType) > r.remaining()) {
    throw new GgufFormatError(`${what} claims ${count} elements but only ${r.remaining()} bytes remain before ${r.boundary()}`)
  }
  // Grown by push, not preallocated: the count is untrusted until the bytes have actually arrived.
  const items: GgufValue[] = []
  const itemSize = fixedSize(itemType)
  if (itemSize > 0) {
    // Numeric arrays (scores, token types, per-layer values): one ensure for the whole run.
    await r.ensure(count * itemSize, what)
    for (let i = 0; i < count; i++) items.push(readFixed(r, itemType))
  } else if (itemType === TYPE_STRING) {
    for (let i = 0; i < count; i++) items.push(await readString(r, what))
  } else {
    for (let i = 0; i < count; i++) items.push(await readValue(r, itemType, `${what}[${i}]`, limits, depth + 1))
  }
  return items
}

interface Limits {
  maxArrayLength: number
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment
}

function describeType(typeId: number): string {
  const removed = REMOVED_GGML_TYPES.get(typeId)
  if (removed !== undefined) return `${typeId} (${removed}, no longer supported in GGUF files)`
  const max = GGML_TYPES[GGML_TYPES.length - 1]!.id
  return typeId > max ? `${typeId} (unknown; newer than this fleet, which knows ids up to ${max})` : `${typeId} (unknown)`
}

async function readTensorInfo(r: Reader, index: number): Promise<GgufTensorInfo> {
  const where = `tensor #${index}`
  const name = await readString(r, `${where} name`, GGML_MAX_NAME - 1)
  const label = `tensor ${shown(name)}`
  await r.ensure(4, `${label} dimension count`)
  const nDims = r.u32()
  if (nDims > GGML_MAX_DIMS) throw new GgufFormatError(`${label} has ${nDims} dimensions; ggml allows at most ${GGML_MAX_DIMS}`)
  await r.ensure(nDims * 8 + 4 + 8, `${label} shape, type and offset`)
  const shape: number[] = []
  for (let d = 0; d < nDims; d++) shape.push(asSize(r.u64(), `${label} dimension ${d}`))
  const typeId = r.i32()
  const offset = asSize(r.u64(), `${label} data offset`)
  const type = ggmlTypeById(typeId)
  if (type === undefined) throw new GgufFormatError(`${label} has ggml type ${describeType(typeId)}`)
  const ne0 = shape[0] ?? 1
  if (ne0 % type.blockSize !== 0) {
    throw new GgufFormatError(`${label} of type ${type.name} has rows of ${ne0} elements, not a multiple of its block size ${type.blockSize}`)
  }
  let bytes: number
  try {
    bytes = tensorBytes(typeId, shape)
  } catch {
    throw new GgufFormatError(`${label} with shape [${shape.join(', ')}] is too large to be real`)
  }
  return { name, shape, typeId, typeName: type.name, offset, bytes }
}

export async function readGgufHeader(source: ByteSource, options: ReadGgufOptions = {}): Promise<GgufHeader> {
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES
  const limits: Limits = { maxArrayLength: options.maxArrayLength ?? DEFAULT_MAX_ARRAY_LENGTH }
  const size = source.size
  const sizeKnown = size !== undefined && Number.isSafeInteger(size) && size >= 0
  const r = new Reader(source, sizeKnown ? Math.min(size, maxHeaderBytes) : maxHeaderBytes, maxHeaderBytes, sizeKnown)

  await r.ensure(4, 'magic')
  const magic = r.bytes(4)
  if (magic[0] !== 0x47 || magic[1] !== 0x47 || magic[2] !== 0x55 || magic[3] !== 0x46) {
    const printable = Array.from(magic, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?')).join('')
    throw new GgufFormatError(`not a GGUF file: magic is '${printable}', expected 'GGUF'`)
  }
  await r.ensure(4 + 8 + 8, 'header counts')
  const version = r.u32()
  if ((version & 0xffff) === 0 && version !== 0) {
    throw new GgufFormatError(`GGUF version ${version} looks byte-swapped: big-endian GGUF files are not supported`)
  }
  if (version !== 2 && version !== 3) {
    throw new GgufFormatError(`unsupported GGUF version ${version}; fleet reads versions 2 and 3`)
  }
  const tensorCount = asSize(r.u64(), 'tensor count')
  const kvCount = asSize(r.u64(), 'metadata count')
  // Both tables must fit in what can follow; this rejects absurd counts before any loop runs.
  if (kvCount * MIN_KV_BYTES + tensorCount * MIN_TENSOR_INFO_BYTES > r.remaining()) {
    throw new GgufFormatError(`header claims ${kvCount} metadata entries and ${tensorCount} tensors but only ${r.remaining()} bytes remain before ${r.boundary()}`)
  }

  const metadata = new Map<string, GgufValue>()
  let alignment = DEFAULT_ALIGNMENT
  for (let i = 0; i < kvCount; i++) {
    const key = await readString(r, `metadata key #${i}`)
    if (key === '') throw new GgufFormatError(`metadata key #${i} is empty`)
    const label = `metadata ${shown(key)}`
    if (metadata.has(key)) throw new GgufFormatError(`${label} appears twice`)
    await r.ensure(4, `${label} type`)
    const typeId = r.i32()
    const value = await readValue(r, typeId, label, limits)
    if (key === 'general.alignment') {
      // gguf.cpp requires u32 and a power of two.
      if (typeId !== TYPE_U32) throw new GgufFormatError(`general.alignment must be a u32, got ${VALUE_TYPES[typeId]?.name ?? typeId}`)
      const a = value as number
      if (a === 0 || (a & (a - 1)) !== 0) throw new GgufFormatError(`general.alignment ${a} is not a power of two`)
      alignment = a
    }
    metadata.set(key, value)
  }

  const tensors: GgufTensorInfo[] = []
  const names = new Set<string>()
  for (let i = 0; i < tensorCount; i++) {
    const info = await readTensorInfo(r, i)
    if (names.has(info.name)) throw new GgufFormatError(`tensor name ${shown(info.name)} appears twice`)
    names.add(info.name)
    tensors.push(info)
  }

  const headerBytes = r.pos
  // gguf.cpp pads to the alignment only when there are tensors.
  const dataOffset = tensorCount > 0 ? alignUp(headerBytes, alignment) : headerBytes
  // gguf.cpp requires each tensor to start where the previous one, padded to the alignment, ended.
  let tensorDataBytes = 0
  for (const t of tensors) {
    if (t.offset !== tensorDataBytes) {
      throw new GgufFormatError(`tensor ${shown(t.name)} has data offset ${t.offset}, expected ${tensorDataBytes} (tensors are stored in order, each padded to ${alignment} bytes)`)
    }
    tensorDataBytes += alignUp(t.bytes, alignment)
  }
  if (!Number.isSafeInteger(dataOffset + tensorDataBytes)) throw new GgufFormatError('tensor data is too large to be real')
  const last = tensors[tensors.length - 1]
  // Like llama.cpp's loader, require every tensor's bytes but not the padding after the last one.
  if (sizeKnown && last !== undefined && dataOffset + last.offset + last.bytes > size) {
    throw new GgufFormatError(`file is truncated: tensor data ends at byte ${dataOffset + last.offset + last.bytes} but the file has ${size} bytes`)
  }
  return { version, metadata, tensors, alignment, dataOffset, headerBytes, tensorDataBytes }
}

/** Sum of exact tensor bytes (no padding): the weights a backend loads. */
export function ggufTotalTensorBytes(h: Pick<GgufHeader, 'tensors'>): number {
  let total = 0
  for (const t of h.tensors) total += t.bytes
  return total
}

export interface GgufSplitInfo {
  /** 0-based shard number (`split.no`). */
  no: number
  /** Number of shards (`split.count`). */
  count: number
  /** Tensors across all shards (`split.tensors.count`), when present. */
  tensorsCount: number | undefined
}

function metadataInteger(h: Pick<GgufHeader, 'metadata'>, key: string): number | undefined {
  const value = h.metadata.get(key)
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new GgufFormatError(`${key} must be a non-negative integer, got ${String(value)}`)
  }
  return value
}

/**
 * Split metadata written by llama-gguf-split (`LLM_KV_SPLIT_*` in llama-arch.cpp, `Keys.Split` in
 * constants.py). Returns null for an unsplit file.
 */
export function ggufSplitInfo(h: Pick<GgufHeader, 'metadata'>): GgufSplitInfo | null {
  const count = metadataInteger(h, 'split.count')
  if (count === undefined) return null
  const no = metadataInteger(h, 'split.no') ?? 0
  if (count < 1 || no >= count) throw new GgufFormatError(`split.no ${no} is not within split.count ${count}`)
  return { no, count, tensorsCount: metadataInteger(h, 'split.tensors.count') }
}

const SPLIT_NAME = /^(.+)-(\d{5,})-of-(\d{5,})\.gguf$/

/**
 * Parses `prefix-00001-of-00003.gguf` (llama.cpp `llama_split_path`: "%s-%05d-of-%05d.gguf" with
 * split_no + 1). `index` is 1-based as in the name; `base` is everything before it, directories included.
 */
export function parseGgufSplitName(path: string): { base: string; index: number; count: number } | null {
  const match = SPLIT_NAME.exec(path)
  if (!match) return null
  const index = Number(match[2])
  const count = Number(match[3])
  if (index < 1 || count < 1 || index > count) return null
  return { base: match[1]!, index, count }
}

/** The name of shard `index` (1-based) of `count`, the inverse of parseGgufSplitName. */
export function ggufSplitName(base: string, index: number, count: number): string {
  return `${base}-${String(index).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.gguf`
}
