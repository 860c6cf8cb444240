/**
 * The weight tensors of a model, derived from its architecture alone, so fleet can size weights before anything is
 * downloaded (docs/sizing-weights.md). Names and shapes follow GGUF: `blk.<i>.<tensor>.<weight|bias>` as in
 * ggml-org/llama.cpp `gguf-py/gguf/constants.py` TENSOR_NAMES (@4df29be), shapes in ggml order (ne0 = the row
 * length = the matmul input dimension first), which is the reverse of the PyTorch/safetensors/MLX order. The MLX
 * weight of a GGUF tensor has the same elements; its last dimension is ne0 (weights.ts maps the names).
 *
 * The list is the checkpoint's tensors as both engines load them:
 * - DeepSeek's multi-token-prediction layer (`num_nextn_predict_layers`, layer 61 of V3) is left out: llama.cpp's
 *   converter skips it (conversion/deepseek.py DeepseekV2Model.skip_mtp @01a723d) and mlx-lm drops it
 *   (mlx_lm/models/deepseek_v3.py sanitize @d78bf58). Qwen3-Next's `mtp.*` tensors likewise
 *   (conversion/qwen.py Qwen3NextModel.filter_tensors @03173d5; mlx_lm/models/qwen3_next.py sanitize).
 * - DeepSeek's kv_b_proj appears as the two tensors llama.cpp writes, attn_k_b {nope, kv_lora, heads} and
 *   attn_v_b {kv_lora, v_dim, heads} (conversion/deepseek.py; mlx-lm makes the same split into
 *   self_attn.embed_q / unembed_out). Same elements as kv_b_proj.
 * - Fused HF tensors are split the way the GGUF converter splits them (gpt-oss gate_up_proj → ffn_gate_exps +
 *   ffn_up_exps; Qwen3-Next in_proj_qkvz → attn_qkv + attn_gate; Granite input_linear → gate + up). Element counts
 *   are unchanged, and so are MLX quantized sizes, because MLX groups run along the shared input dimension.
 * - Tensors the GGUF converter adds or trims (llama3 rope_freqs, Gemma 3's padded vocabulary rows) are applied by
 *   weights.ts `ggufTensors`, not here, so `parameterCount` matches the published parameter count.
 * - Vision towers of multimodal checkpoints (Gemma 3's SigLIP) are not included: llama.cpp puts them in a separate
 *   mmproj file and mlx-lm drops them.
 *
 * `Architecture.extras` keys read here (src/model/hf-config.ts fills them from config.json):
 * - `attentionBias` (boolean, default false): config.json `attention_bias`. Adds q/k/v/o biases to llama, mistral,
 *   qwen3, qwen3_moe, qwen3_next, gemma3 and granitemoehybrid attention layers. Not read for qwen2 (q/k/v biases
 *   always, no o bias: transformers modeling_qwen2.py, mlx_lm/models/qwen2.py), gpt_oss (all four always:
 *   mlx_lm/models/gpt_oss.py AttentionBlock) or the DeepSeek family (llama.cpp loads no attention biases for it).
 * - `mlpBias` (boolean, default false): config.json `mlp_bias`. Adds gate/up/down biases to llama/mistral dense MLPs.
 * - `mambaConvBias` (boolean, default true): config.json `mamba_conv_bias` (GraniteMoeHybridConfig default True).
 *   Adds ssm_conv1d.bias {conv_dim} to granitemoehybrid Mamba layers.
 * - `mambaProjBias` (boolean, default false): config.json `mamba_proj_bias`. Adds ssm_in.bias / ssm_out.bias.
 * (weights.ts also reads `ggufVocabSize`; see there.)
 *
 * Other facts come from the typed fields: per-layer kind/kvHeads/moe (`layers`), `moe`, `mla`, `linear`, `mamba`.
 * For a dense granitemoehybrid model (num_local_experts 0), `intermediateSize` must be the width of its shared_mlp
 * (config.json `shared_intermediate_size`), which is what both engines load as the dense MLP.
 */
import type { Architecture, LayerSpec, MoeSpec } from '../model/architecture.ts'

export const TENSOR_ROLES = [
  'embedding',
  'output',
  'attn_q',
  'attn_k',
  'attn_v',
  'attn_output',
  'attn_other',
  'ffn_gate',
  'ffn_up',
  'ffn_down',
  'ffn_gate_exps',
  'ffn_up_exps',
  'ffn_down_exps',
  'ffn_shared',
  'router',
  'norm',
  'bias',
  'ssm',
  'linear_attn',
  'other',
] as const
export type TensorRole = (typeof TENSOR_ROLES)[number]

