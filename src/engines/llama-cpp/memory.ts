/**
 * What llama-server allocates for a deployment, from llama.cpp's own sizing code. fleet launches it with
 * `-c context×parallel -np parallel` (plus `-kvu` when kvUnified), so `-c` is the TOTAL context and each slot
 * gets n_ctx_seq. Sources are ggml-org/llama.cpp files (the copy Ollama vendored at upstream ec98e2002, checked
 * against later upstream changes cited inline); the formulas are written out in docs/sizing-kv.md.
 */
import type { Architecture, LayerSpec } from '../../model/architecture.ts'
import type { MemoryEstimate } from '../shared/memory-estimate.ts'
import { llamaCppComputeBuffers } from './compute.ts'
import { MiB, ggmlRowBytes, isAttention, llamaKvElements, missingRecurrentSpecNotes, padTo, recurrentGeometry, slidingWindow } from '../shared/kv-layers.ts'

export interface LlamaCppDeployment {
  /** Tokens per slot; fleet passes `-c contextPerSlot × parallel`. */
  readonly contextPerSlot: number
  readonly parallel: number
  readonly typeK: string
  readonly typeV: string
  readonly flashAttention: 'on' | 'off' | 'auto'
  readonly ubatch: number
  readonly batch: number
  readonly kvUnified: boolean
  readonly swaFull: boolean
  /**
   * `--cache-ram` in bytes: the host-memory prompt cache (PR #16391). llama-server's default is 8192 MiB;
   * null means unlimited (`-1`), 0 disables it.
   */
  readonly cacheRamBytes?: number | null
  /** `--ctx-checkpoints` per slot (SWA / hybrid models); server default 32 (tools/server/README.md). */
  readonly ctxCheckpoints?: number
  /** `--checkpoint-every-n-tokens` during prefill; server default 8192. */
  readonly checkpointEveryTokens?: number
  /**
   * llama_context_params.n_outputs_max. Default: what llama-server passes without speculative decoding,
   * min(n_batch, n_parallel) (tools/server/server-context.cpp server_output_limits). 0 means llama.cpp's own default,
   * n_batch (a bare llama_context, e.g. the node-llama-cpp oracle).
   */
  readonly outputsMax?: number
  /** Where the compute graph runs: Metal (default) or the CPU backend alone (the oracle build). */
  readonly backend?: 'metal' | 'cpu'
}

/** llama-server defaults for the options fleet does not set (tools/server/README.md, common/common.h). */
export const LLAMA_SERVER_DEFAULTS = {
  cacheRamBytes: 8192 * MiB,
  ctxCheckpoints: 32,
  checkpointEveryTokens: 8192,
} as const

/**
 * Fixed llama-server cost besides the buffers it logs: the process, libllama/ggml, the Metal device and its
 * compiled pipelines, the vocabulary and merges. A labelled estimate, not a measurement: gguf-parser budgets
 * 5 MiB plus ~100 bytes per token and per merge for the tokenizer (sizing.md §1.2); we round the rest up.
 */
export const LLAMA_SERVER_RUNTIME_BASE_BYTES = 128 * MiB
const TOKENIZER_BYTES_PER_VOCAB_ENTRY = 256

/** Head sizes the Metal flash-attention kernel accepts (ggml-metal-device.m supports_op GGML_OP_FLASH_ATTN_EXT). */
const METAL_FA_HEAD_SIZES: ReadonlySet<number> = new Set([32, 40, 48, 64, 72, 80, 96, 112, 128, 192, 256, 512, 576])

export interface LlamaCppGeometry {
  /** n_ctx after padding: total cells of a full-attention layer, all streams together. */
  readonly nCtx: number
  /** n_ctx_seq: the context of one slot. */
  readonly nCtxSeq: number
  readonly nSeq: number
  /** KV streams: 1 when unified, else one per slot. */
  readonly nStream: number
  readonly nBatch: number
  readonly nUbatch: number
  /** Cells per stream of a full-attention layer (kv_size passed to llama_kv_cache). */
  readonly cellsPerStream: number
  /** Cells per stream of the SWA sub-cache; 0 without SWA layers. */
  readonly swaCellsPerStream: number
  readonly flashAttention: boolean
}

