/**
 * Exact weight bytes of a model in a given quantization, computed from its tensor inventory (tensors.ts) before any
 * file is downloaded. Two engines, two rules (docs/sizing-weights.md has the derivations):
 *
 * - MLX (`mlxWeightBytes`): what `mlx_lm.convert -q` writes — ml-explore/mlx-lm@d78bf58 (0.32.0)
 *   `mlx_lm/utils.py` quantize_model/wrapped_predicate, the models' `quant_predicate`, and ml-explore/mlx@846d176
 *   `mlx/ops.cpp` affine_quantize/fp_quantize for the stored layout.
 * - GGUF (`ggufWeightBytes`): what ggml-org/llama.cpp's converter (conversion/base.py prepare_tensors @00bd27a)
 *   followed by `llama-quantize` (src/llama-quant.cpp @007dbbf: tensor_allows_quantization, llama_tensor_get_type,
 *   llama_tensor_get_type_impl, tensor_type_fallback, llama_ftype_get_default_type) writes.
 *
 * Both return bytes per tensor so callers can show a breakdown; `activeWeightBytesPerToken` turns them into the bytes
 * one decoded token reads.
 *
 * `Architecture.extras` key read here: `ggufVocabSize` (number) — rows of token_embd in a GGUF conversion, when the
 * converter trims the checkpoint's padded vocabulary to the tokenizer's (Gemma 3, conversion/gemma.py
 * Gemma3Model.modify_tensors "remove OOV rows"). Absent for Gemma 3, GEMMA3_TOKENIZER_VOCAB is used.
 */
import type { Architecture } from '../model/architecture.ts'
import { ggmlTypeByName, tensorBytes } from '../formats/ggml-types.ts'
import { ROUTED_EXPERT_ROLES, TENSOR_ROLES, UnsupportedTensorLayoutError, tensorElements, tensorFamily, type TensorFamily, type TensorRole, type TensorSpec } from './tensors.ts'

export interface WeightBytes {
  readonly totalBytes: number
  readonly byRole: Readonly<Record<TensorRole, number>>
  /** Bytes of each tensor, by GGUF-style name. */
  readonly byTensor: ReadonlyMap<string, number>
}

function emptyByRole(): Record<TensorRole, number> {
  return Object.fromEntries(TENSOR_ROLES.map((role) => [role, 0])) as Record<TensorRole, number>
}

/** Sums per-tensor bytes into the three views callers use. */
function summarize(tensors: readonly TensorSpec[], bytesOf: (t: TensorSpec) => number): WeightBytes {
  const byRole = emptyByRole()
  const byTensor = new Map<string, number>()
  let totalBytes = 0
  for (const t of tensors) {
    const bytes = bytesOf(t)
    byTensor.set(t.name, bytes)
    byRole[t.role] += bytes
    totalBytes += bytes
  }
  return { totalBytes, byRole, byTensor }
}

// =============================================================================================================== MLX

export type MlxMode = 'affine' | 'mxfp4' | 'mxfp8' | 'nvfp4' | 'none'
export type MlxQuantMode = Exclude<MlxMode, 'none'>

/** Per-module parameters, as config.json `quantization["<module path>"]` records them. Mode defaults to affine. */
export interface MlxLayerQuant {
  readonly bits: number
  readonly groupSize: number
  readonly mode?: MlxQuantMode
}

export interface MlxQuantization {
  readonly mode: MlxMode
  readonly bits: number
  readonly groupSize: number
  /**
   * Per-module entries (module path like `model.layers.0.mlp.gate` → params, or false = left in float). These win
   * over everything else, as they do when mlx-lm loads a model (utils.py load_model class_predicate).
   */
  readonly overrides?: Readonly<Record<string, MlxLayerQuant | false>>
  /**
   * Apply the family's `quant_predicate` (routers kept at 8 bits) to modules without an override, as
   * `mlx_lm.convert` does today. Default true. Set false to size a conversion made before the predicate existed.
   */
  readonly familyPredicate?: boolean
}

interface ResolvedMlxQuant {
  readonly mode: MlxQuantMode
  readonly bits: number
  readonly groupSize: number
}

/**
 * Checks the (mode, bits, group size) combinations mx.quantize accepts (mlx/ops.cpp affine_quantize: groups
 * 32/64/128, bits 2–6 and 8; fp_quantize: mxfp4 32/4, mxfp8 32/8, nvfp4 16/4). mlx throws on anything else.
 */
function checkMlxParams(p: ResolvedMlxQuant): void {
  const ok =
    p.mode === 'affine'
      ? [32, 64, 128].includes(p.groupSize) && [2, 3, 4, 5, 6, 8].includes(p.bits)
      : p.mode === 'nvfp4'
        ? p.groupSize === 16 && p.bits === 4
        : p.groupSize === 32 && p.bits === (p.mode === 'mxfp8' ? 8 : 4)
  if (!ok) throw new RangeError(`mlx cannot quantize with mode ${p.mode}, ${p.bits} bits, group size ${p.groupSize}`)
}

/**
 * Bytes of one quantized MLX weight (mlx/ops.cpp): the values packed into uint32 words along the last (input)
 * dimension — elements × bits / 8 bytes — plus one scale per group, and for affine one bias per group. Affine scales
 * and biases have the weight's dtype (`dtypeBytes`); mxfp4/mxfp8/nvfp4 scales are one byte (e8m0 / e4m3), no biases.
 */
export function mlxQuantizedBytes(elements: number, lastDim: number, p: ResolvedMlxQuant, dtypeBytes: number): number {
  checkMlxParams(p)
  if (lastDim % p.groupSize !== 0) {
    throw new RangeError(`mx.quantize needs the last dimension (${lastDim}) to be a multiple of the group size ${p.groupSize}`)
  }
  const groups = elements / p.groupSize
  const packed = (elements * p.bits) / 8
  return p.mode === 'affine' ? packed + 2 * groups * dtypeBytes : packed + groups
}

