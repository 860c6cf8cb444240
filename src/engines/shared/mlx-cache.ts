/**
 * The MLX cache rules mlx_lm.server (ml-explore/mlx-lm @d78bf58, 0.32.0) and vllm-mlx (waybarrios/vllm-mlx @4b654c0,
 * 0.4.1, which serves through mlx-lm's caches and BatchGenerator) share: cache cells, per-sequence caches, prefill
 * transients and the batch core. MLX allocates lazily, so unlike llama.cpp nothing is reserved up front: these are the
 * sizes at the planned full context. Each engine's totals: src/engines/mlx-lm/memory.ts, src/engines/vllm-mlx/memory.ts.
 * Formulas and the reasoning behind each choice: docs/sizing-kv.md.
 */
import type { Architecture, LayerSpec } from '../../model/architecture.ts'
import { isAttention, isRecurrent, mlxKvElements, padTo, recurrentGeometry } from './kv-layers.ts'

/** mlx_lm/models/cache.py: KVCache.step, RotatingKVCache.step, BatchKVCache.step. */
export const MLX_KV_STEP = 256

export interface MlxSeqCache {
  /** Bytes of K/V (or MLA latent) arrays one sequence holds. */
  readonly kvBytes: number
  /** Bytes of ArraysCache state (conv + recurrent) one sequence holds. */
  readonly stateBytes: number
}

/**
 * Cells an mlx-lm layer cache holds after `tokens` tokens, at most (mlx_lm/models/cache.py @d78bf58).
 * - KVCache grows in whole steps of 256: update_and_fetch allocates `(step + S − 1) // step × step` more cells
 *   whenever the new tokens do not fit (trimming to the offset first when it is not aligned), so the capacity is at
 *   most ceil256(tokens).
 * - RotatingKVCache(max_size = sliding_window) (gemma3_text.py / gpt_oss.py make_cache) stores a prompt chunk by
 *   concatenation, exactly (_update_concat), and grows by min(256, max_size − offset) when a decoded token no longer
 *   fits (_update_in_place). A prompt of tokens − 1 plus one decoded token therefore holds tokens − 1 + 256 cells:
 *   the worst case is min(window, tokens + 255), not ceil256(tokens) (test/oracle/mlx-cache-oracle.test.ts runs
 *   these rules on real MLX arrays). During a multi-token prefill it temporarily holds up to max_size + S − 1
 *   (counted as a prefill transient).
 */
export function mlxLayerCells(layer: LayerSpec, tokens: number): number {
  if (tokens <= 0) return 0
  if (layer.kind === 'sliding' && layer.window !== null) return Math.min(layer.window, tokens + MLX_KV_STEP - 1)
  return padTo(tokens, MLX_KV_STEP)
}

/**
 * One sequence's caches at `tokens` of context, in the activation dtype (keys.dtype = the projections' dtype).
 * Linear-attention / Mamba layers use ArraysCache(size=2): the conv state in the activation dtype and the
 * recurrent state in float32 (gated_delta.py `mx.zeros((B, Hv, Dv, Dk), dtype=mx.float32)`; ssm.py computes dt in
 * float32, so the SSM state it returns is float32 too).
 */
export function mlxSeqCache(arch: Architecture, tokens: number, dtypeBytes: number): MlxSeqCache {
  let kvBytes = 0
  let stateBytes = 0
  for (const layer of arch.layers) {
    const bytes = mlxLayerSeqBytes(arch, layer, tokens, dtypeBytes)
    if (isAttention(layer)) kvBytes += bytes
    else stateBytes += bytes
  }
  return { kvBytes, stateBytes }
}

/** One sequence's cache arrays in one layer: K/V (or MLA latent) cells, or the ArraysCache conv + recurrent state. */
function mlxLayerSeqBytes(arch: Architecture, layer: LayerSpec, tokens: number, dtypeBytes: number): number {
  if (isAttention(layer)) return mlxLayerCells(layer, tokens) * mlxKvElements(arch, layer) * dtypeBytes
  const g = recurrentGeometry(arch, layer)
  return g === null ? 0 : g.convElements * dtypeBytes + g.stateElements * 4
}