/**
 * Whether flash attention ends up on. `auto` is resolved by llama_context from a trial graph: on unless a layer's
 * FLASH_ATTN_EXT op would land on another device (src/llama-context.cpp "Flash Attention was auto"). On Metal the
 * op is supported when the K head size is in METAL_FA_HEAD_SIZES and K and V have the same type.
 */
export function resolveLlamaFlashAttention(arch: Architecture, mode: 'on' | 'off' | 'auto', typeK: string, typeV: string): boolean {
  if (mode !== 'auto') return mode === 'on'
  if (typeK.toLowerCase() !== typeV.toLowerCase()) return false
  return arch.layers.filter(isAttention).every((l) => METAL_FA_HEAD_SIZES.has(l.kind === 'mla' ? llamaKvElements(arch, l).k : l.headDimK))
}

/** Cache types stored as plain floats; the others are block-quantized. */
const FLOAT_CACHE_TYPES: ReadonlySet<string> = new Set(['f32', 'f16', 'bf16'])

/**
 * The context arithmetic of llama_context's constructor (src/llama-context.cpp):
 *   n_ctx = GGML_PAD(n_ctx, 256);
 *   unified: n_ctx_seq = n_ctx; else n_ctx_seq = GGML_PAD(n_ctx / n_seq_max, 256), n_ctx = n_ctx_seq × n_seq_max;
 *   n_batch = min(n_ctx, n_batch) (causal); n_ubatch = min(n_batch, n_ubatch).
 * llama_model::create_memory passes kv_size = n_ctx_seq with n_stream = unified ? 1 : n_seq_max planes (also for
 * hybrid models since PR #19559, "memory : fix kv cache size for hybrid models"). The SWA sub-cache
 * (src/llama-kv-cache-iswa.cpp) is GGML_PAD(min(kv_size, n_swa × (unified ? n_seq_max : 1) + n_ubatch), 256) per
 * stream, or kv_size with --swa-full.
 */
export function llamaCppGeometry(arch: Architecture, d: LlamaCppDeployment): LlamaCppGeometry {
  const nSeq = Math.max(1, Math.floor(d.parallel))
  let nCtx = padTo(Math.max(1, d.contextPerSlot * nSeq), 256)
  let nCtxSeq: number
  if (d.kvUnified) {
    nCtxSeq = nCtx
  } else {
    nCtxSeq = padTo(Math.floor(nCtx / nSeq), 256)
    nCtx = nCtxSeq * nSeq
  }
  const nStream = d.kvUnified ? 1 : nSeq
  const nBatch = Math.min(nCtx, d.batch)
  const nUbatch = Math.min(nBatch, d.ubatch)
  const window = slidingWindow(arch)
  let swaCellsPerStream = 0
  if (window !== null) {
    swaCellsPerStream = d.swaFull ? nCtxSeq : padTo(Math.min(nCtxSeq, window * (d.kvUnified ? nSeq : 1) + nUbatch), 256)
  }
  return {
    nCtx,
    nCtxSeq,
    nSeq,
    nStream,
    nBatch,
    nUbatch,
    cellsPerStream: nCtxSeq,
    swaCellsPerStream,
    flashAttention: resolveLlamaFlashAttention(arch, d.flashAttention, d.typeK, d.typeV),
  }
}

/**
 * Bytes one token adds to one layer: ggml_row_size(type_k, n_embd_k_gqa) + ggml_row_size(type_v, n_embd_v_gqa).
 * Without flash attention V is stored transposed and every layer's V is padded to the widest
 * (src/llama-kv-cache.cpp [TAG_V_CACHE_VARIABLE] `n_embd_v_gqa_max()`); MLA layers have no V at all.
 */