/** Roles whose bytes belong to routed experts: only expertsPerToken of numExperts are read per token. */
export const ROUTED_EXPERT_ROLES: readonly TensorRole[] = ['ffn_gate_exps', 'ffn_up_exps', 'ffn_down_exps']

export interface TensorSpec {
  /** GGUF-style name, e.g. blk.3.attn_q.weight, token_embd.weight, output.weight. */
  readonly name: string
  /** GGUF order: ne0 = row length (input dim) first. */
  readonly shape: readonly number[]
  /**
   * What the tensor is for, for breakdowns. Biases of routed experts carry their expert's role (they are read only
   * for the selected experts); other biases are 'bias'.
   */
  readonly role: TensorRole
  readonly layer: number | null
  /** A 2-D (or 3-D experts) weight, not a norm/bias/conv kernel: a candidate for quantization by either engine. */
  readonly quantizable: boolean
}

/** HF model_type → the tensor layout family. Mistral uses the llama layout (llama.cpp LLM_ARCH_LLAMA, mlx-lm llama.py). */
export const TENSOR_FAMILIES = {
  llama: 'llama',
  mistral: 'llama',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  qwen3_moe: 'qwen3_moe',
  gemma3: 'gemma3',
  gemma3_text: 'gemma3',
  gpt_oss: 'gpt_oss',
  deepseek_v2: 'deepseek',
  deepseek_v3: 'deepseek',
  kimi_k2: 'deepseek',
  qwen3_next: 'qwen3_next',
  granitemoehybrid: 'granite_hybrid',
} as const
export type TensorFamily = (typeof TENSOR_FAMILIES)[keyof typeof TENSOR_FAMILIES]

export class UnsupportedTensorLayoutError extends Error {
  override readonly name = 'UnsupportedTensorLayoutError'
}

export function tensorFamily(modelType: string): TensorFamily {
  const family = (TENSOR_FAMILIES as Readonly<Record<string, TensorFamily>>)[modelType]
  if (family === undefined) {
    throw new UnsupportedTensorLayoutError(`fleet does not know the weight tensors of model_type "${modelType}"; it knows ${Object.keys(TENSOR_FAMILIES).join(', ')}`)
  }
  return family
}

export function tensorElements(tensor: Pick<TensorSpec, 'shape'>): number {
  return tensor.shape.reduce((product, n) => product * n, 1)
}

/** Sum of elements: the parameter count as Hugging Face reports it (MTP layers excluded, see the header). */
export function parameterCount(tensors: readonly TensorSpec[]): number {
  return tensors.reduce((sum, t) => sum + tensorElements(t), 0)
}

// ------------------------------------------------------------------------------------------------- building blocks

/** Collects tensors; `weight` marks quantization candidates, `param` everything kept in float. */
class Inventory {
  readonly tensors: TensorSpec[] = []

  weight(name: string, shape: readonly number[], role: TensorRole, layer: number | null): void {
    this.tensors.push({ name, shape, role, layer, quantizable: true })
  }

  param(name: string, shape: readonly number[], role: TensorRole, layer: number | null): void {
    this.tensors.push({ name, shape, role, layer, quantizable: false })
  }
}

const blk = (i: number, suffix: string): string => `blk.${i}.${suffix}`

function flag(arch: Architecture, key: string, fallback: boolean): boolean {
  const value = arch.extras[key]
  return typeof value === 'boolean' ? value : fallback
}

/** token_embd, output_norm and (when untied) output. The embedding has `rows` rows (the vocabulary). */
function embeddingAndHead(inv: Inventory, arch: Architecture): void {
  const h = arch.hiddenSize
  inv.weight('token_embd.weight', [h, arch.vocabSize], 'embedding', null)
  inv.param('output_norm.weight', [h], 'norm', null)
  // Tied models (Gemma 3, small Qwen/Llama) read logits through token_embd; neither engine stores a second copy.
  if (!arch.tieWordEmbeddings) inv.weight('output.weight', [h, arch.vocabSize], 'output', null)
}

interface AttentionOptions {
  readonly qkvBias: boolean
  readonly outputBias: boolean
  readonly qkNorm: boolean
  /** Qwen3-Next's q_proj also produces the output gate: 2 × heads × head_dim outputs (mlx_lm/models/qwen3_next.py). */
  readonly queryGate?: boolean
}