/**
 * Whether LRUPromptCache.insert_cache drops the shorter prefixes of a conversation when it stores a longer one: only
 * when every layer cache is trimmable (cache.py can_trim_prompt_cache). KVCache always is; RotatingKVCache only while
 * offset < max_size (a sliding layer whose window the conversation has not yet filled); ArraysCache (linear-attention
 * and Mamba state) never is. Otherwise every segment end and every finished turn stays a separate entry.
 */
export function mlxPromptCacheTrimmable(arch: Architecture, tokens: number): boolean {
  return !arch.layers.some((l) => isRecurrent(l) || (l.kind === 'sliding' && l.window !== null && tokens >= l.window))
}

/**
 * Whether mx.fast.scaled_dot_product_attention runs a fused kernel for a prompt chunk (query length > 8):
 * ml-explore/mlx @846d176 mlx/backend/metal/scaled_dot_product_attention.cpp has_fused_kernel / use_fallback —
 * matching q/v head dims in {64, 72, 80, 96, 128} are fused; 192 and 256 take the unfused path (except on
 * NAX-capable GPUs for causal 256-wide heads, which we do not assume); anything else has no fused kernel.
 */
export function mlxPrefillSdpaFused(headDimQ: number, headDimV: number): boolean {
  return headDimQ === headDimV && [64, 72, 80, 96, 128].includes(headDimQ)
}

interface PrefillShape {
  readonly context: number
  /** Tokens of the prompt chunk: min(prefill_step_size, context). */
  readonly step: number
  /** Prompts prefilled together. */
  readonly batch: number
  readonly dtype: number
}

/**
 * Live arrays of one attention layer while the last prompt chunk (the one that sees the whole context) runs.
 * Unfused SDPA (mlx/fast.cpp fallback) materialises scores B × H × S × L_kv and a softmax of the same size.
 */
function attentionPeak(arch: Architecture, layer: LayerSpec, p: PrefillShape): number {
  const { batch: b, step: s, dtype } = p
  if (layer.kind === 'mla' && arch.mla) {
    const m = arch.mla
    const h = arch.numHeads
    // deepseek_v3.py with L > 1: pe_scores = q_pe @ k_peᵀ (B, H, L, T) masked with mx.where (donated), a bool mask
    // (L, T), and the latent decompressed to per-head K (embed_q) and V (unembed_out) over the whole context.
    const q = b * s * h * (m.qkNopeHeadDim + m.qkRopeHeadDim) * dtype
    const peScores = b * h * s * p.context * dtype + s * p.context
    const decompressed = b * h * p.context * (m.qkNopeHeadDim + m.vHeadDim) * dtype
    const scores = mlxPrefillSdpaFused(m.qkNopeHeadDim, m.vHeadDim) ? 0 : 2 * b * h * s * p.context * dtype
    const growth = b * padTo(p.context, MLX_KV_STEP) * mlxKvElements(arch, layer) * dtype
    return q + peScores + decompressed + scores + growth
  }
  const hq = arch.numHeads
  const elems = mlxKvElements(arch, layer)
  const kvLen = layer.kind === 'sliding' && layer.window !== null ? Math.min(p.context, layer.window - 1 + s) : p.context
  const qkvo = b * s * (hq * layer.headDimK + elems + hq * layer.headDimV) * dtype
  const scores = mlxPrefillSdpaFused(layer.headDimK, layer.headDimV) ? 0 : 2 * b * hq * s * kvLen * dtype
  // KVCache concatenates a grown buffer while the old one is alive; RotatingKVCache._update_concat builds a new
  // (window − 1 + S)-cell array. Either way about one layer's cache is duplicated for a moment.
  const growth = b * (layer.kind === 'sliding' ? kvLen : padTo(p.context, MLX_KV_STEP)) * elems * dtype
  const windowMask = layer.kind === 'sliding' ? s * kvLen : 0
  return qkvo + scores + growth + windowMask
}