type MlxModuleKind = 'linear' | 'embedding' | 'switch' | 'multilinear' | 'param'
type ModuleEntry = readonly [path: string, kind: MlxModuleKind]

/** Where a GGUF tensor lives in the mlx-lm module tree, and how mlx-lm treats it. */
interface MlxModule {
  readonly path: string
  /** Modules with `to_quantized` (nn.Linear, nn.Embedding, SwitchLinear, MultiLinear): their `.weight` can be quantized. */
  readonly kind: MlxModuleKind
  /** Whether this tensor is the module's weight (not its bias). */
  readonly isWeight: boolean
  /** The MLX weight's last dimension, along which groups run. */
  readonly lastDim: number
  /** Kept in float32 by the model's cast_predicate (mlx_lm/convert.py). */
  readonly float32: boolean
}

/** Layer tensors named alike in the llama-style families (mlx_lm/models/llama.py, qwen2.py, qwen3.py …). */
const COMMON_LAYER_MODULES: Readonly<Record<string, ModuleEntry>> = {
  attn_norm: ['input_layernorm', 'param'],
  ffn_norm: ['post_attention_layernorm', 'param'],
  attn_q: ['self_attn.q_proj', 'linear'],
  attn_k: ['self_attn.k_proj', 'linear'],
  attn_v: ['self_attn.v_proj', 'linear'],
  attn_output: ['self_attn.o_proj', 'linear'],
  attn_q_norm: ['self_attn.q_norm', 'param'],
  attn_k_norm: ['self_attn.k_norm', 'param'],
  ffn_gate: ['mlp.gate_proj', 'linear'],
  ffn_up: ['mlp.up_proj', 'linear'],
  ffn_down: ['mlp.down_proj', 'linear'],
}

const switchMlp = (prefix: string): Readonly<Record<string, ModuleEntry>> => ({
  ffn_gate_exps: [`${prefix}.gate_proj`, 'switch'],
  ffn_up_exps: [`${prefix}.up_proj`, 'switch'],
  ffn_down_exps: [`${prefix}.down_proj`, 'switch'],
})

/** Family-specific names, each from the mlx-lm model file named in the key's comment (@d78bf58). */
const FAMILY_LAYER_MODULES: Readonly<Record<TensorFamily, Readonly<Record<string, ModuleEntry>>>> = {
  llama: {},
  qwen2: {},
  qwen3: {},
  // qwen3_moe.py: Qwen3MoeSparseMoeBlock.gate (nn.Linear) + switch_mlp (SwitchGLU)
  qwen3_moe: { ffn_gate_inp: ['mlp.gate', 'linear'], ...switchMlp('mlp.switch_mlp') },
  // gemma3_text.py: input/post_attention/pre_feedforward/post_feedforward layernorms
  gemma3: {
    post_attention_norm: ['post_attention_layernorm', 'param'],
    ffn_norm: ['pre_feedforward_layernorm', 'param'],
    post_ffw_norm: ['post_feedforward_layernorm', 'param'],
  },
  // gpt_oss.py: AttentionBlock.sinks, MLPBlock.router (nn.Linear, bias) + experts (SwitchGLU, bias)
  gpt_oss: {
    post_attention_norm: ['post_attention_layernorm', 'param'],
    attn_sinks: ['self_attn.sinks', 'param'],
    ffn_gate_inp: ['mlp.router', 'linear'],
    ...switchMlp('mlp.experts'),
  },
  // deepseek_v3.py: MoEGate is a plain module (weight + e_score_correction_bias, no to_quantized);
  // kv_b_proj is split into MultiLinear embed_q / unembed_out (deepseek_v2.py keeps kv_b_proj, see mlxModuleOf)
  deepseek: {
    attn_q_a: ['self_attn.q_a_proj', 'linear'],
    attn_q_a_norm: ['self_attn.q_a_layernorm', 'param'],
    attn_q_b: ['self_attn.q_b_proj', 'linear'],
    attn_kv_a_mqa: ['self_attn.kv_a_proj_with_mqa', 'linear'],
    attn_kv_a_norm: ['self_attn.kv_a_layernorm', 'param'],
    attn_k_b: ['self_attn.embed_q', 'multilinear'],
    attn_v_b: ['self_attn.unembed_out', 'multilinear'],
    ffn_gate_inp: ['mlp.gate', 'param'],
    exp_probs_b: ['mlp.gate', 'param'],
    ...switchMlp('mlp.switch_mlp'),
    ffn_gate_shexp: ['mlp.shared_experts.gate_proj', 'linear'],
    ffn_up_shexp: ['mlp.shared_experts.up_proj', 'linear'],
    ffn_down_shexp: ['mlp.shared_experts.down_proj', 'linear'],
  },
  // qwen3_next.py: Qwen3NextGatedDeltaNet (in_proj_qkvz fused, in_proj_ba, conv1d, dt_bias, A_log, norm, out_proj),
  // Qwen3NextSparseMoeBlock (gate, switch_mlp, shared_expert, shared_expert_gate)
  qwen3_next: {
    post_attention_norm: ['post_attention_layernorm', 'param'],
    attn_qkv: ['linear_attn.in_proj_qkvz', 'linear'],
    attn_gate: ['linear_attn.in_proj_qkvz', 'linear'],
    ssm_ba: ['linear_attn.in_proj_ba', 'linear'],
    ssm_conv1d: ['linear_attn.conv1d', 'param'],
    ssm_dt: ['linear_attn.dt_bias', 'param'],
    ssm_a: ['linear_attn.A_log', 'param'],
    ssm_norm: ['linear_attn.norm', 'param'],
    ssm_out: ['linear_attn.out_proj', 'linear'],
    ffn_gate_inp: ['mlp.gate', 'linear'],
    ...switchMlp('mlp.switch_mlp'),
    ffn_gate_shexp: ['mlp.shared_expert.gate_proj', 'linear'],
    ffn_up_shexp: ['mlp.shared_expert.up_proj', 'linear'],
    ffn_down_shexp: ['mlp.shared_expert.down_proj', 'linear'],
    ffn_gate_inp_shexp: ['mlp.shared_expert_gate', 'linear'],
  },
  // granitemoehybrid.py: GraniteMoeHybridMamba2Mixer (nn.Conv1d is not quantizable), router.layer,
  // shared_mlp.input_linear (gate and up fused) / output_linear; a dense model's shared_mlp is renamed mlp.*
  granite_hybrid: {
    ssm_in: ['mamba.in_proj', 'linear'],
    ssm_conv1d: ['mamba.conv1d', 'param'],
    ssm_dt: ['mamba.dt_bias', 'param'],
    ssm_a: ['mamba.A_log', 'param'],
    ssm_d: ['mamba.D', 'param'],
    ssm_norm: ['mamba.norm', 'param'],
    ssm_out: ['mamba.out_proj', 'linear'],
    ffn_gate_inp: ['block_sparse_moe.router.layer', 'linear'],
    ...switchMlp('block_sparse_moe.switch_mlp'),
    ffn_gate_shexp: ['shared_mlp.input_linear', 'linear'],
    ffn_up_shexp: ['shared_mlp.input_linear', 'linear'],
    ffn_down_shexp: ['shared_mlp.output_linear', 'linear'],
  },
}

