/**
 * config.json (Hugging Face transformers format) → Architecture. One generic path reads the keys every transformers
 * decoder config shares (hidden_size, num_hidden_layers, num_attention_heads, num_key_value_heads, head_dim,
 * layer_types, sliding_window, the expert counts, MLA and linear-attention lengths); a family gets its own rule only
 * where transformers hard-codes something the file does not say (gemma2's alternating layers, cohere2's and gemma3's
 * sliding_window_pattern, llama4's chunked layers). The field names are transformers' (configuration_<family>.py) and
 * the defaults are theirs where the file omits a key. A model_type fleet has no rule for is sized by the generic path
 * with a note; a missing key fleet cannot do without is a note naming it (readHfArchitecture), never a guess.
 */
import type { Architecture, LayerKind, LayerSpec, MambaSpec, MlaSpec, MoeSpec, LinearAttentionSpec, RopeScaling } from './architecture.ts'

export class UnsupportedArchitectureError extends Error {
  override readonly name = 'UnsupportedArchitectureError'
}

type Config = Readonly<Record<string, unknown>>

/** Families whose config fleet has checked against the engines (others are read by the generic rules, with a note). */
export const SUPPORTED_MODEL_TYPES = [
  'llama',
  'mistral',
  'qwen2',
  'qwen3',
  'qwen3_moe',
  'qwen3_next',
  'gemma3',
  'gemma3_text',
  'gpt_oss',
  'deepseek_v3',
  'deepseek_v2',
  'kimi_k2',
  'granitemoehybrid',
  'phi3',
  'glm4_moe',
  'gemma2',
  'olmoe',
  'olmo2',
  'mixtral',
  'llama4',
  'llama4_text',
  'glm4',
  'granite',
  'granitemoe',
  'cohere',
  'cohere2',
  'phimoe',
  'qwen2_moe',
  'mistral3',
] as const

export interface HfArchitectureReading {
  /** Null when config.json lacks what any cache estimate needs; the weights (from the files) still count. */
  readonly architecture: Architecture | null
  /** What fleet assumed or could not read, each naming the key and the file. */
  readonly notes: readonly string[]
}

/**
 * The reading the resolver uses: never throws for a config it cannot fully read. An unknown model_type is sized by
 * the generic rules with a note; a missing required key gives a null architecture and a note naming it.
 */
export function readHfArchitecture(config: Config, file = 'config.json'): HfArchitectureReading {
  const notes: string[] = []
  try {
    const architecture = architectureFromHfConfig(config, { generic: true, notes, file })
    return { architecture, notes }
  } catch (error) {
    if (!(error instanceof UnsupportedArchitectureError)) throw error
    return { architecture: null, notes: [...notes, `${error.message} (${file}): the KV cache and buffers are not sized, only the weights`] }
  }
}

interface ReadOptions {
  /** Size unknown model_types by the generic rules instead of refusing them. */
  readonly generic?: boolean
  /** Where assumptions are reported (generic mode). */
  readonly notes?: string[]
  readonly file?: string
}

