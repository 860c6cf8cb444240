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
  /** Engine working buffers: compute graph, output/logits, prefill transients. */
  readonly computeBytes: number
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

/** Everything an estimate says the deployment will hold at its planned peak. */
export function memoryEstimateTotal(e: MemoryEstimate): number {
  return e.kvCacheBytes + e.stateBytes + e.computeBytes + e.runtimeBytes + e.promptCacheBytes
}