const TOP_LEVEL_MODULES: Readonly<Record<string, ModuleEntry>> = {
  token_embd: ['model.embed_tokens', 'embedding'],
  output_norm: ['model.norm', 'param'],
  output: ['lm_head', 'linear'],
}

interface ParsedName {
  readonly layer: number | null
  readonly base: string
  readonly param: string | null
}

/** `blk.3.attn_q.weight` → layer 3, base attn_q, param weight; `blk.0.ssm_a` → param null. */
function parseTensorName(name: string): ParsedName {
  const match = /^blk\.(\d+)\.(.+)$/.exec(name)
  const rest = match?.[2] ?? name
  const layer = match?.[1] === undefined ? null : Number(match[1])
  const param = /\.(weight|bias)$/.exec(rest)?.[1] ?? null
  return { layer, base: param === null ? rest : rest.slice(0, -(param.length + 1)), param }
}

function mlxModuleOf(tensor: TensorSpec, modelType: string): MlxModule {
  const family = tensorFamily(modelType)
  const { layer, base, param } = parseTensorName(tensor.name)
  const entry = layer === null ? TOP_LEVEL_MODULES[base] : (FAMILY_LAYER_MODULES[family][base] ?? COMMON_LAYER_MODULES[base])
  if (entry === undefined) throw new UnsupportedTensorLayoutError(`no mlx-lm module is known for tensor ${tensor.name} of ${modelType}`)
  let [path, kind] = entry
  let lastDim = tensor.shape[0] ?? 1
  // deepseek_v2.py keeps kv_b_proj as one nn.Linear {heads·(nope+v), kv_lora}: both halves group along kv_lora.
  if (modelType === 'deepseek_v2' && (base === 'attn_k_b' || base === 'attn_v_b')) {
    path = 'self_attn.kv_b_proj'
    kind = 'linear'
    lastDim = base === 'attn_k_b' ? (tensor.shape[1] ?? 1) : (tensor.shape[0] ?? 1)
  }
  // gemma3 (multimodal) wraps the text model in language_model (mlx_lm/models/gemma3.py); gemma3_text does not.
  const root = modelType === 'gemma3' ? 'language_model.' : ''
  const fullPath = layer === null ? `${root}${path}` : `${root}model.layers.${layer}.${path}`
  return {
    path: fullPath,
    kind,
    isWeight: param !== 'bias',
    lastDim,
    // deepseek_v3.py cast_predicate keeps e_score_correction_bias in float32 (kimi_k2 maps to deepseek_v3).
    float32: family === 'deepseek' && base === 'exp_probs_b' && modelType !== 'deepseek_v2',
  }
}

/**
 * The mlx-lm module path of a GGUF-named tensor (e.g. blk.0.ffn_gate_inp.weight of qwen3_moe →
 * model.layers.0.mlp.gate) — the key mlx-lm uses in config.json `quantization`. Fused MLX modules receive several
 * GGUF tensors (Qwen3-Next in_proj_qkvz ← attn_qkv + attn_gate; Granite shared_mlp.input_linear ← gate + up shexp).
 */
export function mlxModulePath(tensor: TensorSpec, modelType: string): string {
  return mlxModuleOf(tensor, modelType).path
}

/**
 * The per-family `quant_predicate` of mlx-lm 0.32.0 for the families fleet sizes: routers stay at 8 bits, group 64
 * (affine, since the returned dict has no mode and to_quantized defaults to affine). DeepSeek's MoEGate cannot be
 * quantized at all; llama/qwen2/qwen3/gemma3 have no predicate.
 */
function familyPredicate(family: TensorFamily, path: string, arch: Architecture): ResolvedMlxQuant | null {
  const router8: ResolvedMlxQuant = { mode: 'affine', bits: 8, groupSize: 64 }
  switch (family) {
    case 'qwen3_moe': // qwen3_moe.py: path.endswith("mlp.gate")
      return path.endsWith('mlp.gate') ? router8 : null
    case 'qwen3_next': // qwen3_next.py: "mlp.gate" or "shared_expert_gate"
      return path.endsWith('mlp.gate') || path.endsWith('shared_expert_gate') ? router8 : null
    case 'gpt_oss': // gpt_oss.py: path.endswith("router")
      return path.endsWith('router') ? router8 : null
    case 'granite_hybrid': // granitemoehybrid.py: use_moe and path.endswith("router.layer")
      return arch.moe !== null && path.endsWith('router.layer') ? router8 : null
    default:
      return null
  }
}