function num(config: Config, key: string): number | undefined {
  const value = config[key]
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function need(config: Config, key: string, modelType: string): number {
  const value = num(config, key)
  if (value === undefined) throw new UnsupportedArchitectureError(`config.json of this ${modelType} model has no numeric "${key}"`)
  return value
}

function dtypeOf(config: Config): Architecture['dtype'] {
  const raw = String(config.torch_dtype ?? config.dtype ?? 'bfloat16')
  return raw === 'float16' ? 'float16' : raw === 'float32' ? 'float32' : 'bfloat16'
}

function ropeOf(config: Config): RopeScaling | null {
  const rope = config.rope_scaling
  if (typeof rope !== 'object' || rope === null) return null
  const r = rope as Record<string, unknown>
  const factor = typeof r.factor === 'number' ? r.factor : 1
  const type = String(r.rope_type ?? r.type ?? 'unknown')
  const original = typeof r.original_max_position_embeddings === 'number' ? r.original_max_position_embeddings : null
  return { type, factor, originalContext: original }
}

/** HF `layer_types` entries → fleet layer kinds. */
function kindOf(entry: unknown): LayerKind {
  switch (entry) {
    case 'sliding_attention':
    case 'chunked_attention':
      return 'sliding'
    case 'linear_attention':
      return 'linear'
    case 'mamba':
      return 'mamba'
    default:
      return 'full'
  }
}

/**
 * Parses config.json. `config` may be a multimodal wrapper (Gemma 3: `text_config`), and may carry a fleet catalog
 * `derived` block (values the catalog derived from the family's rules) which fills keys the file omits.
 */
export function architectureFromHfConfig(input: Config, options: ReadOptions = {}): Architecture {
  const notes = options.notes ?? []
  const file = options.file ?? 'config.json'
  const outer = input
  const inner = typeof outer.text_config === 'object' && outer.text_config !== null ? (outer.text_config as Config) : undefined
  const derived = typeof outer.derived === 'object' && outer.derived !== null ? (outer.derived as Config) : {}
  // Gemma 3 keeps the language model's fields in text_config; top-level fields (tie, dtype) still apply.
  const config: Config = { ...outer, ...inner, ...Object.fromEntries(Object.entries(derived).filter(([k]) => !(k in (inner ?? outer)))) }
  const modelType = String(inner?.model_type ?? outer.model_type ?? '')
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    if (!options.generic) {
      throw new UnsupportedArchitectureError(modelType === '' ? 'config.json has no model_type' : `fleet cannot size model_type "${modelType}" yet; it knows ${SUPPORTED_MODEL_TYPES.join(', ')}`)
    }
    notes.push(`model_type "${modelType || '(none)'}" in ${file} is sized by the generic rules (standard transformers keys); check the figures against a first run`)
  }
  const hiddenSize = need(config, 'hidden_size', modelType)
  const numLayers = need(config, 'num_hidden_layers', modelType)
  const numHeads = need(config, 'num_attention_heads', modelType)
  const kvHeads = num(config, 'num_key_value_heads') ?? numHeads
  const headDim = num(config, 'head_dim') ?? hiddenSize / numHeads
  const vocabSize = need(config, 'vocab_size', modelType)
  // Dense Granite hybrids load the shared MLP as their only MLP (shared_intermediate_size); llama4's dense layers use
  // intermediate_size_mlp (intermediate_size is the expert width there).
  const intermediateSize =
    (modelType === 'granitemoehybrid' && !num(config, 'num_local_experts') ? num(config, 'shared_intermediate_size') : undefined) ??
    (modelType.startsWith('llama4') ? num(config, 'intermediate_size_mlp') : undefined) ??
    num(config, 'intermediate_size') ??
    0
  // Gemma ties embeddings by default (transformers Gemma3TextConfig tie_word_embeddings=True).
  const tieDefault = modelType.startsWith('gemma') || modelType === 'granitemoehybrid'
  const tieWordEmbeddings = typeof outer.tie_word_embeddings === 'boolean' ? outer.tie_word_embeddings : typeof config.tie_word_embeddings === 'boolean' ? config.tie_word_embeddings : tieDefault

  const kinds = layerKinds(config, modelType, numLayers)
  // llama4 calls its sliding layers "chunked" (attention_chunk_size): each chunk attends within itself, which caches
  // like a window of that size in both engines.
  const window = num(config, 'sliding_window') ?? num(config, 'attention_chunk_size') ?? null
  const mla = mlaOf(config, modelType)
  const moe = moeOf(config, modelType)
  const moeLayer = moeLayers(config, modelType, numLayers, moe)
  const layers: LayerSpec[] = kinds.map((kind, i) => {
    if (mla) {
      // Per-token cache of an MLA layer, as llama.cpp converts it: one "KV head" of kv_lora_rank + rope dims for K and
      // kv_lora_rank for V (convert_hf_to_gguf.py DeepseekV2Model). Engines that cache differently read arch.mla.
      return { kind: 'mla', kvHeads: 1, headDimK: mla.kvLoraRank + mla.qkRopeHeadDim, headDimV: mla.kvLoraRank, window: null, moe: moeLayer[i]! }
    }
    return {
      kind,
      kvHeads: kind === 'full' || kind === 'sliding' ? kvHeads : 0,
      headDimK: kind === 'full' || kind === 'sliding' ? headDim : 0,
      headDimV: kind === 'full' || kind === 'sliding' ? headDim : 0,
      window: kind === 'sliding' ? window : null,
      moe: moeLayer[i]!,
    }
  })
  if (layers.some((l) => l.kind === 'sliding' && l.window === null)) {
    if (!options.generic) throw new UnsupportedArchitectureError(`config.json declares sliding-window layers but no sliding_window size`)
    notes.push(`${file} declares sliding-window layers but no sliding_window: they are sized as full attention (an upper bound)`)
    for (let i = 0; i < layers.length; i++) if (layers[i]!.kind === 'sliding') layers[i] = { ...layers[i]!, kind: 'full' }
  }
  const trained = num(config, 'max_position_embeddings')
  if (trained === undefined && options.generic) notes.push(`${file} has no max_position_embeddings: the trained context is unknown, so contexts are not checked against it`)

  return {
    modelType,
    hiddenSize,
    vocabSize,
    numHeads,
    headDim,
    intermediateSize,
    layers,
    trainedContext: options.generic ? (trained ?? 0) : need(config, 'max_position_embeddings', modelType),
    ropeScaling: ropeOf(config),
    tieWordEmbeddings,
    dtype: dtypeOf(config),
    moe,
    mla,
    linear: linearOf(config, modelType),
    mamba: mambaOf(config, modelType),
    extras: extrasOf(config, modelType),
  }
}

