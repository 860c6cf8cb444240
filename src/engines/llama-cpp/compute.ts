/**
 * llama.cpp compute ("graph") buffers, modelled from the worst-case graph llama_context reserves at start-up.
 *
 * What llama.cpp does (src/llama-context.cpp, llama_context::llama_context → graph_reserve): it builds the
 * prompt-processing graph for one ubatch — n_tokens = min(n_ctx, n_ubatch), n_seqs = n_seq_max,
 * n_outputs = n_tokens — with the KV cache at full size (memory->init_full()), and ggml-alloc sizes one buffer
 * per backend to the peak of simultaneously live tensors (tensors are freed after their last consumer). It logs
 * `<backend> compute buffer size = … MiB` per backend. We do not rebuild the graph; we take the largest of a few
 * phases whose live tensors we can name (all F32 unless said):
 *
 * - output: the logits of every ubatch token, n_vocab × n_ubatch, plus two n_embd × n_ubatch rows (the final
 *   norm and its input). This phase alone reproduces the Metal logs we could find to the 0.01 MiB:
 *   Qwen3-8B `-c 2048` → 312.75 MiB, gpt-oss-20b `-c 4096` → 404.00 MiB (both flash attention, ubatch 512).
 * - attention without flash attention: KQ = n_head × n_kv × n_ubatch (the soft_max runs in place), plus the
 *   F32 mask(s) n_kv × n_ubatch copied to the GPU, plus Q and the attention output, plus the residual stream
 *   (2 × n_embd × n_ubatch). Reproduces a CUDA log of a 32-layer, 32-head 7B model without flash attention:
 *   164.00 MiB at n_ctx 2048 and 2144.00 MiB at 32768 (fedora-copr/logdetective#106); Metal uses the same allocator.
 * - attention with flash attention: the F16 mask(s) stay live for the whole graph; at the first layer the F32
 *   input copy and its F16 cast are live together, so 6 bytes × n_kv × n_ubatch per mask [derived from
 *   src/llama-graph.cpp `ggml_cast(self_kq_mask, F16)` and ggml-backend's split-input copies; not checked
 *   against a log at long context].
 * - feed-forward: gate, up and the SwiGLU product, or for MoE the router and the three per-expert activations of
 *   ggml_mul_mat_id (n_ff_exp × n_expert_used × n_ubatch each), plus the down projection where ggml-alloc cannot
 *   place it in the freed gate/up hole (see ffnLayerBytes).
 * - linear / Mamba layers: conv input and scan outputs, roughly [derived].
 *
 * The host ("CPU") compute buffer holds the graph inputs: the token embeddings get_rows result
 * (n_embd × n_ubatch; token_embd stays on the CPU) and the F32 KQ mask(s) — gpt-oss-20b `-c 4096`: 15.15 MiB
 * logged, 15.13 MiB here.
 *
 * Accuracy: exact for the dense and MoE logs above; against the CPU oracle (test/oracle) dense layer phases within
 * 2 % with flash attention and 9 % without, MoE within 5 %. MLA, hybrid and recurrent graphs are estimated from the
 * ops they use and have not been compared with a log. Expect ±10–20 % there.
 */
import type { Architecture, LayerSpec } from '../../model/architecture.ts'
import { isAttention, llamaKvElements, recurrentGeometry } from '../shared/kv-layers.ts'

const F32 = 4

export interface LlamaGraphShape {
  /** Tokens in the worst-case ubatch: min(n_ctx, n_ubatch). */
  readonly nTokens: number
  /** KV cells one stream's full-attention layers see (n_kv at full cache): n_ctx_seq, or n_ctx when unified. */
  readonly kvFull: number
  /** Cells one stream's SWA layers see (0 when the model has no SWA layers). */
  readonly kvSwa: number
  readonly flashAttention: boolean
  /** Sequences llama.cpp reserves recurrent-state room for in the graph (n_seq_max). */
  readonly nSeq: number
  /**
   * Outputs the worst-case graph is reserved for: min(n_tokens, n_outputs_max) (llama_context::sched_reserve).
   * llama-server sets n_outputs_max = min(n_batch, n_parallel × (1 + n_draft)) (tools/server/server-context.cpp
   * server_output_limits, common/speculative.cpp); a bare llama_context defaults it to n_batch.
   */
  readonly nOutputs: number
  /**
   * 'metal': graph on the GPU, inputs (embeddings lookup, masks) in a separate host buffer. 'cpu': one buffer holds
   * everything (how the CPU-only oracle build allocates).
   */
  readonly backend?: 'metal' | 'cpu'
}

