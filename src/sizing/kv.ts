/**
 * Cache bytes a decoded token reads, for the speed model: per engine cache layout (ggml rows or MLX arrays), taken from
 * the engine's module. Each engine's allocation itself is its memory model (src/engines/<engine>/memory.ts); every
 * formula, its source file and what is approximate: docs/sizing-kv.md.
 */
import type { EngineId } from '../catalog/engines.ts'
import { engineSizing, type CacheLayout } from '../engines/index.ts'
import { llamaLayerBytesPerCell, llamaRecurrentBytesPerSeq } from '../engines/llama-cpp/memory.ts'
import { mlxKvElements } from '../engines/shared/kv-layers.ts'
import { mlxSeqCache } from '../engines/shared/mlx-cache.ts'
import { ggmlTypeByName } from '../formats/ggml-types.ts'
import type { Architecture } from '../model/architecture.ts'

/** MLX cache element size for a cache-type name: the activation dtype, so 2 bytes unless it is f32. */
function mlxDtypeBytes(kvType: string): number {
  return kvType.toLowerCase() === 'f32' ? 4 : 2
}

function llamaType(kvType: string): string {
  return ggmlTypeByName(kvType) === undefined ? 'f16' : kvType
}

function layoutOf(engine: EngineId): CacheLayout | null {
  return engineSizing({ engine })?.cacheLayout ?? null
}

/**
 * Marginal bytes one more token of context costs one slot, once the context is past every sliding window:
 * full-attention and MLA layers only (a sliding layer's cache stops growing at its window; recurrent state never
 * grows). For the speed model this is the KV read each decoded token adds per token of context.
 * llama.cpp / Ollama assume flash attention (Metal's default), so V is not padded; MLA is K-only.
 */
export function kvBytesPerToken(arch: Architecture, engine: EngineId, kvType: string): number {
  const layout = layoutOf(engine)
  if (layout === null) return 0
  let bytes = 0
  for (const layer of arch.layers) {
    if (layer.kind !== 'full' && layer.kind !== 'mla') continue
    bytes += layout === 'mlx' ? mlxKvElements(arch, layer) * mlxDtypeBytes(kvType) : llamaLayerBytesPerCell(arch, layer, llamaType(kvType), llamaType(kvType), true)
  }
  return bytes
}

/**
 * Cache bytes one sequence holds — and a decoded token reads — at `tokens` of context: full and MLA layers over
 * all tokens, sliding layers over min(tokens, window), plus the fixed recurrent state. Counts the tokens in use,
 * not the 256-cell allocation granularity (engines read only the used part). Fits SpeedInputs.cacheBytesAt.
 */
export function kvCacheBytesAt(arch: Architecture, engine: EngineId, kvType: string, tokens: number): number {
  const layout = layoutOf(engine)
  if (layout === null || tokens <= 0) return 0
  if (layout === 'mlx') {
    const dtype = mlxDtypeBytes(kvType)
    let bytes = mlxSeqCache(arch, 1, dtype).stateBytes
    for (const layer of arch.layers) {
      if (layer.kind === 'full' || layer.kind === 'mla') bytes += tokens * mlxKvElements(arch, layer) * dtype
      else if (layer.kind === 'sliding') bytes += Math.min(tokens, layer.window ?? tokens) * mlxKvElements(arch, layer) * dtype
    }
    return bytes
  }
  const type = llamaType(kvType)
  let bytes = llamaRecurrentBytesPerSeq(arch)
  for (const layer of arch.layers) {
    const perCell = llamaLayerBytesPerCell(arch, layer, type, type, true)
    if (layer.kind === 'full' || layer.kind === 'mla') bytes += tokens * perCell
    else if (layer.kind === 'sliding') bytes += Math.min(tokens, layer.window ?? tokens) * perCell
  }
  return bytes
}