export function llamaLayerBytesPerCell(arch: Architecture, layer: LayerSpec, typeK: string, typeV: string, flashAttention: boolean): number {
  const { k, v } = llamaKvElements(arch, layer)
  if (k === 0) return 0
  const vWidth = layer.kind === 'mla' ? 0 : flashAttention ? v : maxVWidth(arch)
  return ggmlRowBytes(typeK, k) + (vWidth > 0 ? ggmlRowBytes(typeV, vWidth) : 0)
}

function maxVWidth(arch: Architecture): number {
  let max = 0
  for (const layer of arch.layers) if (layer.kind !== 'mla') max = Math.max(max, llamaKvElements(arch, layer).v)
  return max
}

/** Recurrent state of one sequence (r and s tensors, always F32: llama_model::create_memory passes GGML_TYPE_F32). */
export function llamaRecurrentBytesPerSeq(arch: Architecture): number {
  let bytes = 0
  for (const layer of arch.layers) {
    const g = recurrentGeometry(arch, layer)
    if (g !== null) bytes += (g.convElements + g.stateElements) * 4
  }
  return bytes
}

function kvBytes(arch: Architecture, g: LlamaCppGeometry, typeK: string, typeV: string): { full: number; swa: number; perTokenFull: number; perCellSwa: number } {
  let perTokenFull = 0
  let perCellSwa = 0
  for (const layer of arch.layers) {
    if (!isAttention(layer)) continue
    const b = llamaLayerBytesPerCell(arch, layer, typeK, typeV, g.flashAttention)
    if (layer.kind === 'sliding') perCellSwa += b
    else perTokenFull += b
  }
  return {
    full: perTokenFull * g.cellsPerStream * g.nStream,
    swa: perCellSwa * g.swaCellsPerStream * g.nStream,
    perTokenFull,
    perCellSwa,
  }
}

/**
 * Host-side caches llama-server fills as it is used:
 * - --cache-ram (PR #16391): a slot's state is saved to RAM when the slot takes a different prompt. Worst case is
 *   the whole limit; fleet budgets one saved full-context conversation per slot, capped by the limit (the same
 *   policy as mlx-lm's prompt cache, docs/sizing-kv.md).
 * - context checkpoints (PR #15293) for SWA / recurrent models: each holds one sequence's SWA cells and recurrent
 *   state, taken every checkpoint-every-n-tokens of prefill and at the end of a prompt, up to ctx-checkpoints per slot.
 */
function hostCaches(
  arch: Architecture,
  g: LlamaCppGeometry,
  d: LlamaCppDeployment,
  kv: ReturnType<typeof kvBytes>,
): { ram: number; checkpoints: number; perCheckpoint: number; checkpointsPerSlot: number } {
  const context = Math.min(d.contextPerSlot, g.nCtxSeq)
  const window = slidingWindow(arch)
  const swaCellsPerSeq = window === null ? 0 : Math.min(context, g.swaCellsPerStream, window + g.nUbatch)
  const recurrent = llamaRecurrentBytesPerSeq(arch)
  const seqState = kv.perTokenFull * context + kv.perCellSwa * swaCellsPerSeq + recurrent
  const limit = d.cacheRamBytes === undefined ? LLAMA_SERVER_DEFAULTS.cacheRamBytes : d.cacheRamBytes
  const ram = limit === null ? g.nSeq * seqState : Math.min(limit, g.nSeq * seqState)

  const perCheckpoint = kv.perCellSwa * swaCellsPerSeq + recurrent
  const every = d.checkpointEveryTokens ?? LLAMA_SERVER_DEFAULTS.checkpointEveryTokens
  const max = d.ctxCheckpoints ?? LLAMA_SERVER_DEFAULTS.ctxCheckpoints
  const checkpointsPerSlot = perCheckpoint === 0 ? 0 : Math.min(max, 1 + (every > 0 ? Math.floor(context / every) : 0))
  return { ram, checkpoints: g.nSeq * checkpointsPerSlot * perCheckpoint, perCheckpoint, checkpointsPerSlot }
}

