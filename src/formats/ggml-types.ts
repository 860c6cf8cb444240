/**
 * ggml tensor types: the numeric id stored in a GGUF tensor-info record, and the block layout that fixes
 * how many bytes a tensor of that type occupies. fleet sizes GGUF models from these numbers, so they must be
 * exact (sizing.md §3.7: "never use nominal bpw for GGUF: read the tensor table").
 *
 * Sources (ggml-org/llama.cpp):
 * - ids: `ggml/include/ggml.h` `enum ggml_type` (@3514e9f: 0..39) and `gguf-py/gguf/constants.py`
 *   `GGMLQuantizationType` (@01243c5, which adds NVFP4 = 40, Q1_0 = 41, Q2_0 = 42, IQ2_NL = 43, IQ3_NL = 44).
 *   Ids 4, 5 (Q4_2, Q4_3), 31–33 (Q4_0_4_4 …) and 36–38 (IQ4_NL_4_4 …) were removed from GGUF files.
 * - block sizes: `ggml/src/ggml-common.h` `block_*` structs and their `static_assert(sizeof(...))` (@01243c5),
 *   cross-checked with `constants.py` `GGML_QUANT_SIZES` (@01243c5) and `ggml/src/ggml.c` `type_traits`
 *   (`.blck_size`, `.type_size = sizeof(block_*)`).
 * - Q8_1 is 36 bytes (`2*sizeof(ggml_half) + QK8_1`); older `GGML_QUANT_SIZES` said 4 + 4 + 32 = 40, which
 *   disagreed with ggml-common.h and was corrected by @01243c5.
 */

export interface GgmlType {
  readonly id: number
  /** Upper-case name as gguf-py spells it (`Q4_K`); ggml's own `type_name` is lower-case (`q4_K`). */
  readonly name: string
  /** Elements per block. */
  readonly blockSize: number
  /** Bytes per block. */
  readonly typeSize: number
}

/** Every ggml_type that can appear in a current GGUF file, by id. */
export const GGML_TYPES = [
  { id: 0, name: 'F32', blockSize: 1, typeSize: 4 },
  { id: 1, name: 'F16', blockSize: 1, typeSize: 2 },
  { id: 2, name: 'Q4_0', blockSize: 32, typeSize: 18 }, // half d + 16 B nibbles
  { id: 3, name: 'Q4_1', blockSize: 32, typeSize: 20 }, // half d, m + 16 B
  { id: 6, name: 'Q5_0', blockSize: 32, typeSize: 22 }, // half d + 4 B qh + 16 B
  { id: 7, name: 'Q5_1', blockSize: 32, typeSize: 24 }, // half d, m + 4 B qh + 16 B
  { id: 8, name: 'Q8_0', blockSize: 32, typeSize: 34 }, // half d + 32 B
  { id: 9, name: 'Q8_1', blockSize: 32, typeSize: 36 }, // half d, s + 32 B
  { id: 10, name: 'Q2_K', blockSize: 256, typeSize: 84 }, // 2 halves + QK_K/16 + QK_K/4
  { id: 11, name: 'Q3_K', blockSize: 256, typeSize: 110 }, // half + QK_K/4 + QK_K/8 + 12
  { id: 12, name: 'Q4_K', blockSize: 256, typeSize: 144 }, // 2 halves + 12 + QK_K/2
  { id: 13, name: 'Q5_K', blockSize: 256, typeSize: 176 }, // 2 halves + 12 + QK_K/2 + QK_K/8
  { id: 14, name: 'Q6_K', blockSize: 256, typeSize: 210 }, // half + QK_K/16 + 3*QK_K/4
  { id: 15, name: 'Q8_K', blockSize: 256, typeSize: 292 }, // float + QK_K + QK_K/16 int16
  { id: 16, name: 'IQ2_XXS', blockSize: 256, typeSize: 66 },
  { id: 17, name: 'IQ2_XS', blockSize: 256, typeSize: 74 },
  { id: 18, name: 'IQ3_XXS', blockSize: 256, typeSize: 98 },
  { id: 19, name: 'IQ1_S', blockSize: 256, typeSize: 50 },
  { id: 20, name: 'IQ4_NL', blockSize: 32, typeSize: 18 },
  { id: 21, name: 'IQ3_S', blockSize: 256, typeSize: 110 },
  { id: 22, name: 'IQ2_S', blockSize: 256, typeSize: 82 },
  { id: 23, name: 'IQ4_XS', blockSize: 256, typeSize: 136 },
  { id: 24, name: 'I8', blockSize: 1, typeSize: 1 },
  { id: 25, name: 'I16', blockSize: 1, typeSize: 2 },
  { id: 26, name: 'I32', blockSize: 1, typeSize: 4 },
  { id: 27, name: 'I64', blockSize: 1, typeSize: 8 },
  { id: 28, name: 'F64', blockSize: 1, typeSize: 8 },
  { id: 29, name: 'IQ1_M', blockSize: 256, typeSize: 56 },
  { id: 30, name: 'BF16', blockSize: 1, typeSize: 2 },
  { id: 34, name: 'TQ1_0', blockSize: 256, typeSize: 54 },
  { id: 35, name: 'TQ2_0', blockSize: 256, typeSize: 66 },
  { id: 39, name: 'MXFP4', blockSize: 32, typeSize: 17 }, // E8M0 scale byte + 16 B
  { id: 40, name: 'NVFP4', blockSize: 64, typeSize: 36 }, // 4 UE4M3 scales + 32 B
  { id: 41, name: 'Q1_0', blockSize: 128, typeSize: 18 },
  { id: 42, name: 'Q2_0', blockSize: 64, typeSize: 18 },
  { id: 43, name: 'IQ2_NL', blockSize: 32, typeSize: 10 },
  { id: 44, name: 'IQ3_NL', blockSize: 32, typeSize: 14 },
] as const satisfies readonly GgmlType[]