/** Grouped-query attention: q/k/v/o (+ biases, + per-head q/k RMSNorm). K/V widths are per layer. */
function gqaAttention(inv: Inventory, arch: Architecture, i: number, layer: LayerSpec, o: AttentionOptions): void {
  const h = arch.hiddenSize
  const qOut = arch.numHeads * arch.headDim * (o.queryGate === true ? 2 : 1)
  const kOut = layer.kvHeads * layer.headDimK
  const vOut = layer.kvHeads * layer.headDimV
  const oIn = arch.numHeads * layer.headDimV
  inv.weight(blk(i, 'attn_q.weight'), [h, qOut], 'attn_q', i)
  inv.weight(blk(i, 'attn_k.weight'), [h, kOut], 'attn_k', i)
  inv.weight(blk(i, 'attn_v.weight'), [h, vOut], 'attn_v', i)
  inv.weight(blk(i, 'attn_output.weight'), [oIn, h], 'attn_output', i)
  if (o.qkvBias) {
    inv.param(blk(i, 'attn_q.bias'), [qOut], 'bias', i)
    inv.param(blk(i, 'attn_k.bias'), [kOut], 'bias', i)
    inv.param(blk(i, 'attn_v.bias'), [vOut], 'bias', i)
  }
  if (o.outputBias) inv.param(blk(i, 'attn_output.bias'), [h], 'bias', i)
  if (o.qkNorm) {
    inv.param(blk(i, 'attn_q_norm.weight'), [arch.headDim], 'norm', i)
    inv.param(blk(i, 'attn_k_norm.weight'), [layer.headDimK], 'norm', i)
  }
}

/** SwiGLU MLP: gate/up {hidden, width}, down {width, hidden}. */
function denseFfn(inv: Inventory, h: number, width: number, i: number, bias: boolean): void {
  if (width <= 0) throw new UnsupportedTensorLayoutError(`layer ${i} is dense but the architecture has no intermediate_size`)
  inv.weight(blk(i, 'ffn_gate.weight'), [h, width], 'ffn_gate', i)
  inv.weight(blk(i, 'ffn_up.weight'), [h, width], 'ffn_up', i)
  inv.weight(blk(i, 'ffn_down.weight'), [width, h], 'ffn_down', i)
  if (bias) {
    inv.param(blk(i, 'ffn_gate.bias'), [width], 'bias', i)
    inv.param(blk(i, 'ffn_up.bias'), [width], 'bias', i)
    inv.param(blk(i, 'ffn_down.bias'), [h], 'bias', i)
  }
}

/** Router {hidden, experts} (+ bias). */
function router(inv: Inventory, h: number, moe: MoeSpec, i: number, bias: boolean): void {
  inv.weight(blk(i, 'ffn_gate_inp.weight'), [h, moe.numExperts], 'router', i)
  if (bias) inv.param(blk(i, 'ffn_gate_inp.bias'), [moe.numExperts], 'router', i)
}

/** Routed experts stacked in 3-D tensors: gate/up {hidden, width, E}, down {width, hidden, E} (+ per-expert biases). */
function routedExperts(inv: Inventory, h: number, moe: MoeSpec, i: number, bias: boolean): void {
  const e = moe.numExperts
  const w = moe.expertIntermediateSize
  inv.weight(blk(i, 'ffn_gate_exps.weight'), [h, w, e], 'ffn_gate_exps', i)
  inv.weight(blk(i, 'ffn_up_exps.weight'), [h, w, e], 'ffn_up_exps', i)
  inv.weight(blk(i, 'ffn_down_exps.weight'), [w, h, e], 'ffn_down_exps', i)
  if (bias) {
    inv.param(blk(i, 'ffn_gate_exps.bias'), [w, e], 'ffn_gate_exps', i)
    inv.param(blk(i, 'ffn_up_exps.bias'), [w, e], 'ffn_up_exps', i)
    inv.param(blk(i, 'ffn_down_exps.bias'), [h, e], 'ffn_down_exps', i)
  }
}

/** Always-active shared expert(s) of total width `width` (DeepSeek, Qwen3-Next, Granite). */
function sharedExpert(inv: Inventory, h: number, width: number, i: number): void {
  inv.weight(blk(i, 'ffn_gate_shexp.weight'), [h, width], 'ffn_shared', i)
  inv.weight(blk(i, 'ffn_up_shexp.weight'), [h, width], 'ffn_shared', i)
  inv.weight(blk(i, 'ffn_down_shexp.weight'), [width, h], 'ffn_shared', i)
}