export interface LlamaComputeBuffers {
  /** The Metal ("MTL0") compute buffer. */
  readonly gpuBytes: number
  /** The CPU / host compute buffer. */
  readonly hostBytes: number
  /** Per-phase figures, for `plan --json`. */
  readonly phases: Record<string, number>
}

/**
 * Tokens of all streams share one mask tensor [n_kv, n_tokens/n_stream, 1, n_stream] (llama-graph.cpp
 * build_attn_inp_kv), so a mask holds n_kv(per stream) × n_tokens elements.
 */
function maskElements(arch: Architecture, g: LlamaGraphShape): number {
  const hasFull = arch.layers.some((l) => l.kind === 'full' || l.kind === 'mla')
  const hasSwa = arch.layers.some((l) => l.kind === 'sliding')
  return ((hasFull ? g.kvFull : 0) + (hasSwa ? g.kvSwa : 0)) * g.nTokens
}

/** Live tensors of one attention layer beyond the masks and residual. */
function attentionLayerBytes(arch: Architecture, layer: LayerSpec, g: LlamaGraphShape): number {
  const heads = arch.numHeads
  // MLA runs attention in the absorbed (MQA) form: Q has the 576-wide latent+rope head, the output the
  // 512-wide latent, then wv_b decompresses it (models/deepseek2.cpp, build_attn_mha `v_mla`).
  const dq = layer.kind === 'mla' ? llamaKvElements(arch, layer).k : layer.headDimK
  const dv = layer.kind === 'mla' && arch.mla ? arch.mla.kvLoraRank : layer.headDimV
  const q = heads * dq * g.nTokens * F32
  const out = heads * dv * g.nTokens * F32
  const nKv = layer.kind === 'sliding' ? g.kvSwa : g.kvFull
  const kq = g.flashAttention ? 0 : heads * nKv * g.nTokens * F32
  return q + out + kq
}

function ffnLayerBytes(arch: Architecture, layer: LayerSpec, nTokens: number): number {
  const moe = arch.moe
  if (!layer.moe || moe === null) {
    // ffn_gate and ffn_up outputs, the fused SwiGLU product (ggml_swiglu_split allocates its own n_ff-wide result)
    // and the normed input. Checked against the CPU oracle: Llama-3.1-8B, Qwen3-8B, Qwen2.5-7B, gemma-2-9b with a
    // small vocabulary (so this phase is the peak) land within 2 % (test/oracle/llama-cpp-oracle.test.ts).
    return (3 * arch.intermediateSize + arch.hiddenSize) * nTokens * F32
  }
  // build_moe_ffn (src/llama-graph.cpp), F32 throughout. The router: ffn_moe_logits [n_expert, n_tokens], which
  // the soft_max overwrites in place (ggml-alloc reuses a single-consumer parent for SOFT_MAX), plus the top-k ids and
  // weights. Then ggml_mul_mat_id gives gate and up [n_ff_exp, n_expert_used, n_tokens] and ggml_swiglu_split a third
  // tensor of that shape (GLU is not an in-place op in ggml-alloc's ggml_op_can_inplace), so 3 × F are live. The down
  // projection [n_embd, n_expert_used, n_tokens] is allocated once gate and up are freed: ggml-alloc's best fit takes
  // their merged 2 × F hole when it is large enough, and otherwise places it above the product, adding D
  // (OLMoE-1B-7B: n_ff_exp 1024, n_embd 2048 → fits; Qwen3-30B-A3B: 768 vs 2048 → does not). The weighting (MUL)
  // runs in place. A shared expert (qwen2moe, deepseek2, llama4) runs after the routed sum, in the freed blocks, with
  // the routed result [n_embd, n_tokens] live. Against the CPU oracle: OLMoE within 0.2 %, Qwen3-30B-A3B within 5 %
  // (test/oracle/llama-cpp-oracle.test.ts).
  const k = moe.expertsPerToken
  const router = (moe.numExperts + 2 * k) * nTokens * F32
  const expertWidth = moe.expertIntermediateSize * k * nTokens * F32
  const downWidth = arch.hiddenSize * k * nTokens * F32
  const routed = 3 * expertWidth + (downWidth > 2 * expertWidth ? downWidth : 0)
  const shared = moe.sharedIntermediateSize > 0 ? (3 * moe.sharedIntermediateSize + arch.hiddenSize) * nTokens * F32 : 0
  return router + Math.max(routed, shared) + arch.hiddenSize * nTokens * F32
}