function layerKinds(config: Config, modelType: string, numLayers: number): LayerKind[] {
  const listed = config.layer_types
  if (Array.isArray(listed) && listed.length === numLayers) return listed.map(kindOf)
  switch (modelType) {
    case 'gemma2':
      // transformers Gemma2Config: layer i is sliding iff (i + 1) % 2 (even layers), full otherwise.
      return Array.from({ length: numLayers }, (_, i) => (i % 2 === 0 ? 'sliding' : 'full'))
    case 'cohere2': {
      // transformers Cohere2Config: sliding iff (i + 1) % sliding_window_pattern != 0 (default 4).
      const pattern = num(config, 'sliding_window_pattern') ?? 4
      return Array.from({ length: numLayers }, (_, i) => ((i + 1) % pattern === 0 ? 'full' : 'sliding'))
    }
    case 'llama4':
    case 'llama4_text': {
      // transformers Llama4TextConfig: no_rope_layers[i] = (i + 1) % no_rope_layer_interval != 0 (default 4); a RoPE
      // layer uses chunked attention, a NoPE layer full attention. Without attention_chunk_size every layer is full.
      if (num(config, 'attention_chunk_size') === undefined) return Array.from({ length: numLayers }, () => 'full')
      const listed = config.no_rope_layers
      if (Array.isArray(listed) && listed.length === numLayers) return listed.map((rope) => (rope === 1 || rope === true ? 'sliding' : 'full'))
      const interval = num(config, 'no_rope_layer_interval') ?? 4
      return Array.from({ length: numLayers }, (_, i) => ((i + 1) % interval !== 0 ? 'sliding' : 'full'))
    }
    case 'gemma3':
    case 'gemma3_text': {
      // transformers Gemma3TextConfig: layer i is full attention iff (i + 1) % sliding_window_pattern == 0 (default 6).
      const pattern = num(config, 'sliding_window_pattern') ?? 6
      return Array.from({ length: numLayers }, (_, i) => ((i + 1) % pattern === 0 ? 'full' : 'sliding'))
    }
    case 'gpt_oss':
      // transformers GptOssConfig: alternating, starting with sliding.
      return Array.from({ length: numLayers }, (_, i) => (i % 2 === 0 ? 'sliding' : 'full'))
    case 'qwen3_next': {
      // transformers Qwen3NextConfig: full attention iff (i + 1) % full_attention_interval == 0 (default 4).
      const interval = num(config, 'full_attention_interval') ?? 4
      return Array.from({ length: numLayers }, (_, i) => ((i + 1) % interval === 0 ? 'full' : 'linear'))
    }
    case 'granitemoehybrid':
      throw new UnsupportedArchitectureError('config.json of this granitemoehybrid model has no layer_types list; fleet needs it to know which layers are attention and which Mamba')
    default: {
      // llama/mistral/qwen2/qwen3/phi3: full attention everywhere. Mistral v0.1's sliding_window is not applied by
      // llama.cpp (LLM_ARCH_LLAMA) nor mlx-lm (llama.py), so it does not shrink their caches. An unknown family with a
      // numeric sliding_window_pattern follows the transformers convention gemma3/cohere2 use.
      const pattern = num(config, 'sliding_window_pattern')
      if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType) && pattern !== undefined && pattern > 1 && num(config, 'sliding_window') !== undefined) {
        return Array.from({ length: numLayers }, (_, i) => ((i + 1) % pattern === 0 ? 'full' : 'sliding'))
      }
      return Array.from({ length: numLayers }, () => 'full')
    }
  }
}

function mlaOf(config: Config, modelType: string): MlaSpec | null {
  if (!['deepseek_v3', 'deepseek_v2', 'kimi_k2'].includes(modelType)) return null
  return {
    kvLoraRank: need(config, 'kv_lora_rank', modelType),
    qLoraRank: num(config, 'q_lora_rank') ?? null,
    qkRopeHeadDim: need(config, 'qk_rope_head_dim', modelType),
    qkNopeHeadDim: need(config, 'qk_nope_head_dim', modelType),
    vHeadDim: need(config, 'v_head_dim', modelType),
  }
}