function needMoe(arch: Architecture, i: number): MoeSpec {
  if (arch.moe === null) throw new UnsupportedTensorLayoutError(`layer ${i} of this ${arch.modelType} model is MoE but the architecture has no expert counts`)
  return arch.moe
}

// ------------------------------------------------------------------------------------------------------ families

/** llama/mistral, qwen2, qwen3, qwen3_moe: pre-norm decoder, attn_norm + ffn_norm. */
function llamaLikeLayers(inv: Inventory, arch: Architecture, family: TensorFamily): void {
  const h = arch.hiddenSize
  const bias = flag(arch, 'attentionBias', false)
  arch.layers.forEach((layer, i) => {
    inv.param(blk(i, 'attn_norm.weight'), [h], 'norm', i)
    gqaAttention(inv, arch, i, layer, {
      qkvBias: family === 'qwen2' ? true : bias,
      outputBias: family === 'qwen2' ? false : bias,
      qkNorm: family === 'qwen3' || family === 'qwen3_moe',
    })
    inv.param(blk(i, 'ffn_norm.weight'), [h], 'norm', i)
    if (layer.moe) {
      const moe = needMoe(arch, i)
      router(inv, h, moe, i, false)
      routedExperts(inv, h, moe, i, false)
    } else {
      denseFfn(inv, h, arch.intermediateSize, i, family === 'llama' && flag(arch, 'mlpBias', false))
    }
  })
}

/** Gemma 3: four norms per layer (input, post-attention, pre-FFN, post-FFN) plus q/k norms. */
function gemma3Layers(inv: Inventory, arch: Architecture): void {
  const h = arch.hiddenSize
  const bias = flag(arch, 'attentionBias', false)
  arch.layers.forEach((layer, i) => {
    inv.param(blk(i, 'attn_norm.weight'), [h], 'norm', i)
    gqaAttention(inv, arch, i, layer, { qkvBias: bias, outputBias: bias, qkNorm: true })
    inv.param(blk(i, 'post_attention_norm.weight'), [h], 'norm', i)
    inv.param(blk(i, 'ffn_norm.weight'), [h], 'norm', i)
    denseFfn(inv, h, arch.intermediateSize, i, false)
    inv.param(blk(i, 'post_ffw_norm.weight'), [h], 'norm', i)
  })
}

/**
 * gpt-oss: biased attention with per-head sinks, a biased router, experts with biases
 * (llama.cpp gpt-oss tensors: attn_sinks, ffn_gate_inp.bias, ffn_*_exps.bias; mlx_lm/models/gpt_oss.py).
 */
function gptOssLayers(inv: Inventory, arch: Architecture): void {
  const h = arch.hiddenSize
  arch.layers.forEach((layer, i) => {
    const moe = needMoe(arch, i)
    inv.param(blk(i, 'attn_norm.weight'), [h], 'norm', i)
    gqaAttention(inv, arch, i, layer, { qkvBias: true, outputBias: true, qkNorm: false })
    inv.param(blk(i, 'attn_sinks.weight'), [arch.numHeads], 'attn_other', i)
    inv.param(blk(i, 'post_attention_norm.weight'), [h], 'norm', i)
    router(inv, h, moe, i, true)
    routedExperts(inv, h, moe, i, true)
  })
}

/**
 * DeepSeek V2/V3 and Kimi K2: multi-head latent attention, first_k_dense dense layers, then MoE with shared experts.
 * V3/K2 have the noaux_tc correction bias (exp_probs_b, HF e_score_correction_bias); V2 does not.
 */