export type GgmlTypeName = (typeof GGML_TYPES)[number]['name']

/** Ids that once existed and are no longer accepted in GGUF files; named so errors can say what the file is. */
export const REMOVED_GGML_TYPES: ReadonlyMap<number, string> = new Map([
  [4, 'Q4_2'],
  [5, 'Q4_3'],
  [31, 'Q4_0_4_4'],
  [32, 'Q4_0_4_8'],
  [33, 'Q4_0_8_8'],
  [36, 'IQ4_NL_4_4'],
  [37, 'IQ4_NL_4_8'],
  [38, 'IQ4_NL_8_8'],
])

const BY_ID: ReadonlyMap<number, GgmlType> = new Map(GGML_TYPES.map((t) => [t.id, t]))
const BY_NAME: ReadonlyMap<string, GgmlType> = new Map(GGML_TYPES.map((t) => [t.name, t]))

export function ggmlTypeById(id: number): GgmlType | undefined {
  return BY_ID.get(id)
}

/** Case-insensitive, so ggml's `q4_K`, llama-server's `q8_0` and gguf-py's `Q4_K` all resolve. */
export function ggmlTypeByName(name: string): GgmlType | undefined {
  return BY_NAME.get(name.toUpperCase())
}

/** Average bytes per element (typeSize / blockSize); throws on an unknown type name. */
export function bytesPerElement(name: string): number {
  const type = ggmlTypeByName(name)
  if (type === undefined) throw new RangeError(`unknown ggml type "${name}"`)
  return type.typeSize / type.blockSize
}

/**
 * Exact bytes of a tensor, as ggml_nbytes computes it for a contiguous tensor: rows of ne0 elements are
 * stored as ne0/blockSize blocks. `shape` is in GGUF order (ne0 = the fastest-varying dimension first);
 * an empty shape is a scalar. Throws when ne0 is not a whole number of blocks (gguf.cpp rejects such files)
 * or the result is not a safe integer.
 */
export function tensorBytes(typeId: number, shape: readonly number[]): number {
  const type = ggmlTypeById(typeId)
  if (type === undefined) throw new RangeError(`unknown ggml type id ${typeId}`)
  for (const n of shape) {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`tensor dimension ${n} is not a non-negative integer`)
  }
  const ne0 = shape[0] ?? 1
  if (ne0 % type.blockSize !== 0) {
    throw new RangeError(`${type.name} rows must be a multiple of ${type.blockSize} elements, got ${ne0}`)
  }
  // A zero dimension makes the tensor empty; checking first avoids Infinity * 0 below.
  if (shape.includes(0)) return 0
  let bytes = (ne0 / type.blockSize) * type.typeSize
  for (let i = 1; i < shape.length; i++) bytes *= shape[i]!
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`tensor of shape [${shape.join(', ')}] is too large`)
  return bytes
}