/** What mlx-lm does with one tensor: quantize it with these parameters, or (null) keep it in float. */
function mlxParamsFor(module: MlxModule, q: MlxQuantization, family: TensorFamily, arch: Architecture): ResolvedMlxQuant | null {
  if (q.mode === 'none' || module.kind === 'param' || !module.isWeight) return null
  const override = q.overrides?.[module.path]
  if (override === false) return null
  if (override !== undefined) return { mode: override.mode ?? 'affine', bits: override.bits, groupSize: override.groupSize }
  // wrapped_predicate: a module whose input dim is not a multiple of the default group size stays in float.
  if (module.lastDim % q.groupSize !== 0) return null
  const predicate = q.familyPredicate === false ? null : familyPredicate(family, module.path, arch)
  return predicate ?? { mode: q.mode, bits: q.bits, groupSize: q.groupSize }
}

/**
 * Weight bytes of an MLX conversion. Quantized modules (nn.Linear, nn.Embedding — mlx `Embedding.to_quantized` —,
 * SwitchLinear experts, MultiLinear) whose input dim is a multiple of the group size are stored packed (see
 * mlxQuantizedBytes); their biases and every other parameter stay in the model dtype (`dtypeBytes`, 2 for
 * bf16/fp16), except DeepSeek's e_score_correction_bias (float32). Tied models store the embedding only.
 */
export function mlxWeightBytes(arch: Architecture, tensors: readonly TensorSpec[], q: MlxQuantization, dtypeBytes = 2): WeightBytes {
  const family = tensorFamily(arch.modelType)
  return summarize(tensors, (t) => {
    const module = mlxModuleOf(t, arch.modelType)
    const params = mlxParamsFor(module, q, family, arch)
    if (params === null) return tensorElements(t) * (module.float32 ? 4 : dtypeBytes)
    return mlxQuantizedBytes(tensorElements(t), module.lastDim, params, dtypeBytes)
  })
}

// ============================================================================================================== GGUF

/** llama.cpp file types fleet can size (tools/quantize/quantize.cpp QUANT_OPTIONS names; MXFP4 = MXFP4_MOE). */
export const GGUF_FTYPES = [
  'F32',
  'F16',
  'BF16',
  'Q4_0',
  'Q4_1',
  'Q5_0',
  'Q5_1',
  'Q8_0',
  'Q2_K',
  'Q2_K_S',
  'Q3_K_S',
  'Q3_K_M',
  'Q3_K_L',
  'Q4_K_S',
  'Q4_K_M',
  'Q5_K_S',
  'Q5_K_M',
  'Q6_K',
  'IQ1_S',
  'IQ1_M',
  'IQ2_XXS',
  'IQ2_XS',
  'IQ2_S',
  'IQ2_M',
  'IQ3_XXS',
  'IQ3_XS',
  'IQ3_S',
  'IQ3_M',
  'IQ4_NL',
  'IQ4_XS',
  'TQ1_0',
  'TQ2_0',
  'MXFP4',
  'NVFP4',
  'Q1_0',
  'Q2_0',
] as const
export type GgufFtype = (typeof GGUF_FTYPES)[number]

/** llama_ftype_get_default_type (src/llama-quant.cpp @007dbbf): the type every quantizable tensor starts from. */
const FTYPE_DEFAULT_TYPE: Readonly<Record<GgufFtype, string>> = {
  F32: 'F32',
  F16: 'F16',
  BF16: 'BF16',
  Q4_0: 'Q4_0',
  Q4_1: 'Q4_1',
  Q5_0: 'Q5_0',
  Q5_1: 'Q5_1',
  Q8_0: 'Q8_0',
  Q1_0: 'Q1_0',
  Q2_0: 'Q2_0',
  MXFP4: 'MXFP4',
  NVFP4: 'NVFP4',
  Q2_K_S: 'Q2_K',
  Q2_K: 'Q2_K',
  IQ3_XS: 'IQ3_S',
  Q3_K_S: 'Q3_K',
  Q3_K_M: 'Q3_K',
  Q3_K_L: 'Q3_K',
  Q4_K_S: 'Q4_K',
  Q4_K_M: 'Q4_K',
  Q5_K_S: 'Q5_K',
  Q5_K_M: 'Q5_K',
  Q6_K: 'Q6_K',
  TQ1_0: 'TQ1_0',
  TQ2_0: 'TQ2_0',
  IQ2_XXS: 'IQ2_XXS',
  IQ2_XS: 'IQ2_XS',
  IQ2_S: 'IQ2_XS',
  IQ2_M: 'IQ2_S',
  IQ3_XXS: 'IQ3_XXS',
  IQ1_S: 'IQ1_S',
  IQ1_M: 'IQ1_M',
  IQ4_NL: 'IQ4_NL',
  IQ4_XS: 'IQ4_XS',
  IQ3_S: 'IQ3_S',
  IQ3_M: 'IQ3_S',
}

/** `q4_k_m`, `MOSTLY_Q4_K_M`, `MXFP4_MOE` → the GgufFtype; throws on anything else. */
export function parseGgufFtype(raw: string): GgufFtype {
  const name = raw
    .trim()
    .toUpperCase()
    .replace(/^(MOSTLY|ALL)_/, '')
    .replace(/^MXFP4_MOE$/, 'MXFP4')
  if ((GGUF_FTYPES as readonly string[]).includes(name)) return name as GgufFtype
  throw new RangeError(`unknown GGUF file type "${raw}"; fleet knows ${GGUF_FTYPES.join(', ')}`)
}

/** The Gemma 3 tokenizer's size; the checkpoints pad vocab_size to 262208 and the GGUF converter trims the pad. */
export const GEMMA3_TOKENIZER_VOCAB = 262144

/**
 * The tensors the GGUF converter writes for this model: the checkpoint's, plus `rope_freqs.weight` {head_dim/2} F32
 * for llama-architecture models with llama3 rope scaling (conversion/llama.py generate_extra_tensors), with Gemma 3's
 * token_embd cut to the tokenizer vocabulary (conversion/gemma.py Gemma3Model.modify_tensors).
 */