function deepseekLayers(inv: Inventory, arch: Architecture): void {
  const mla = arch.mla
  if (mla === null) throw new UnsupportedTensorLayoutError(`this ${arch.modelType} model has no MLA dimensions (kv_lora_rank …)`)
  const h = arch.hiddenSize
  const heads = arch.numHeads
  const qHead = mla.qkNopeHeadDim + mla.qkRopeHeadDim
  arch.layers.forEach((layer, i) => {
    inv.param(blk(i, 'attn_norm.weight'), [h], 'norm', i)
    if (mla.qLoraRank === null) {
      inv.weight(blk(i, 'attn_q.weight'), [h, heads * qHead], 'attn_q', i)
    } else {
      inv.weight(blk(i, 'attn_q_a.weight'), [h, mla.qLoraRank], 'attn_other', i)
      inv.param(blk(i, 'attn_q_a_norm.weight'), [mla.qLoraRank], 'norm', i)
      inv.weight(blk(i, 'attn_q_b.weight'), [mla.qLoraRank, heads * qHead], 'attn_other', i)
    }
    inv.weight(blk(i, 'attn_kv_a_mqa.weight'), [h, mla.kvLoraRank + mla.qkRopeHeadDim], 'attn_other', i)
    inv.param(blk(i, 'attn_kv_a_norm.weight'), [mla.kvLoraRank], 'norm', i)
    inv.weight(blk(i, 'attn_k_b.weight'), [mla.qkNopeHeadDim, mla.kvLoraRank, heads], 'attn_other', i)
    inv.weight(blk(i, 'attn_v_b.weight'), [mla.kvLoraRank, mla.vHeadDim, heads], 'attn_other', i)
    inv.weight(blk(i, 'attn_output.weight'), [heads * mla.vHeadDim, h], 'attn_output', i)
    inv.param(blk(i, 'ffn_norm.weight'), [h], 'norm', i)
    if (!layer.moe) {
      denseFfn(inv, h, arch.intermediateSize, i, false)
      return
    }
    const moe = needMoe(arch, i)
    router(inv, h, moe, i, false)
    if (arch.modelType !== 'deepseek_v2') inv.param(blk(i, 'exp_probs_b.bias'), [moe.numExperts], 'router', i)
    routedExperts(inv, h, moe, i, false)
    if (moe.sharedIntermediateSize > 0) sharedExpert(inv, h, moe.sharedIntermediateSize, i)
  })
}

/**
 * Qwen3-Next: gated-delta-net (linear attention) layers and gated full-attention layers, every layer MoE with a
 * shared expert scaled by a sigmoid gate {hidden, 1}. Shapes: llama.cpp src/models/qwen3next.cpp load_block_trunk
 * (key_dim = k_heads × k_dim, value_dim = v_heads × v_dim, conv_dim = 2·key_dim + value_dim).
 */
function qwen3NextLayers(inv: Inventory, arch: Architecture): void {
  const h = arch.hiddenSize
  const bias = flag(arch, 'attentionBias', false)
  arch.layers.forEach((layer, i) => {
    inv.param(blk(i, 'attn_norm.weight'), [h], 'norm', i)
    if (layer.kind === 'linear') linearAttention(inv, arch, i)
    else gqaAttention(inv, arch, i, layer, { qkvBias: bias, outputBias: bias, qkNorm: true, queryGate: true })
    inv.param(blk(i, 'post_attention_norm.weight'), [h], 'norm', i)
    if (!layer.moe) {
      denseFfn(inv, h, arch.intermediateSize, i, false)
      return
    }
    const moe = needMoe(arch, i)
    router(inv, h, moe, i, false)
    routedExperts(inv, h, moe, i, false)
    if (moe.sharedIntermediateSize > 0) {
      sharedExpert(inv, h, moe.sharedIntermediateSize, i)
      // HF shared_expert_gate: Linear(hidden, 1) — a 2-D weight, which mlx-lm quantizes (8-bit) and llama.cpp keeps F32.
      inv.weight(blk(i, 'ffn_gate_inp_shexp.weight'), [h, 1], 'ffn_shared', i)
    }
  })
}

function linearAttention(inv: Inventory, arch: Architecture, i: number): void {
  const lin = arch.linear
  if (lin === null) throw new UnsupportedTensorLayoutError(`layer ${i} is linear attention but the architecture has no linear_* dimensions`)
  const h = arch.hiddenSize
  const keyDim = lin.numKeyHeads * lin.keyHeadDim
  const valueDim = lin.numValueHeads * lin.valueHeadDim
  const convDim = 2 * keyDim + valueDim
  inv.weight(blk(i, 'attn_qkv.weight'), [h, convDim], 'linear_attn', i)
  inv.weight(blk(i, 'attn_gate.weight'), [h, valueDim], 'linear_attn', i)
  inv.weight(blk(i, 'ssm_ba.weight'), [h, 2 * lin.numValueHeads], 'linear_attn', i)
  inv.param(blk(i, 'ssm_conv1d.weight'), [lin.convKernel, convDim], 'linear_attn', i)
  inv.param(blk(i, 'ssm_dt.bias'), [lin.numValueHeads], 'linear_attn', i)
  inv.param(blk(i, 'ssm_a'), [lin.numValueHeads], 'linear_attn', i)
  inv.param(blk(i, 'ssm_norm.weight'), [lin.valueHeadDim], 'linear_attn', i)
  inv.weight(blk(i, 'ssm_out.weight'), [valueDim, h], 'linear_attn', i)
}