/**
 * Cache types llama-server accepts for `-ctk` / `-ctv` (tools/server/README.md @25d5b0c, sizing.md §3.2).
 * The quantized ones are blocked along the head dimension, so the per-element figure is exact only when
 * that dimension is a multiple of 32 (it always is for real models).
 */
export const KV_CACHE_TYPES = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'iq4_nl', 'q5_0', 'q5_1'] as const
export type KvCacheType = (typeof KV_CACHE_TYPES)[number]

/** Bytes per cached element for each llama-server cache type, derived from the block table above. */
export const KV_CACHE_BYTES_PER_ELEMENT: Readonly<Record<KvCacheType, number>> = Object.fromEntries(KV_CACHE_TYPES.map((t) => [t, bytesPerElement(t)])) as Record<KvCacheType, number>

export function isKvCacheType(value: string): value is KvCacheType {
  return (KV_CACHE_TYPES as readonly string[]).includes(value)
}

/**
 * `general.file_type` values: `LlamaFileType` in gguf-py/gguf/constants.py @01243c5, which mirrors
 * `enum llama_ftype` in include/llama.h. The name says what the file was quantized *as* (Q4_K_M is a mix),
 * not the type of every tensor; sizes always come from the tensor table.
 */
export const LLAMA_FILE_TYPES: ReadonlyMap<number, string> = new Map([
  [0, 'ALL_F32'],
  [1, 'MOSTLY_F16'],
  [2, 'MOSTLY_Q4_0'],
  [3, 'MOSTLY_Q4_1'],
  [7, 'MOSTLY_Q8_0'],
  [8, 'MOSTLY_Q5_0'],
  [9, 'MOSTLY_Q5_1'],
  [10, 'MOSTLY_Q2_K'],
  [11, 'MOSTLY_Q3_K_S'],
  [12, 'MOSTLY_Q3_K_M'],
  [13, 'MOSTLY_Q3_K_L'],
  [14, 'MOSTLY_Q4_K_S'],
  [15, 'MOSTLY_Q4_K_M'],
  [16, 'MOSTLY_Q5_K_S'],
  [17, 'MOSTLY_Q5_K_M'],
  [18, 'MOSTLY_Q6_K'],
  [19, 'MOSTLY_IQ2_XXS'],
  [20, 'MOSTLY_IQ2_XS'],
  [21, 'MOSTLY_Q2_K_S'],
  [22, 'MOSTLY_IQ3_XS'],
  [23, 'MOSTLY_IQ3_XXS'],
  [24, 'MOSTLY_IQ1_S'],
  [25, 'MOSTLY_IQ4_NL'],
  [26, 'MOSTLY_IQ3_S'],
  [27, 'MOSTLY_IQ3_M'],
  [28, 'MOSTLY_IQ2_S'],
  [29, 'MOSTLY_IQ2_M'],
  [30, 'MOSTLY_IQ4_XS'],
  [31, 'MOSTLY_IQ1_M'],
  [32, 'MOSTLY_BF16'],
  [36, 'MOSTLY_TQ1_0'],
  [37, 'MOSTLY_TQ2_0'],
  [38, 'MOSTLY_MXFP4_MOE'],
  [39, 'MOSTLY_NVFP4'],
  [40, 'MOSTLY_Q1_0'],
  [41, 'MOSTLY_Q2_0'],
  [42, 'MOSTLY_IQ2_NL'],
  [43, 'MOSTLY_IQ3_NL'],
  [1024, 'GUESSED'],
])

/** `MOSTLY_Q4_K_M` → `Q4_K_M`, the way model cards and file names spell it; undefined for unknown ids. */
export function llamaFileTypeName(id: number): string | undefined {
  return LLAMA_FILE_TYPES.get(id)?.replace(/^(MOSTLY|ALL)_/, '')
}