export function ggufTensors(arch: Architecture, tensors: readonly TensorSpec[]): TensorSpec[] {
  const family = tensorFamily(arch.modelType)
  const out = tensors.map((t) => {
    if (family !== 'gemma3' || t.name !== 'token_embd.weight') return t
    const extra = arch.extras.ggufVocabSize
    const rows = typeof extra === 'number' ? extra : Math.min(arch.vocabSize, GEMMA3_TOKENIZER_VOCAB)
    return { ...t, shape: [t.shape[0] ?? arch.hiddenSize, rows] }
  })
  if (family === 'llama' && arch.ropeScaling?.type === 'llama3') {
    out.push({ name: 'rope_freqs.weight', shape: [arch.headDim / 2], role: 'other', layer: null, quantizable: false })
  }
  return out
}

/** ggml_n_dims: the number of dimensions not counting trailing 1s. */
function ggmlDims(shape: readonly number[]): number {
  let n = shape.length
  while (n > 1 && shape[n - 1] === 1) n--
  return Math.max(1, n)
}

/** Substrings that keep a 2-D `.weight` out of quantization (tensor_allows_quantization, llama-quant.cpp @007dbbf). */
const NEVER_QUANTIZED = [
  '_norm.weight',
  'ffn_gate_inp.weight',
  'ffn_gate_tid2eid.weight',
  'altup',
  'laurel',
  'per_layer_model_proj',
  'ssm_conv1d',
  'shortconv.conv.weight',
  'indexer.k_proj.weight',
  'indexer.q_proj.weight',
  'time_mix_first.weight',
  'time_mix_w0.weight',
  'time_mix_w1.weight',
  'time_mix_w2.weight',
  'time_mix_v0.weight',
  'time_mix_v1.weight',
  'time_mix_v2.weight',
  'time_mix_a0.weight',
  'time_mix_a1.weight',
  'time_mix_a2.weight',
  'time_mix_g1.weight',
  'time_mix_g2.weight',
  'time_mix_decay_w1.weight',
  'time_mix_decay_w2.weight',
  'time_mix_lerp_fused.weight',
  'attn_rel_b.weight',
] as const

/** Whether llama-quantize re-types this tensor: a ≥2-D tensor named *weight that is not a norm, router, conv … */
function allowsQuantization(t: TensorSpec): boolean {
  if (ggmlDims(t.shape) < 2) return false
  if (!t.name.endsWith('weight')) return false
  if (t.name === 'position_embd.weight' || t.name === 'token_types.weight') return false
  return !NEVER_QUANTIZED.some((s) => t.name.includes(s))
}

/** Tensors conversion/base.py prepare_tensors always writes as F32 (its "Some tensor types are always in float32"). */
const CONVERTER_F32 = ['ffn_gate_inp.weight', 'ffn_gate_inp_shexp.weight', 'ssm_conv1d.weight'] as const
const EXPERT_WEIGHT = /\.ffn_(gate|up|down)_exps\.weight$/

/**
 * The type convert_hf_to_gguf.py gives a tensor for outtype F32/F16/BF16: 1-D tensors, norms, routers, conv kernels
 * and anything not named *.weight are F32; gpt-oss experts keep their published MXFP4 (conversion/gpt_oss.py
 * repack_mxfp4); the rest gets the outtype.
 */
function converterType(t: TensorSpec, outtype: 'F32' | 'F16' | 'BF16', family: TensorFamily): string {
  if (family === 'gpt_oss' && EXPERT_WEIGHT.test(t.name)) return 'MXFP4'
  if (t.shape.length <= 1 || t.name.endsWith('_norm.weight')) return 'F32'
  if (CONVERTER_F32.some((s) => t.name.endsWith(s)) || !t.name.endsWith('.weight')) return 'F32'
  return outtype
}

type Category = 'TOKEN_EMBD' | 'OUTPUT' | 'ATTENTION_QKV' | 'ATTENTION_KV_B' | 'ATTENTION_V' | 'ATTENTION_K' | 'ATTENTION_Q' | 'ATTENTION_OUTPUT' | 'FFN_UP' | 'FFN_GATE' | 'FFN_DOWN' | 'OTHER'

/** tensor_get_category: first match wins, by substring (so ffn_down_exps and ffn_down_shexp are FFN_DOWN). */
function categoryOf(name: string): Category {
  if (name === 'output.weight') return 'OUTPUT'
  if (name === 'token_embd.weight' || name === 'per_layer_token_embd.weight') return 'TOKEN_EMBD'
  const bySubstring: readonly (readonly [string, Category])[] = [
    ['attn_qkv.weight', 'ATTENTION_QKV'],
    ['attn_kv_b.weight', 'ATTENTION_KV_B'],
    ['attn_v.weight', 'ATTENTION_V'],
    ['attn_k.weight', 'ATTENTION_K'],
    ['attn_q.weight', 'ATTENTION_Q'],
    ['attn_output.weight', 'ATTENTION_OUTPUT'],
    ['ffn_up', 'FFN_UP'],
    ['ffn_gate', 'FFN_GATE'],
    ['ffn_down', 'FFN_DOWN'],
  ]
  return bySubstring.find(([s]) => name.includes(s))?.[1] ?? 'OTHER'
}

/** category_is_attn_v: V, fused QKV and MLA's kv_b are all "more sensitive" and share the attn_v counter. */
const isAttnVLike = (c: Category): boolean => c === 'ATTENTION_V' || c === 'ATTENTION_QKV' || c === 'ATTENTION_KV_B'

/**
 * use_more_bits (llama-quant.cpp): the first and last eighth of the layers, and every third layer in between, get
 * the larger type in the _M mixes. Integer division, as in C++.
 */
export function useMoreBits(i: number, n: number): boolean {
  const eighth = Math.trunc(n / 8)
  return i < eighth || i >= Math.trunc((7 * n) / 8) || (i - eighth) % 3 === 2
}

/** quantize_state_impl: the counters llama_tensor_get_type_impl advances, in tensor order. */
interface QuantState {
  readonly ftype: GgufFtype
  readonly nAttnV: number
  readonly nLayer: number
  readonly nExpert: number
  readonly nGqa: number
  readonly is70B: boolean
  readonly hasTiedEmbeddings: boolean
  readonly imatrix: boolean
  iAttnV: number
  iFfnDown: number
  iFfnGate: number
  iFfnUp: number
}

