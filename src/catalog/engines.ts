/**
 * The ids of the engines fleet can run and the vocabularies they share (formats, KV-cache types, quant spellings).
 * Each engine's own facts (EngineInfo) live in its folder, src/engines/<engine>/index.ts, gathered in
 * src/engines/index.ts ENGINES: one place, so "which formats does llama.cpp serve" has exactly one answer.
 */
export const ENGINE_IDS = ['mlx-lm', 'llama.cpp', 'ollama', 'vllm-mlx', 'command'] as const
export type EngineId = (typeof ENGINE_IDS)[number]

export const MODEL_FORMATS = ['mlx', 'gguf', 'safetensors'] as const
export type ModelFormat = (typeof MODEL_FORMATS)[number]

/** Every KV-cache element type any engine accepts; each engine lists its own subset below. */
export const KV_CACHE_TYPES = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'iq4_nl', 'q5_0', 'q5_1'] as const
export type KvCacheType = (typeof KV_CACHE_TYPES)[number]

export interface EngineInfo {
  readonly id: EngineId
  readonly title: string
  /** Formats of model files the engine loads. `command` serves whatever its program serves (or nothing). */
  readonly formats: readonly ModelFormat[]
  /** KV-cache element types the engine can be told to use. */
  readonly kvCacheTypes: readonly KvCacheType[]
  readonly defaultKvCache: KvCacheType
  /** Port the engine listens on when not told otherwise (fleet always passes one explicitly). */
  readonly defaultPort: number
  /** Whether a deployment of this engine must name a model. */
  readonly needsModel: boolean
}

export function isEngineId(value: string): value is EngineId {
  return (ENGINE_IDS as readonly string[]).includes(value)
}

/** Quant names as GGUF repos spell them (Q4_K_M, IQ4_XS, F16, …). Used to infer a model's format offline. */
export const GGUF_QUANT_PATTERN = /^(I?Q\d(_[0-9A-Z]+)*|F16|BF16|F32|MXFP4(_MOE)?|TQ[12]_0)$/i
/** MLX conversions name their quantization "4bit", "8bit", "mxfp4", "3bit-DWQ" … */
export const MLX_QUANT_PATTERN = /^(\d+bit(-[A-Za-z0-9]+)*|mxfp4|mxfp8|nvfp4|bf16|fp16)$/i