export function llamaCppMemory(arch: Architecture, d: LlamaCppDeployment): MemoryEstimate {
  const g = llamaCppGeometry(arch, d)
  const notes: string[] = [...missingRecurrentSpecNotes(arch)]
  const kv = kvBytes(arch, g, d.typeK, d.typeV)

  // Recurrent / linear layers: llama_memory_recurrent with mem_size = max(1, n_seq_max) cells
  // (src/llama-memory-recurrent.cpp: r = n_embd_r × mem_size, s = n_embd_s × mem_size per layer, F32).
  const recurrentPerSeq = llamaRecurrentBytesPerSeq(arch)
  const stateBytes = recurrentPerSeq * g.nSeq

  const compute = llamaCppComputeBuffers(arch, {
    nTokens: g.nUbatch,
    kvFull: g.cellsPerStream,
    kvSwa: g.swaCellsPerStream,
    flashAttention: g.flashAttention,
    nSeq: g.nSeq,
    nOutputs: d.outputsMax === 0 ? g.nBatch : Math.min(g.nBatch, d.outputsMax ?? g.nSeq),
    backend: d.backend ?? 'metal',
  })
  // Output buffer (llama_context::output_reserve): logits for n_seq_max outputs in F32, reserved at start-up and
  // only grown when a batch asks for more outputs (the server asks one per sequence); no embeddings.
  const outputBytes = arch.vocabSize * g.nSeq * 4
  const host = hostCaches(arch, g, d, kv)

  if (d.contextPerSlot * g.nSeq !== g.nCtx) notes.push(`llama.cpp pads the context to ${g.nCtx} cells (${g.nCtxSeq} per slot)`)
  if (!g.flashAttention && !FLOAT_CACHE_TYPES.has(d.typeV.toLowerCase()) && arch.layers.some((l) => l.kind === 'full' || l.kind === 'sliding')) {
    notes.push(`flash attention is off, so llama.cpp refuses the quantized V cache ${d.typeV} ("requires Flash Attention")`)
  }
  if (d.flashAttention === 'auto' && !g.flashAttention) notes.push('flash attention "auto" resolves to off on Metal for this model/cache types')
  if (host.ram > 0) notes.push('llama-server keeps saved slot states in host RAM (--cache-ram, default 8 GiB); budgeted as one full-context conversation per slot')
  if (host.checkpoints > 0) notes.push(`SWA/recurrent context checkpoints: up to ${host.checkpointsPerSlot} per slot at ${(host.perCheckpoint / MiB).toFixed(1)} MiB each`)

  return {
    kvCacheBytes: kv.full + kv.swa,
    stateBytes,
    computeBytes: compute.gpuBytes + compute.hostBytes + outputBytes,
    // llama.cpp reserves its worst-case graph at start-up: nothing grows later except the host caches below.
    transientBytes: 0,
    runtimeBytes: LLAMA_SERVER_RUNTIME_BASE_BYTES + arch.vocabSize * TOKENIZER_BYTES_PER_VOCAB_ENTRY,
    promptCacheBytes: host.ram + host.checkpoints,
    details: {
      nCtx: g.nCtx,
      nCtxSeq: g.nCtxSeq,
      nSeqMax: g.nSeq,
      nStream: g.nStream,
      nBatch: g.nBatch,
      nUbatch: g.nUbatch,
      flashAttention: g.flashAttention ? 'on' : 'off',
      cellsFull: g.cellsPerStream * g.nStream,
      swaCells: g.swaCellsPerStream * g.nStream,
      kvFullBytes: kv.full,
      kvSwaBytes: kv.swa,
      bytesPerTokenFullLayers: kv.perTokenFull,
      bytesPerCellSwaLayers: kv.perCellSwa,
      recurrentBytesPerSeq: recurrentPerSeq,
      computeMetalBytes: compute.gpuBytes,
      computeHostBytes: compute.hostBytes,
      outputBufferBytes: outputBytes,
      ...Object.fromEntries(Object.entries(compute.phases).map(([k, v]) => [`computePhase.${k}`, v])),
      cacheRamBudgetBytes: host.ram,
      checkpointBytes: host.checkpoints,
    },
    notes,
    // Saved slot states live in host RAM up to --cache-ram: bounded to what the plan counts.
    serverLimits: { promptCacheBytes: host.ram },
  }
}