/**
 * hparams.n_gqa() = n_head / n_head_kv of layer 0 (0 when layer 0 has no KV heads, as in Granite 4.0-H whose layer 0
 * is Mamba; Qwen3-Next's GGUF stores one head_count_kv for all layers).
 */
function gqaOfLayer0(arch: Architecture, family: TensorFamily): number {
  const layer = family === 'qwen3_next' ? arch.layers.find((l) => l.kvHeads > 0) : arch.layers[0]
  const kv = layer?.kvHeads ?? 0
  return kv === 0 ? 0 : Math.trunc(arch.numHeads / kv)
}

/** LLM_TYPE_70B (llama-model.cpp load_hparams): llama with 80 layers and GQA, or qwen2 with 80 layers. */
function isLlamaType70B(arch: Architecture, family: TensorFamily): boolean {
  if (arch.layers.length !== 80) return false
  if (family === 'qwen2') return true
  return family === 'llama' && arch.numHeads !== (arch.layers[0]?.kvHeads ?? arch.numHeads)
}

/** Layer of a blk.N.* tensor (layer_info's sscanf). */
function layerOfName(name: string): number {
  const layer = parseTensorName(name).layer
  if (layer === null) throw new RangeError(`Failed to determine layer for tensor ${name}`)
  return layer
}

/** layer_info: the counter for dense models, the name's block number when the model has experts. */
function layerInfo(qs: QuantState, counter: number, name: string): readonly [number, number] {
  return qs.nExpert > 1 ? [layerOfName(name), qs.nLayer] : [counter, qs.nLayer]
}

const blockSizeOf = (type: string): number => ggmlTypeByName(type)?.blockSize ?? 1
const isQuantizedType = (type: string): boolean => blockSizeOf(type) > 1

const IQ1_IQ2_FTYPES: readonly GgufFtype[] = ['IQ2_XXS', 'IQ2_XS', 'IQ1_S', 'IQ2_S', 'IQ2_M', 'IQ1_M']

/** OUTPUT (and a tied token_embd): Q6_K for the K-/legacy quants, Q8_0 for Q8_0/MXFP4_MOE or odd row lengths. */
function outputType(qs: QuantState, newType: string, t: TensorSpec): string {
  const nx = t.shape[0] ?? 1
  if (qs.ftype === 'MXFP4') return 'Q8_0'
  if (nx % blockSizeOf(newType) !== 0) return 'Q8_0'
  if (['IQ2_XXS', 'IQ2_XS', 'IQ3_XXS', 'IQ1_S', 'IQ2_S', 'IQ2_M', 'IQ1_M'].includes(qs.ftype)) return 'Q5_K'
  return newType !== 'Q8_0' ? 'Q6_K' : newType
}

function tokenEmbdType(ftype: GgufFtype, newType: string): string {
  if (['IQ2_XXS', 'IQ2_XS', 'IQ1_S', 'IQ1_M'].includes(ftype)) return 'Q2_K'
  if (['IQ2_S', 'IQ2_M', 'IQ3_XXS'].includes(ftype)) return 'IQ3_S'
  if (['TQ1_0', 'TQ2_0', 'Q2_0'].includes(ftype)) return 'Q4_K'
  return newType
}

/** The IQ1/IQ2 branch: one rule set for every tensor kind. */
function veryLowBitType(qs: QuantState, newType: string, c: Category): string {
  const iq2sm = qs.ftype === 'IQ2_S' || qs.ftype === 'IQ2_M'
  if (isAttnVLike(c)) {
    qs.iAttnV++
    return qs.nGqa >= 4 || qs.nExpert >= 4 ? 'Q4_K' : iq2sm ? 'IQ3_S' : 'Q2_K'
  }
  if (qs.nExpert === 8 && c === 'ATTENTION_K') return 'Q4_K'
  if (c === 'FFN_DOWN') {
    const bump = qs.iFfnDown < Math.trunc(qs.nLayer / 8)
    qs.iFfnDown++
    return bump ? (iq2sm ? 'IQ3_S' : 'Q2_K') : newType
  }
  if (c === 'ATTENTION_OUTPUT') {
    if (qs.nExpert === 8) return 'Q5_K'
    if (qs.ftype === 'IQ1_S' || qs.ftype === 'IQ1_M') return 'IQ2_XXS'
    if (iq2sm) return 'IQ3_S'
  }
  return newType
}

function attnVType(qs: QuantState, newType: string): string {
  const f = qs.ftype
  const i = qs.iAttnV
  let type = newType
  if (f === 'Q2_K') type = qs.nGqa >= 4 ? 'Q4_K' : 'Q3_K'
  else if (f === 'Q2_K_S' && qs.nGqa >= 4) type = 'Q4_K'
  else if (f === 'IQ3_XXS') type = qs.nGqa >= 4 ? 'Q4_K' : !qs.imatrix ? 'IQ3_S' : 'IQ3_XXS'
  else if ((f === 'IQ3_XS' || f === 'IQ3_S') && qs.nGqa >= 4) type = 'Q4_K'
  else if (f === 'IQ3_M') type = 'Q4_K'
  else if (f === 'Q3_K_M') type = i < 2 ? 'Q5_K' : 'Q4_K'
  else if (f === 'Q3_K_L') type = 'Q5_K'
  else if ((f === 'IQ4_NL' || f === 'IQ4_XS') && qs.nGqa >= 4) type = 'Q5_K'
  else if ((f === 'Q4_K_M' || f === 'Q5_K_M') && useMoreBits(i, qs.nAttnV)) type = 'Q6_K'
  else if (f === 'Q4_K_S' && i < 4) type = 'Q5_K'
  // "In the 70B model we have 8 heads sharing the same attn_v weights" → a cheap bump.
  if (qs.is70B && (type === 'Q3_K' || type === 'Q4_K')) type = 'Q5_K'
  if (qs.nExpert === 8) type = 'Q8_0'
  qs.iAttnV++
  return type
}