/** ssm_conv input (K−1 + n_tokens rows of the conv channels), its output, and the scan's y and new states. */
function recurrentLayerBytes(arch: Architecture, layer: LayerSpec, g: LlamaGraphShape): number {
  const geom = recurrentGeometry(arch, layer)
  if (geom === null) return 0
  let kernel: number
  let dInner: number
  let chunkBlocks = 0
  if (layer.kind === 'linear' && arch.linear) {
    kernel = arch.linear.convKernel
    dInner = arch.linear.numValueHeads * arch.linear.valueHeadDim
    // Gated delta net chunking (CHUNK_SIZE 64, src/models/qwen3next.cpp build_delta_net_chunking): permuted and
    // padded q/k/v copies (d_inner-wide) and per-head 64 × 64 decay / attention blocks over the ubatch.
    chunkBlocks = (6 * dInner + 4 * arch.linear.numValueHeads * 64) * g.nTokens * F32
  } else if (arch.mamba) {
    kernel = arch.mamba.convKernel
    dInner = arch.mamba.dInner
  } else {
    return 0
  }
  const convChannels = geom.convElements / Math.max(1, kernel - 1)
  const conv = convChannels * (g.nTokens + kernel - 1) * F32 + convChannels * g.nTokens * F32
  // ssm_scan / gated delta net output: y for every token plus the updated states of every sequence; z gate.
  const scan = (2 * dInner * g.nTokens + geom.stateElements * g.nSeq) * F32
  return conv + scan + chunkBlocks
}

export function llamaCppComputeBuffers(arch: Architecture, g: LlamaGraphShape): LlamaComputeBuffers {
  const n = g.nTokens
  const embd = arch.hiddenSize * n * F32
  const residual = 2 * embd
  const masks = maskElements(arch, g)
  // build_attn_inp_kq_mask (src/llama-graph.cpp): the mask is created F16 when flash attention is on ("flash
  // attention requires an f16 mask"), F32 otherwise; no F32 copy and cast since llama.cpp b6xxx-era refactors.
  const maskBytes = masks * (g.flashAttention ? 2 : F32)

  let attention = 0
  let ffn = 0
  let recurrent = 0
  for (const layer of arch.layers) {
    if (isAttention(layer)) attention = Math.max(attention, attentionLayerBytes(arch, layer, g))
    else recurrent = Math.max(recurrent, recurrentLayerBytes(arch, layer, g))
    ffn = Math.max(ffn, ffnLayerBytes(arch, layer, n))
  }

  // The last layer keeps only the output rows (inp_out_ids get_rows), so the final norm and the logits are
  // n_outputs wide: n_vocab × n_outputs logits plus two n_embd rows per output.
  const outputs = Math.max(1, Math.min(n, g.nOutputs))
  // On the CPU backend the token-embedding lookup (n_embd × n_tokens) shares the buffer with the layers' tensors;
  // on Metal it lives in the host buffer (token_embd stays on the CPU) and is copied over as a split input.
  const inputs = g.backend === 'cpu' ? embd : 0
  const phases: Record<string, number> = {
    output: (arch.vocabSize + 2 * arch.hiddenSize) * outputs * F32,
    attention: attention > 0 ? inputs + maskBytes + residual + attention : 0,
    ffn: inputs + maskBytes + residual + ffn,
    recurrent: recurrent > 0 ? inputs + maskBytes + residual + recurrent : 0,
  }
  const gpuBytes = Math.max(...Object.values(phases))
  const hostBytes = g.backend === 'cpu' ? 0 : embd + maskBytes
  return { gpuBytes, hostBytes, phases }
}