function recurrentPeak(arch: Architecture, layer: LayerSpec, p: PrefillShape): number {
  const { batch: b, step: s, dtype } = p
  if (layer.kind === 'linear' && arch.linear) {
    const l = arch.linear
    const keyDim = l.numKeyHeads * l.keyHeadDim
    const valueDim = l.numValueHeads * l.valueHeadDim
    const convDim = 2 * keyDim + valueDim
    // qwen3_next.py: q, k, v, z, b, a projections; conv input/output; the float32 state the kernel returns.
    return b * (2 * s * (2 * keyDim + 2 * valueDim + 2 * l.numValueHeads) * dtype + 2 * (s + l.convKernel - 1) * convDim * dtype + valueDim * l.keyHeadDim * 4)
  }
  if (layer.kind === 'mamba' && arch.mamba) {
    const m = arch.mamba
    const convDim = m.dInner + 2 * m.numGroups * m.dState
    // ssm.py ssm_attn processes 256-token steps; CB, decay and the masked product are (B, H, 256, 256) float32.
    const blocks = 3 * m.numHeads * 256 * 256 * 4
    return b * (blocks + 2 * s * m.dInner * 4 + 2 * (s + m.convKernel - 1) * convDim * dtype)
  }
  return 0
}

function ffnPeak(arch: Architecture, layer: LayerSpec, p: PrefillShape): number {
  const tokens = p.batch * p.step
  const moe = arch.moe
  if (!layer.moe || moe === null) return tokens * arch.intermediateSize * p.dtype * 3
  // SwitchGLU: tokens sorted by expert (a gathered copy of x per routed expert), gate/up/act per routed expert.
  const routed = tokens * (moe.expertsPerToken * (3 * moe.expertIntermediateSize + arch.hiddenSize) + moe.numExperts) * p.dtype
  return routed + tokens * 3 * moe.sharedIntermediateSize * p.dtype
}

export interface MlxTransient {
  readonly prefillBytes: number
  readonly phases: Record<string, number>
}

/** Peak extra memory while prefilling the last chunk of a full-context prompt (docs/sizing-kv.md, "mlx prefill"). */
export function mlxPrefillTransient(arch: Architecture, p: PrefillShape): MlxTransient {
  let attention = 0
  let recurrent = 0
  let ffn = 0
  let overhang = 0
  for (const layer of arch.layers) {
    if (isAttention(layer)) attention = Math.max(attention, attentionPeak(arch, layer, p))
    else recurrent = Math.max(recurrent, recurrentPeak(arch, layer, p))
    ffn = Math.max(ffn, ffnPeak(arch, layer, p))
    if (layer.kind === 'sliding' && layer.window !== null) {
      // Every sliding layer keeps its max_size + S − 1 buffer until the next single-token step trims it.
      const over = Math.min(p.context, layer.window - 1 + p.step) - mlxLayerCells(layer, p.context)
      overhang += Math.max(0, over) * p.batch * mlxKvElements(arch, layer) * p.dtype
    }
  }
  const residual = 2 * p.batch * p.step * arch.hiddenSize * p.dtype
  const phases = { residual, attention, recurrent, ffn, slidingOverhang: overhang }
  return { prefillBytes: residual + Math.max(attention, recurrent, ffn) + overhang, phases }
}

interface MlxServing {
  readonly context: number
  /** Requests decoding at once. */
  readonly decodeBatch: number
  /** Prompts prefilled together. */
  readonly prefillBatch: number
  readonly dtypeBytes: number
  readonly prefillStepSize: number
  /** Whether requests go through mlx-lm's BatchGenerator (batch caches are merged, extended and filtered). */
  readonly batched: boolean
}