function ffnDownType(qs: QuantState, newType: string, name: string): string {
  const [i, n] = layerInfo(qs, qs.iFfnDown, name)
  const f = qs.ftype
  const eighth = Math.trunc(n / 8)
  let type = newType
  if (f === 'Q2_K') type = 'Q3_K'
  else if (f === 'Q2_K_S') {
    if (i < eighth) type = 'Q4_K'
  } else if (f === 'IQ3_XXS' && !qs.imatrix) type = i < eighth ? 'Q4_K' : 'Q3_K'
  else if (f === 'Q3_K_M') type = i < Math.trunc(n / 16) ? 'Q5_K' : 'Q4_K' // the Q3_K arm is Falcon-only
  else if (f === 'IQ3_M' && (i < eighth || (qs.nExpert === 8 && useMoreBits(i, n)))) type = 'Q4_K'
  else if (f === 'Q3_K_L') type = 'Q5_K'
  else if (f === 'Q4_K_M') {
    if (useMoreBits(i, n)) type = 'Q6_K'
  } else if (i < eighth && (f === 'IQ4_NL' || f === 'IQ4_XS') && !qs.imatrix) type = 'Q5_K'
  else if (f === 'Q5_K_M' && useMoreBits(i, n)) type = 'Q6_K'
  else if (f === 'Q4_K_S' && i < eighth) type = 'Q5_K'
  else if ((f === 'Q4_0' || f === 'Q5_0') && qs.imatrix && i < eighth) type = f === 'Q4_0' ? 'Q4_1' : 'Q5_1'
  qs.iFfnDown++
  return type
}

function attnOutputType(qs: QuantState, newType: string): string {
  const f = qs.ftype
  if (qs.nExpert === 8) {
    const bumped = ['Q2_K', 'IQ3_XS', 'IQ3_XXS', 'Q3_K_S', 'Q3_K_M', 'IQ4_NL', 'Q4_K_S', 'Q4_K_M', 'IQ3_S', 'IQ3_M', 'IQ4_XS']
    return bumped.includes(f) ? 'Q5_K' : newType
  }
  const table: Partial<Record<GgufFtype, string>> = { Q2_K: 'Q3_K', IQ3_XXS: 'IQ3_S', Q3_K_M: 'Q4_K', Q3_K_L: 'Q5_K', IQ3_M: 'Q4_K' }
  return table[f] ?? newType
}

/** FFN_GATE / FFN_UP: only IQ3_XS changes them (middle layers → IQ3_XXS). */
function ffnGateUpType(qs: QuantState, newType: string, name: string, which: 'gate' | 'up'): string {
  const counter = which === 'gate' ? qs.iFfnGate : qs.iFfnUp
  const [i, n] = layerInfo(qs, counter, name)
  if (which === 'gate') qs.iFfnGate++
  else qs.iFfnUp++
  return qs.ftype === 'IQ3_XS' && i >= Math.trunc(n / 8) && i < Math.trunc((7 * n) / 8) ? 'IQ3_XXS' : newType
}

/**
 * llama_tensor_get_type_impl (llama-quant.cpp @007dbbf), ported branch by branch in its order. Falcon- and
 * BailingMoE3-only arms are left out (not families fleet sizes). The ATTENTION_QKV arm after FFN_DOWN in the source is
 * unreachable (category_is_attn_v catches QKV first), so fused QKV tensors follow the attn_v rules.
 */
function typeForTensor(qs: QuantState, newType: string, t: TensorSpec, c: Category): string {
  if (c === 'OUTPUT' || (qs.hasTiedEmbeddings && c === 'TOKEN_EMBD')) return outputType(qs, newType, t)
  // MXFP4_MOE: 3-D (expert) tensors → MXFP4, everything else → Q8_0.
  if (qs.ftype === 'MXFP4') return (t.shape[2] ?? 1) > 1 ? 'MXFP4' : 'Q8_0'
  if (c === 'TOKEN_EMBD') return tokenEmbdType(qs.ftype, newType)
  if (IQ1_IQ2_FTYPES.includes(qs.ftype)) return veryLowBitType(qs, newType, c)
  if (isAttnVLike(c)) return attnVType(qs, newType)
  if (c === 'ATTENTION_K') {
    if (qs.nExpert === 8) return 'Q8_0'
    if (qs.ftype === 'IQ3_XS') return 'IQ3_XXS'
    if (qs.ftype === 'IQ3_XXS') return 'IQ2_S'
    return newType
  }
  if (c === 'ATTENTION_Q') return qs.ftype === 'IQ3_XS' ? 'IQ3_XXS' : qs.ftype === 'IQ3_XXS' ? 'IQ2_S' : newType
  if (c === 'FFN_DOWN') return ffnDownType(qs, newType, t.name)
  if (c === 'ATTENTION_OUTPUT') return attnOutputType(qs, newType)
  if (c === 'FFN_GATE') return ffnGateUpType(qs, newType, t.name, 'gate')
  if (c === 'FFN_UP') return ffnGateUpType(qs, newType, t.name, 'up')
  return newType
}

/** tensor_type_fallback: when ne0 is not a multiple of the type's block, the nearest 32-block type, else F16. */
const FALLBACK: Readonly<Record<string, string>> = {
  IQ1_S: 'IQ4_NL',
  IQ1_M: 'IQ4_NL',
  IQ2_XXS: 'IQ4_NL',
  IQ2_XS: 'IQ4_NL',
  IQ2_S: 'IQ4_NL',
  IQ3_XXS: 'IQ4_NL',
  IQ3_S: 'IQ4_NL',
  IQ4_XS: 'IQ4_NL',
  Q2_0: 'Q4_0',
  Q2_K: 'Q4_0',
  Q3_K: 'Q4_0',
  TQ1_0: 'Q4_0',
  TQ2_0: 'Q4_0',
  Q4_K: 'Q5_0',
  Q5_K: 'Q5_1',
  Q6_K: 'Q8_0',
}