function moeOf(config: Config, modelType: string): MoeSpec | null {
  const experts = num(config, 'n_routed_experts') ?? num(config, 'num_experts') ?? num(config, 'num_local_experts')
  if (experts === undefined || experts === 0) return null
  const perToken = num(config, 'num_experts_per_tok') ?? num(config, 'experts_per_token') ?? need(config, 'num_experts_per_tok', modelType)
  // gpt-oss and granite name the expert width intermediate_size; the others moe_intermediate_size.
  const expertSize = num(config, 'moe_intermediate_size') ?? need(config, 'intermediate_size', modelType)
  // llama4 always has one shared expert of the expert width (modeling_llama4.py Llama4TextMoe.shared_expert).
  const shared = num(config, 'n_shared_experts') ?? (num(config, 'shared_expert_intermediate_size') || num(config, 'shared_intermediate_size') || modelType.startsWith('llama4') ? 1 : 0)
  const sharedSize = num(config, 'shared_expert_intermediate_size') ?? num(config, 'shared_intermediate_size') ?? shared * expertSize
  return { numExperts: experts, expertsPerToken: perToken, numSharedExperts: shared, expertIntermediateSize: expertSize, sharedIntermediateSize: sharedSize }
}

function moeLayers(config: Config, modelType: string, numLayers: number, moe: MoeSpec | null): boolean[] {
  if (!moe) return Array.from({ length: numLayers }, () => false)
  const firstDense = num(config, 'first_k_dense_replace') ?? 0
  const frequency = num(config, 'moe_layer_freq') ?? num(config, 'decoder_sparse_step') ?? num(config, 'interleave_moe_layer_step') ?? 1
  const mlpOnly = Array.isArray(config.mlp_only_layers) ? (config.mlp_only_layers as unknown[]).filter((x): x is number => typeof x === 'number') : []
  return Array.from({ length: numLayers }, (_, i) => {
    if (i < firstDense || mlpOnly.includes(i)) return false
    // deepseek: layer i ≥ first_k_dense is MoE iff i % moe_layer_freq == 0; qwen: (i + 1) % decoder_sparse_step == 0;
    // llama4: moe_layers = range(interleave_moe_layer_step − 1, layers, step), i.e. (i + 1) % step == 0.
    return modelType.startsWith('qwen') || modelType.startsWith('llama4') ? (i + 1) % frequency === 0 : i % frequency === 0
  })
}

function linearOf(config: Config, modelType: string): LinearAttentionSpec | null {
  if (modelType !== 'qwen3_next') return null
  return {
    numKeyHeads: need(config, 'linear_num_key_heads', modelType),
    numValueHeads: need(config, 'linear_num_value_heads', modelType),
    keyHeadDim: need(config, 'linear_key_head_dim', modelType),
    valueHeadDim: need(config, 'linear_value_head_dim', modelType),
    convKernel: need(config, 'linear_conv_kernel_dim', modelType),
  }
}

function mambaOf(config: Config, modelType: string): MambaSpec | null {
  if (modelType !== 'granitemoehybrid') return null
  const hidden = need(config, 'hidden_size', modelType)
  const expand = num(config, 'mamba_expand') ?? 2
  const numHeads = need(config, 'mamba_n_heads', modelType)
  const headDim = num(config, 'mamba_d_head') ?? (hidden * expand) / numHeads
  return {
    dState: need(config, 'mamba_d_state', modelType),
    numHeads,
    headDim,
    numGroups: num(config, 'mamba_n_groups') ?? 1,
    convKernel: num(config, 'mamba_d_conv') ?? 4,
    dInner: numHeads * headDim,
  }
}

/** Per-family flags the tensor inventory reads (see src/sizing/tensors.ts for the keys it uses). */
function extrasOf(config: Config, modelType: string): Record<string, number | boolean> {
  const extras: Record<string, number | boolean> = {}
  const bool = (key: string): boolean | undefined => (typeof config[key] === 'boolean' ? (config[key] as boolean) : undefined)
  // qwen2 always has q/k/v biases (modeling_qwen2.py); llama-family models say so with attention_bias.
  extras.attentionBias = bool('attention_bias') ?? (modelType === 'qwen2' || modelType === 'gpt_oss')
  extras.mlpBias = bool('mlp_bias') ?? false
  // Granite 4.0-H Mamba2 layers (transformers GraniteMoeHybridConfig defaults: conv bias on, projection bias off).
  if (modelType === 'granitemoehybrid') {
    extras.mambaConvBias = bool('mamba_conv_bias') ?? true
    extras.mambaProjBias = bool('mamba_proj_bias') ?? false
  }
  for (const key of ['first_k_dense_replace', 'num_nextn_predict_layers', 'partial_rotary_factor', 'n_group', 'topk_group'] as const) {
    const value = num(config, key)
    if (value !== undefined) extras[key] = value
  }
  return extras
}
