/**
 * Per-layer cache geometry shared by every engine estimator: how many elements one token adds to a layer's
 * K and V, and how big a linear-attention / Mamba layer's fixed state is. Engines differ in *types* and
 * *cell counts*, not in these element counts, so they live here once. Formulas and sources: docs/sizing-kv.md.
 */
import type { Architecture, LayerSpec } from '../../model/architecture.ts'
import { ggmlTypeByName } from '../../formats/ggml-types.ts'

export const MiB = 2 ** 20
export const GiB = 2 ** 30

/** Round up to a multiple (GGML_PAD in ggml.h, the 256-step growth of mlx-lm's KVCache). */
export function padTo(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple
}

/** Layers that cache something per token. */
export function isAttention(layer: LayerSpec): boolean {
  return layer.kind === 'full' || layer.kind === 'sliding' || layer.kind === 'mla'
}

/** Layers that hold a fixed-size state per sequence instead. */
export function isRecurrent(layer: LayerSpec): boolean {
  return layer.kind === 'linear' || layer.kind === 'mamba'
}

/**
 * Bytes of a row of `elements` values of a ggml type: ggml_row_size (ggml/src/ggml.c) = elements / block × block bytes.
 * Exact when `elements` is a whole number of blocks, which ggml requires of a cache row (head sizes are multiples
 * of 32 in every real model); otherwise llama.cpp would refuse the type, and this returns the proportional figure.
 */
export function ggmlRowBytes(type: string, elements: number): number {
  const t = ggmlTypeByName(type)
  if (t === undefined) throw new RangeError(`unknown cache type "${type}"`)
  return (elements / t.blockSize) * t.typeSize
}

export interface KvElements {
  /** Elements of K one token adds to this layer (n_embd_k_gqa(il)). */
  readonly k: number
  /** Elements of V (n_embd_v_gqa(il)); 0 for llama.cpp's V-less MLA cache. */
  readonly v: number
}

/**
 * llama.cpp's K/V row widths for one attention layer (src/llama-hparams.cpp n_embd_k_gqa / n_embd_v_gqa =
 * head size × n_head_kv(il)). MLA layers (DeepSeek V2/V3, Kimi K2, GLM-4.7-Flash): the GGUF says n_head_kv = 1,
 * key_length = kv_lora_rank + qk_rope_head_dim (576), and since PR #19067 ("kv-cache : support V-less cache",
 * src/llama-kv-cache.cpp `has_v = !is_mla`) no V tensor is allocated at all.
 */
export function llamaKvElements(arch: Architecture, layer: LayerSpec): KvElements {
  if (layer.kind === 'mla') {
    const k = arch.mla ? arch.mla.kvLoraRank + arch.mla.qkRopeHeadDim : layer.kvHeads * layer.headDimK
    return { k, v: 0 }
  }
  if (layer.kind === 'full' || layer.kind === 'sliding') {
    return { k: layer.kvHeads * layer.headDimK, v: layer.kvHeads * layer.headDimV }
  }
  return { k: 0, v: 0 }
}

/**
 * mlx-lm's per-token elements for one attention layer, K and V together. Standard layers cache
 * `(B, n_kv_heads, T, head_dim)` keys and values (mlx_lm/models/cache.py KVCache). MLA layers
 * (mlx_lm/models/deepseek_v3.py DeepseekV3Attention) call `cache.update_and_fetch(kv_latent, k_pe)`: the cache
 * holds the normalised latent (1 head × kv_lora_rank) as "keys" and the roped k_pe (1 head × qk_rope_head_dim)
 * as "values", never the decompressed per-head K/V. So 512 + 64 = 576 elements, like llama.cpp.
 */
export function mlxKvElements(arch: Architecture, layer: LayerSpec): number {
  if (layer.kind === 'mla') {
    return arch.mla ? arch.mla.kvLoraRank + arch.mla.qkRopeHeadDim : layer.kvHeads * layer.headDimK
  }
  if (layer.kind === 'full' || layer.kind === 'sliding') return layer.kvHeads * (layer.headDimK + layer.headDimV)
  return 0
}

export interface RecurrentGeometry {
  /** Convolution state elements per sequence: llama.cpp n_embd_r(), mlx-lm ArraysCache[0]. */
  readonly convElements: number
  /** Recurrent (SSM / delta-rule) state elements per sequence: llama.cpp n_embd_s(), mlx-lm ArraysCache[1]. */
  readonly stateElements: number
}

/**
 * Fixed per-sequence state of a linear-attention or Mamba layer, or null when the architecture lacks the spec.
 *
 * llama.cpp (src/llama-hparams.cpp): n_embd_r = (d_conv − 1) × (d_inner + 2 × n_group × d_state),
 * n_embd_s = d_state × d_inner. For Qwen3-Next's gated delta net, convert_hf_to_gguf.py (Qwen3NextModel) writes
 * d_inner = linear_value_head_dim × linear_num_value_heads, d_state = linear_key_head_dim,
 * n_group = linear_num_key_heads, d_conv = linear_conv_kernel_dim, so the same formula gives
 * conv (K−1)·(2·Hk·dk + Hv·dv) and state Hv·dv·dk.
 * mlx-lm stores the same element counts: qwen3_next.py conv_state (B, K−1, conv_dim) with
 * conv_dim = 2·key_dim + value_dim, gated_delta.py state (B, Hv, Dv, Dk); granitemoehybrid.py conv_state
 * (B, K−1, d_inner + 2·G·N) and ssm.py state (B, H, head_dim, N).
 */
export function recurrentGeometry(arch: Architecture, layer: LayerSpec): RecurrentGeometry | null {
  if (layer.kind === 'linear') {
    const s = arch.linear
    if (s === null) return null
    const keyDim = s.numKeyHeads * s.keyHeadDim
    const valueDim = s.numValueHeads * s.valueHeadDim
    return { convElements: (s.convKernel - 1) * (2 * keyDim + valueDim), stateElements: valueDim * s.keyHeadDim }
  }
  if (layer.kind === 'mamba') {
    const s = arch.mamba
    if (s === null) return null
    return {
      convElements: (s.convKernel - 1) * (s.dInner + 2 * s.numGroups * s.dState),
      stateElements: s.dInner * s.dState,
    }
  }
  return null
}

/** Largest sliding window among the sliding layers (llama.cpp keeps one hparams.n_swa for them all), or null. */
export function slidingWindow(arch: Architecture): number | null {
  let window: number | null = null
  for (const layer of arch.layers) {
    if (layer.kind === 'sliding' && layer.window !== null) window = Math.max(window ?? 0, layer.window)
  }
  return window
}

/** A note for every recurrent layer kind whose spec the architecture lacks (its state is then left out). */
export function missingRecurrentSpecNotes(arch: Architecture): string[] {
  const notes: string[] = []
  if (arch.layers.some((l) => l.kind === 'linear') && arch.linear === null) {
    notes.push('linear-attention layers without a linear-attention spec: their state is not counted')
  }
  if (arch.layers.some((l) => l.kind === 'mamba') && arch.mamba === null) {
    notes.push('Mamba layers without a Mamba spec: their state is not counted')
  }
  return notes
}
