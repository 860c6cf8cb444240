/**
 * What vllm-mlx (waybarrios/vllm-mlx @4b654c0, 0.4.1) allocates beyond the weights: mlx-lm's batch caches
 * (src/engines/shared/mlx-cache.ts), its memory-aware prefix cache and its runtime. docs/sizing-kv.md.
 */
import type { Architecture } from '../../model/architecture.ts'
import type { MemoryEstimate } from '../shared/memory-estimate.ts'
import { GiB, MiB, missingRecurrentSpecNotes } from '../shared/kv-layers.ts'
import { mlxCore, unfusedPrefillNote } from '../shared/mlx-cache.ts'

/** vllm-mlx imports more (FastAPI/uvicorn, mlx-vlm, transformers 5): a labelled estimate, not measured. */
export const VLLM_MLX_RUNTIME_BYTES = 1 * GiB
/** vllm-mlx memory-aware prefix cache: 20 % of psutil available memory unless --cache-memory-mb (memory_cache.py). */
export const VLLM_MLX_CACHE_FRACTION = 0.2

export interface VllmMlxDeployment {
  readonly contextPerSlot: number
  /** Concurrent sequences (fleet passes --max-num-seqs parallel). */
  readonly parallel: number
  readonly dtypeBytes: number
  readonly continuousBatching: boolean
  /** --cache-memory-mb in bytes, or null for the default 20 % of available memory. */
  readonly cacheMemoryBytes: number | null
  /** Physical memory of the machine; with the weights it approximates psutil's "available" at start-up. */
  readonly machineMemoryBytes: number
  readonly weightsBytes: number
  /** --prefill-step-size (default 2048). */
  readonly prefillStepSize?: number
  /** --prefill-batch-size (default 8). */
  readonly prefillBatchSize?: number
}

export function vllmMlxMemory(arch: Architecture, d: VllmMlxDeployment): MemoryEstimate {
  const notes: string[] = [...missingRecurrentSpecNotes(arch), ...unfusedPrefillNote(arch)]
  // Without --continuous-batching, SimpleEngine serialises requests behind an asyncio lock
  // (engine/simple.py _generation_lock), and its prompt-trie cache is off unless --prefix-trie-cache.
  const decodeBatch = d.continuousBatching ? Math.max(1, Math.floor(d.parallel)) : 1
  if (!d.continuousBatching && d.parallel > 1) notes.push('vllm-mlx without continuous batching serves one request at a time')
  const core = mlxCore(arch, {
    context: d.contextPerSlot,
    decodeBatch,
    prefillBatch: Math.min(decodeBatch, d.prefillBatchSize ?? 8),
    dtypeBytes: d.dtypeBytes,
    prefillStepSize: d.prefillStepSize ?? 2048,
    batched: d.continuousBatching,
  })
  // scheduler.py: the memory-aware prefix cache (memory_cache.py MemoryCacheConfig.compute_memory_limit) is
  // --cache-memory-mb, else 20 % of psutil.virtual_memory().available when the scheduler starts (after the
  // weights are loaded), at least 100 MB.
  let promptCache = 0
  if (d.continuousBatching) {
    if (d.cacheMemoryBytes !== null) {
      promptCache = d.cacheMemoryBytes
    } else {
      const available = Math.max(0, d.machineMemoryBytes - d.weightsBytes - VLLM_MLX_RUNTIME_BYTES)
      promptCache = Math.max(100 * MiB, VLLM_MLX_CACHE_FRACTION * available)
      notes.push('vllm-mlx sizes its prefix cache at 20 % of the memory available at start-up; set cacheMemory to pin it')
    }
  }
  // The prefix cache stores caches taken with the same lazy BatchKVCache.extract (scheduler.py extract_cache).
  const pinned = core.pinned
  return {
    kvCacheBytes: core.kv,
    stateBytes: core.state,
    computeBytes: core.compute,
    transientBytes: core.transient,
    runtimeBytes: VLLM_MLX_RUNTIME_BYTES,
    promptCacheBytes: promptCache + pinned,
    details: { ...core.details, prefixCacheBudgetBytes: promptCache, pinnedBatchBytes: pinned },
    notes,
    // vllm-mlx takes only the user's cacheMemory (--cache-memory-mb); fleet passes no limit of its own.
    serverLimits: { promptCacheBytes: null },
  }
}