export function mlxCore(arch: Architecture, s: MlxServing): { seq: MlxSeqCache; kv: number; state: number; compute: number; transient: number; pinned: number; details: Record<string, number> } {
  const seq = mlxSeqCache(arch, s.context, s.dtypeBytes)
  const step = Math.max(1, Math.min(s.prefillStepSize, s.context))
  const transient = mlxPrefillTransient(arch, { context: s.context, step, batch: s.prefillBatch, dtype: s.dtypeBytes })
  // Decode: logits for every decoding request in float32, then logsumexp / logprobs of the same size.
  const decode = 2 * s.decodeBatch * arch.vocabSize * 4
  // A layer's batch cache is rebuilt when it grows by a 256-cell step (BatchKVCache.update_and_fetch concatenates),
  // when a request joins (extend: mx.pad + mx.concatenate) and when one leaves (filter: a gather). The new array is
  // allocated while the old one is still an input, but MLX evaluates these lazily inside the next decode step and
  // releases each old array as soon as the op that consumes it has run (mlx/transforms.cpp eval_impl detaches
  // inputs after every op), so only one layer is doubled at a time: old + new of the largest layer.
  let largestLayer = 0
  for (const layer of arch.layers) largestLayer = Math.max(largestLayer, mlxLayerSeqBytes(arch, layer, s.context, s.dtypeBytes))
  const rebuild = 2 * s.decodeBatch * largestLayer
  const compute = Math.max(transient.prefillBytes, decode) + rebuild
  // While serving, decode holds its logits and the layer rebuilds; a long prefill can need more, for a moment.
  const steady = decode + rebuild
  // The freed old arrays go to MLX's buffer cache, which reuses a buffer only for a request of about the same size
  // (mlx/backend/common/buffer_cache.h reuse_from_cache), so after a growth step or a join the previous generation of
  // the caches stays pooled until mx.clear_cache() (mlx-lm: after every prefill chunk and every 512 decode steps) or
  // until the allocator nears gc_limit (0.95 × the Metal working set) and drops it. Reclaimable: reported, not summed.
  const pool = s.decodeBatch * (seq.kvBytes + seq.stateBytes)
  // A finished request's prompt-cache entry comes from BatchKVCache.extract: mx.contiguous(keys[idx:idx+1, …]) is a
  // lazy op the server never evaluates, so until the entry is reused or evicted it keeps the whole pre-filter batch
  // array alive (ArraysCache.extract returns a plain slice, which pins it for the entry's lifetime). Counted once:
  // the rest of one full batch.
  const pinned = s.batched && s.decodeBatch > 1 ? (s.decodeBatch - 1) * (seq.kvBytes + seq.stateBytes) : 0
  const details: Record<string, number> = {
    kvBytesPerSeq: seq.kvBytes,
    stateBytesPerSeq: seq.stateBytes,
    prefillStep: step,
    prefillBatch: s.prefillBatch,
    decodeBatch: s.decodeBatch,
    prefillTransientBytes: transient.prefillBytes,
    decodeLogitsBytes: decode,
    layerRebuildBytes: rebuild,
    pooledBuffersBytes: pool,
    ...Object.fromEntries(Object.entries(transient.phases).map(([k, v]) => [`prefillPhase.${k}`, v])),
  }
  return { seq, kv: s.decodeBatch * seq.kvBytes, state: s.decodeBatch * seq.stateBytes, compute: steady, transient: compute - steady, pinned, details }
}

export function unfusedPrefillNote(arch: Architecture): string[] {
  const unfused = arch.layers.some((l) => (l.kind === 'full' || l.kind === 'sliding') && !mlxPrefillSdpaFused(l.headDimK, l.headDimV))
  const mla = arch.layers.some((l) => l.kind === 'mla')
  const notes: string[] = []
  if (unfused) notes.push('MLX has no fused prefill attention for this head size: each prompt chunk materialises heads × chunk × context scores; a smaller prefill step lowers that peak')
  if (mla)
    notes.push(
      'mlx-lm caches the MLA latent (kv_lora_rank + rope per token), but prefill builds heads × chunk × context position scores and decompresses K/V over the whole context; a smaller prefill step lowers that peak',
    )
  return notes
}