/**
 * Granite 4.0-H (granitemoehybrid): Mamba2 and attention layers; FFN is MoE + shared expert, or a dense MLP when the
 * model has no experts (conversion/granite.py GraniteMoeModel.modify_tensors, src/models/granite-hybrid.cpp).
 */
function graniteHybridLayers(inv: Inventory, arch: Architecture): void {
  const h = arch.hiddenSize
  const bias = flag(arch, 'attentionBias', false)
  arch.layers.forEach((layer, i) => {
    inv.param(blk(i, 'attn_norm.weight'), [h], 'norm', i)
    if (layer.kind === 'mamba') mambaMixer(inv, arch, i)
    else gqaAttention(inv, arch, i, layer, { qkvBias: bias, outputBias: bias, qkNorm: false })
    inv.param(blk(i, 'ffn_norm.weight'), [h], 'norm', i)
    if (!layer.moe) {
      denseFfn(inv, h, arch.intermediateSize, i, false)
      return
    }
    const moe = needMoe(arch, i)
    router(inv, h, moe, i, false)
    routedExperts(inv, h, moe, i, false)
    if (moe.sharedIntermediateSize > 0) sharedExpert(inv, h, moe.sharedIntermediateSize, i)
  })
}

/**
 * Mamba2 mixer as llama.cpp stores it (conversion/mamba.py Mamba2Model; llama.cpp LLM_ARCH_MAMBA2 tensors):
 * in_proj {hidden, 2·d_inner + 2·groups·d_state + heads}, conv1d {kernel, conv_dim} (+ bias), dt bias {heads},
 * A {1, heads}, D {1, heads}, grouped norm {d_inner/groups, groups}, out_proj {d_inner, hidden}.
 */
function mambaMixer(inv: Inventory, arch: Architecture, i: number): void {
  const m = arch.mamba
  if (m === null) throw new UnsupportedTensorLayoutError(`layer ${i} is a Mamba layer but the architecture has no mamba_* dimensions`)
  const h = arch.hiddenSize
  const convDim = m.dInner + 2 * m.numGroups * m.dState
  const inProj = m.dInner + convDim + m.numHeads
  inv.weight(blk(i, 'ssm_in.weight'), [h, inProj], 'ssm', i)
  inv.param(blk(i, 'ssm_conv1d.weight'), [m.convKernel, convDim], 'ssm', i)
  if (flag(arch, 'mambaConvBias', true)) inv.param(blk(i, 'ssm_conv1d.bias'), [convDim], 'ssm', i)
  inv.param(blk(i, 'ssm_dt.bias'), [m.numHeads], 'ssm', i)
  inv.param(blk(i, 'ssm_a'), [1, m.numHeads], 'ssm', i)
  inv.param(blk(i, 'ssm_d'), [1, m.numHeads], 'ssm', i)
  inv.param(blk(i, 'ssm_norm.weight'), [m.dInner / m.numGroups, m.numGroups], 'ssm', i)
  inv.weight(blk(i, 'ssm_out.weight'), [m.dInner, h], 'ssm', i)
  if (flag(arch, 'mambaProjBias', false)) {
    inv.param(blk(i, 'ssm_in.bias'), [inProj], 'ssm', i)
    inv.param(blk(i, 'ssm_out.bias'), [h], 'ssm', i)
  }
}

/**
 * Every weight tensor of the model, in GGUF naming and shape order. Throws UnsupportedTensorLayoutError for a
 * model_type outside TENSOR_FAMILIES or when the architecture lacks the dimensions its layers need.
 */
export function modelTensors(arch: Architecture): TensorSpec[] {
  const family = tensorFamily(arch.modelType)
  const inv = new Inventory()
  embeddingAndHead(inv, arch)
  switch (family) {
    case 'llama':
    case 'qwen2':
    case 'qwen3':
    case 'qwen3_moe':
      llamaLikeLayers(inv, arch, family)
      break
    case 'gemma3':
      gemma3Layers(inv, arch)
      break
    case 'gpt_oss':
      gptOssLayers(inv, arch)
      break
    case 'deepseek':
      deepseekLayers(inv, arch)
      break
    case 'qwen3_next':
      qwen3NextLayers(inv, arch)
      break
    case 'granite_hybrid':
      graniteHybridLayers(inv, arch)
      break
  }
  return inv.tensors
}