function fallbackType(t: TensorSpec, type: string): string {
  const ncols = t.shape[0] ?? 1
  if (ncols % blockSizeOf(type) === 0) return type
  const next = FALLBACK[type]
  // llama-quantize aborts here ("no tensor type fallback is defined for type …").
  if (next === undefined) throw new RangeError(`llama-quantize has no fallback for ${type} on ${t.name} (row of ${ncols})`)
  return ncols % blockSizeOf(next) === 0 ? next : 'F16'
}

/** weight_name_comparer (llama-model-loader.h): by block number (non-block tensors first), then by name. */
function llamaTensorOrder(a: TensorSpec, b: TensorSpec): number {
  const la = parseTensorName(a.name).layer ?? -1
  const lb = parseTensorName(b.name).layer ?? -1
  if (la !== lb) return la - lb
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

export interface GgufOptions {
  /** Quantized with an importance matrix (changes IQ3_XXS, IQ4_NL/XS and Q4_0/Q5_0 ffn_down rules). Default false. */
  readonly imatrix?: boolean
}

export interface GgufWeightBytes extends WeightBytes {
  /** ggml type name per tensor (e.g. blk.0.attn_v.weight → Q6_K). */
  readonly typeByTensor: ReadonlyMap<string, string>
  /** The tensors as the GGUF file holds them (ggufTensors): use these with activeWeightBytesPerToken. */
  readonly tensors: readonly TensorSpec[]
}

function initialState(arch: Architecture, family: TensorFamily, ordered: readonly TensorSpec[], ftype: GgufFtype, options: GgufOptions): QuantState {
  return {
    ftype,
    // init_quantize_state_counters: every attn_v-like tensor counts, quantizable or not.
    nAttnV: ordered.filter((t) => isAttnVLike(categoryOf(t.name))).length,
    nLayer: arch.layers.length,
    nExpert: arch.moe?.numExperts ?? 0,
    nGqa: gqaOfLayer0(arch, family),
    is70B: isLlamaType70B(arch, family),
    hasTiedEmbeddings: !ordered.some((t) => t.name === 'output.weight'),
    imatrix: options.imatrix ?? false,
    iAttnV: 0,
    iFfnDown: 0,
    iFfnGate: 0,
    iFfnUp: 0,
  }
}

/** llama_tensor_get_type: default type, then the mix rules, then the block-size fallback. */
function quantizedType(qs: QuantState, t: TensorSpec): string {
  const defaultType = FTYPE_DEFAULT_TYPE[qs.ftype]
  if (!isQuantizedType(defaultType)) return defaultType
  return fallbackType(t, typeForTensor(qs, defaultType, t, categoryOf(t.name)))
}

/**
 * Weight bytes of a GGUF file of type `ftype`, as convert_hf_to_gguf.py + llama-quantize produce it from the
 * checkpoint (no --tensor-type / --output-tensor-type / --pure overrides). F32/F16/BF16 are the converter's output
 * (gpt-oss experts stay MXFP4 there). 'MXFP4' is llama-quantize's MXFP4_MOE: 3-D expert tensors MXFP4, every other
 * quantizable tensor Q8_0 — what ggml-org/gpt-oss-*-GGUF publish (docs/sizing-weights.md, "gpt-oss MXFP4").
 * For gpt-oss under any other quantized ftype the result is what `llama-quantize --allow-requantize` writes (the
 * MXFP4 experts re-quantized by the mix rules); without that flag llama-quantize refuses, and published K-quant files
 * keep the experts MXFP4 with --tensor-type overrides, which this function does not model.
 */
export function ggufWeightBytes(arch: Architecture, tensors: readonly TensorSpec[], ftype: string, options: GgufOptions = {}): GgufWeightBytes {
  const family = tensorFamily(arch.modelType)
  const ft = parseGgufFtype(ftype)
  const fileTensors = ggufTensors(arch, tensors)
  const ordered = [...fileTensors].sort(llamaTensorOrder)
  const qs = initialState(arch, family, ordered, ft, options)
  const sourceOuttype = arch.dtype === 'float16' ? 'F16' : arch.dtype === 'float32' ? 'F32' : 'BF16'
  const typeByTensor = new Map<string, string>()
  for (const t of ordered) {
    let type: string
    if (ft === 'F32' || ft === 'F16' || ft === 'BF16') type = converterType(t, ft, family)
    else if (!allowsQuantization(t)) type = converterType(t, sourceOuttype, family)
    else type = quantizedType(qs, t)
    typeByTensor.set(t.name, type)
  }
  const summary = summarize(fileTensors, (t) => {
    const type = ggmlTypeByName(typeByTensor.get(t.name) ?? 'F32')
    if (type === undefined) throw new RangeError(`unknown ggml type for ${t.name}`)
    return tensorBytes(type.id, t.shape)
  })
  return { ...summary, typeByTensor, tensors: fileTensors }
}

// ====================================================================================================== per token

/**
 * Weight bytes one decoded token reads (batch 1): every tensor in full, except routed experts — only
 * expertsPerToken / numExperts of their bytes on average — and an untied embedding, of which one row (one token's
 * vector) is read. A tied embedding is also the output matrix, so it is read in full. Pass the tensor list that
 * produced `bytesByTensor` (for GGUF, the `tensors` of ggufWeightBytes). The result may be fractional.
 */
export function activeWeightBytesPerToken(tensors: readonly TensorSpec[], bytesByTensor: ReadonlyMap<string, number>, arch: Architecture): number {
  const tied = !tensors.some((t) => t.role === 'output')
  let dense = 0
  let routed = 0
  for (const t of tensors) {
    const bytes = bytesByTensor.get(t.name)
    if (bytes === undefined) throw new RangeError(`no byte count for tensor ${t.name}`)
    if (ROUTED_EXPERT_ROLES.includes(t.role)) routed += bytes
    else if (t.role === 'embedding' && !tied) dense += bytes / (t.shape[1] ?? 1)
    else dense += bytes
  }
  if (routed === 0) return dense
  if (arch.moe === null) throw new RangeError('expert tensors found but the architecture has no expert counts')
  return dense + (routed * arch.moe.expertsPerToken) / arch.moe.numExperts
}
