/** What every engine's memory model returns (src/engines/<engine>/memory.ts), and the limits it hands its server. */

/**
 * Limits fleet passes to the server so that what runs is what was planned: the retained prompt-cache budget the plan
 * counts (mlx-lm --prompt-cache-bytes, llama-server --cache-ram). Null where the engine takes no such limit from the
 * plan (Ollama sets none; vllm-mlx takes only the user's cacheMemory).
 */
export interface ServerLimits {
  readonly promptCacheBytes: number | null
}

export interface MemoryEstimate {
  /** Per-token caches at the planned full context (all slots): the KV (or MLA latent) buffers. */
  readonly kvCacheBytes: number
  /** Fixed per-sequence state of linear-attention / Mamba layers (all slots). */
  readonly stateBytes: number
  /** Engine working buffers reserved at start-up or held while serving: compute graph, output/logits buffers. */
  readonly computeBytes: number
  /**
   * Working memory reached only while a long prompt is prefilled (MLX allocates lazily: the last prompt chunk's
   * attention scores, FFN activations and cache growth copies). Counted in the peak, not at load.
   */
  readonly transientBytes: number
  /** Fixed runtime cost: Metal context, Python + MLX runtime, tokenizer, server process. */
  readonly runtimeBytes: number
  /**
   * Copies of finished conversations' caches the server keeps to reuse prefixes (mlx-lm's LRU prompt cache,
   * vllm-mlx's prefix cache, llama-server's --cache-ram and context checkpoints). Zero at start-up; grows with
   * use up to this budget. Kept apart from kvCacheBytes so that figure stays comparable with the engine's own
   * "KV buffer size" log line. Include it in totals: see memoryEstimateTotal.
   */
  readonly promptCacheBytes: number
  /** For reviewers (`plan --json`): cells, n_ctx, swaCells, bytesPerToken, per-phase compute figures. */
  readonly details: Record<string, number | string>
  /** Assumptions worth telling the user. */
  readonly notes: string[]
  readonly serverLimits: ServerLimits
}

/**
 * What the deployment holds once it has started and every slot is at full context: the caches and buffers the engine
 * reserves (llama.cpp allocates them at start-up; MLX grows into them as the contexts fill).
 */
export function memoryEstimateAtLoad(e: MemoryEstimate): number {
  return e.kvCacheBytes + e.stateBytes + e.computeBytes + e.runtimeBytes
}

/** Everything an estimate says the deployment may hold at its planned peak: plus the lazily filled caches and transients. */
export function memoryEstimateTotal(e: MemoryEstimate): number {
  return memoryEstimateAtLoad(e) + e.promptCacheBytes + e.transientBytes
}
