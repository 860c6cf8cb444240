/**
 * Built-in catalog of popular models' architecture facts, so `fleet plan` can size weights and KV cache
 * offline. Every number here was read from a source listed next to it; nothing is estimated.
 * See docs/models.md for the per-model memory-relevant fields, the provenance of each value and the
 * surprises found while collecting them.
 *
 * Conventions:
 * - `config` holds config.json fields as they appear in the copy we read (key names and values unchanged).
 *   Where no verbatim copy of the original repo's config.json could be found, `config` holds only fields
 *   confirmed by at least one primary source (transformers / mlx-lm code written for that checkpoint) or by
 *   two independent copies, and `notes` says so. Fields that could not be confirmed are left out.
 * - `derived` holds facts that are NOT keys of the published config.json but that a loader applies:
 *   transformers class defaults for keys the file omits (Gemma 3's head_dim, vocab_size, sliding_window_pattern),
 *   or layer-kind counts stated by a source. Published `config` values always win over `derived`.
 * - Sources are `owner/repo:path@commit` (GitHub), URLs, or `search-index:<id>` for public GitHub files
 *   whose repository name the code index did not expose (the id opens the file with the search tool).
 */

export interface CatalogEntry {
  /** Canonical Hugging Face repo whose config.json this is, e.g. 'Qwen/Qwen3-32B'. */
  readonly repo: string
  /** Repos known to carry the same architecture (quantized conversions: mlx-community/…, bartowski/…, unsloth/…, lmstudio-community/…). */
  readonly derivedRepos: readonly string[]
  /** config.json fields exactly as published (all architecture fields: model_type, architectures, hidden_size, num_hidden_layers, num_attention_heads, num_key_value_heads, head_dim, intermediate_size, vocab_size, max_position_embeddings, rope_scaling, tie_word_embeddings, torch_dtype, sliding_window, layer_types, MoE/MLA/linear-attention fields, text_config for Gemma 3, …). */
  readonly config: Readonly<Record<string, unknown>>
  /**
   * Facts that are not keys of the published file but that loaders apply (class defaults for omitted keys,
   * layer-kind counts). Never overrides `config`. Each value's source is in `sources`/`notes`.
   */
  readonly derived?: Readonly<Record<string, unknown>>
  /** Where each value was read: URL or repo:path@commit. */
  readonly sources: readonly string[]
  readonly notes?: string
}

export interface MlxQuantizationFact {
  readonly repo: string
  readonly baseRepo: string
  /** The `quantization` block of the repo's config.json, limited to fields that could be confirmed (see notes). */
  readonly quantization: Readonly<Record<string, unknown>>
  readonly sources: readonly string[]
  /** Quantization label given by the source (exo model card `quantization = "…"`). */
  readonly label?: string
  /** Repo size in bytes as recorded by exo's model card. Approximate: exo stores rounded MiB/GiB figures. */
  readonly storageBytesApprox?: number
  readonly notes?: string
}

export interface GgufFileFact {
  readonly quant: string
  /** Exact repo-relative paths; split quants list every shard. Empty when the names could not be confirmed. */
  readonly paths: readonly string[]
  /** Exact size in bytes (only when an exact figure was found; never a rounded one). */
  readonly bytes?: number
  /** Size as printed by a model card, e.g. '34.82GB' (rounded, decimal GB as the card prints it). */
  readonly bytesRounded?: string
  readonly split?: boolean
  readonly notes?: string
}

export interface GgufRepoFact {
  readonly repo: string
  readonly baseRepo: string
  readonly files: readonly GgufFileFact[]
  readonly sources: readonly string[]
  readonly notes?: string
}

// ---------------------------------------------------------------------------------------------------------
// Shared sources
// ---------------------------------------------------------------------------------------------------------

/** Verbatim config.json dumps of Llama-3.1-8B, Qwen2.5-*, Qwen3-4B/8B/14B/32B/30B-A3B. */
const SRC_LLM_PROF = 'citsjtu2020/LLM-Prof:sglang/Model_Config.md@8434c8d19c396b2f95d92a67845a7c0a0e0dd512'
/** Parameter-counter test embedding full config dicts `config_llama_70b` and `config_Deepseek_R1`. */
const SRC_PARAM_COUNTER = 'search-index:1570491832 (parameter-counter test with verbatim `config_llama_70b` and `config_Deepseek_R1` config.json dicts)'
const SRC_MLC_PRESETS = 'mlc-ai/mlc-llm:python/mlc_llm/model/model_preset.py@79d603f085f50500e9509fa01785ffa7ecfaaa93'
const EXO_COMMIT = 'b5375f8cee4368d09e1ce96a56b9f81fb0bc81aa'
const exoCard = (name: string): string => `exo-explore/exo:resources/inference_model_cards/${name}.toml@${EXO_COMMIT}`
const MLX_LM_COMMIT = 'd78bf58e217c904ec282ed8da9b947491f78c022'
const mlxLm = (path: string): string => `ml-explore/mlx-lm:${path}@${MLX_LM_COMMIT}`

// ---------------------------------------------------------------------------------------------------------
// Model catalog
// ---------------------------------------------------------------------------------------------------------

const GPT_OSS_20B_LAYER_TYPES: readonly string[] = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention'))

const QWEN3_NEXT_LAYER_TYPES: readonly string[] = Array.from({ length: 48 }, (_, i) => ((i + 1) % 4 === 0 ? 'full_attention' : 'linear_attention'))

const gemma3LayerTypes = (layers: number): readonly string[] => Array.from({ length: layers }, (_, i) => ((i + 1) % 6 === 0 ? 'full_attention' : 'sliding_attention'))

/** Gemma 3 vision tower as published (identical for 4B/12B/27B). */
const GEMMA3_VISION_CONFIG = {
  hidden_size: 1152,
  image_size: 896,
  intermediate_size: 4304,
  model_type: 'siglip_vision_model',
  num_attention_heads: 16,
  num_hidden_layers: 27,
  patch_size: 14,
  vision_use_head: false,
} as const

/** transformers Gemma3TextConfig defaults the Gemma 3 configs rely on (they omit these keys from text_config). */
const GEMMA3_TEXT_DEFAULTS = {
  vocab_size: 262208,
  max_position_embeddings: 131072,
  rope_theta: 1000000.0,
  rope_local_base_freq: 10000.0,
  sliding_window_pattern: 6,
  tie_word_embeddings: true,
  hidden_activation: 'gelu_pytorch_tanh',
} as const

const SRC_GEMMA3_CONFIG_PY = 'huggingface/transformers:src/transformers/models/gemma3/configuration_gemma3.py@008f5c8c29be84d4721dc6d1e0fcd72300580be4'
const SRC_GEMMA3_CONVERT = 'huggingface/transformers:src/transformers/models/gemma3/convert_gemma3_weights_orbax_to_hf.py@0d914582a9c9cdbbf4e23d9bf3175dec5e5493de'

// derivedRepos entries for bartowski/*, mlx-community/Qwen3-* and gemma conversions used by fleet's examples were added
// from the repos' names and model cards (each names its base model); they carry no figures of their own.
export const MODEL_CATALOG: readonly CatalogEntry[] = [
  // ------------------------------------------------------------------------------------------------ Llama
  {
    repo: 'meta-llama/Llama-3.3-70B-Instruct',
    derivedRepos: [
      'bartowski/Llama-3.3-70B-Instruct-GGUF',
      'mlx-community/Llama-3.3-70B-Instruct-4bit',
      'mlx-community/Llama-3.3-70B-Instruct-8bit',
      'mlx-community/llama-3.3-70b-instruct-fp16',
      'unsloth/Llama-3.3-70B-Instruct',
      'steampunque/Llama-3.3-70B-Instruct-Hybrid-GGUF',
    ],
    config: {
      architectures: ['LlamaForCausalLM'],
      attention_bias: false,
      attention_dropout: 0.0,
      bos_token_id: 128000,
      eos_token_id: [128001, 128008, 128009],
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 8192,
      initializer_range: 0.02,
      intermediate_size: 28672,
      max_position_embeddings: 131072,
      mlp_bias: false,
      model_type: 'llama',
      num_attention_heads: 64,
      num_hidden_layers: 80,
      num_key_value_heads: 8,
      pretraining_tp: 1,
      rms_norm_eps: 1e-5,
      rope_scaling: {
        factor: 8.0,
        high_freq_factor: 4.0,
        low_freq_factor: 1.0,
        original_max_position_embeddings: 8192,
        rope_type: 'llama3',
      },
      rope_theta: 500000.0,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      transformers_version: '4.47.0.dev0',
      use_cache: true,
      vocab_size: 128256,
    },
    sources: [
      SRC_PARAM_COUNTER,
      'oumi configs/recipes/llama3_3/README.md (code-search excerpt: vocab 128,256, hidden 8192, MLP 28,672, 80 layers, 64 heads, 8 KV heads, no weight tying, 131,072 max length)',
      exoCard('mlx-community--Llama-3.3-70B-Instruct-4bit'),
      exoCard('mlx-community--Llama-3.3-70B-Instruct-8bit'),
      exoCard('mlx-community--llama-3.3-70b-instruct-fp16'),
    ],
    notes:
      'The verbatim copy is labelled `config_llama_70b` in its file; it is identified as Llama-3.3-70B-Instruct by ' +
      'transformers_version 4.47.0.dev0 (Llama 3.3 shipped Dec 2024), the 3-id eos_token_id list of the Instruct ' +
      'models and head_dim 128 being present; every architecture field matches the oumi Llama 3.3 recipe table and ' +
      "exo's mlx-community cards (80 layers, hidden 8192, 8 KV heads, context 131072).",
  },
  {
    repo: 'meta-llama/Llama-3.1-8B-Instruct',
    derivedRepos: [
      'bartowski/Meta-Llama-3.1-8B-Instruct-GGUF',
      'mlx-community/Meta-Llama-3.1-8B-Instruct-4bit',
      'mlx-community/Meta-Llama-3.1-8B-Instruct-8bit',
      'mlx-community/Meta-Llama-3.1-8B-Instruct-bf16',
    ],
    config: {
      architectures: ['LlamaForCausalLM'],
      attention_bias: false,
      attention_dropout: 0.0,
      bos_token_id: 128000,
      eos_token_id: [128001, 128008, 128009],
      hidden_act: 'silu',
      hidden_size: 4096,
      initializer_range: 0.02,
      intermediate_size: 14336,
      max_position_embeddings: 131072,
      mlp_bias: false,
      model_type: 'llama',
      num_attention_heads: 32,
      num_hidden_layers: 32,
      num_key_value_heads: 8,
      pretraining_tp: 1,
      rms_norm_eps: 1e-5,
      rope_scaling: {
        factor: 8.0,
        low_freq_factor: 1.0,
        high_freq_factor: 4.0,
        original_max_position_embeddings: 8192,
        rope_type: 'llama3',
      },
      rope_theta: 500000.0,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      transformers_version: '4.42.3',
      use_cache: true,
      vocab_size: 128256,
    },
    derived: { head_dim: 128 },
    sources: [
      `${SRC_MLC_PRESETS} (preset "llama3_1_8b")`,
      `${SRC_LLM_PROF} (section "Llama-3.1-8B": the base model, identical architecture fields, eos_token_id 128001)`,
      exoCard('mlx-community--Meta-Llama-3.1-8B-Instruct-4bit'),
    ],
    notes:
      'The file has no head_dim key; transformers uses hidden_size / num_attention_heads = 4096 / 32 = 128 (derived.head_dim). ' +
      'The mlc-llm preset key does not say Instruct; the 3-id eos_token_id list is the Instruct one (the base model dump in ' +
      'LLM-Prof has eos_token_id 128001 and is otherwise identical in every architecture field).',
  },

  // ------------------------------------------------------------------------------------------------ Qwen3 dense
  {
    repo: 'Qwen/Qwen3-32B',
    derivedRepos: ['mlx-community/Qwen3-32B-4bit', 'mlx-community/Qwen3-32B-8bit', 'bartowski/Qwen_Qwen3-32B-GGUF', 'steampunque/Qwen3-32B-Hybrid-GGUF'],
    config: {
      architectures: ['Qwen3ForCausalLM'],
      attention_bias: false,
      attention_dropout: 0.0,
      bos_token_id: 151643,
      eos_token_id: 151645,
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 5120,
      initializer_range: 0.02,
      intermediate_size: 25600,
      max_position_embeddings: 40960,
      max_window_layers: 64,
      model_type: 'qwen3',
      num_attention_heads: 64,
      num_hidden_layers: 64,
      num_key_value_heads: 8,
      rms_norm_eps: 1e-6,
      rope_scaling: null,
      rope_theta: 1000000,
      sliding_window: null,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      transformers_version: '4.51.0',
      use_cache: true,
      use_sliding_window: false,
      vocab_size: 151936,
    },
    sources: [`${SRC_LLM_PROF} (section "Qwen3-32B")`],
    notes:
      'head_dim 128 is NOT hidden_size / num_attention_heads (5120 / 64 = 80): the attention width is 64 × 128 = 8192 > hidden_size. ' +
      'KV cache must use head_dim, never hidden/heads. use_sliding_window is false: no layer is windowed.',
  },
  {
    repo: 'Qwen/Qwen3-14B',
    derivedRepos: ['mlx-community/Qwen3-14B-4bit', 'mlx-community/Qwen3-14B-8bit'],
    config: {
      architectures: ['Qwen3ForCausalLM'],
      attention_bias: false,
      attention_dropout: 0.0,
      bos_token_id: 151643,
      eos_token_id: 151645,
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 5120,
      initializer_range: 0.02,
      intermediate_size: 17408,
      max_position_embeddings: 40960,
      max_window_layers: 40,
      model_type: 'qwen3',
      num_attention_heads: 40,
      num_hidden_layers: 40,
      num_key_value_heads: 8,
      rms_norm_eps: 1e-6,
      rope_scaling: null,
      rope_theta: 1000000,
      sliding_window: null,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      transformers_version: '4.51.0',
      use_cache: true,
      use_sliding_window: false,
      vocab_size: 151936,
    },
    sources: [`${SRC_LLM_PROF} (section "Qwen3-14B")`],
  },
  {
    repo: 'Qwen/Qwen3-8B',
    derivedRepos: ['mlx-community/Qwen3-8B-4bit', 'mlx-community/Qwen3-8B-8bit', 'bartowski/Qwen_Qwen3-8B-GGUF'],
    config: {
      architectures: ['Qwen3ForCausalLM'],
      attention_bias: false,
      attention_dropout: 0.0,
      bos_token_id: 151643,
      eos_token_id: 151645,
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 4096,
      initializer_range: 0.02,
      intermediate_size: 12288,
      max_position_embeddings: 40960,
      max_window_layers: 36,
      model_type: 'qwen3',
      num_attention_heads: 32,
      num_hidden_layers: 36,
      num_key_value_heads: 8,
      rms_norm_eps: 1e-6,
      rope_scaling: null,
      rope_theta: 1000000,
      sliding_window: null,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      transformers_version: '4.51.0',
      use_cache: true,
      use_sliding_window: false,
      vocab_size: 151936,
    },
    sources: [`${SRC_LLM_PROF} (section "Qwen3-8B")`],
    notes:
      'Other copies circulate with max_position_embeddings 131072 and a yarn rope_scaling block (factor 4.0, original 32768): ' +
      'that is the YaRN edit Qwen documents for long context, not the published file.',
  },

  // ------------------------------------------------------------------------------------------------ Qwen3 MoE
  {
    repo: 'Qwen/Qwen3-30B-A3B',
    derivedRepos: ['mlx-community/Qwen3-30B-A3B-4bit', 'mlx-community/Qwen3-30B-A3B-8bit'],
    config: {
      architectures: ['Qwen3MoeForCausalLM'],
      attention_bias: false,
      attention_dropout: 0.0,
      bos_token_id: 151643,
      decoder_sparse_step: 1,
      eos_token_id: 151645,
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 2048,
      initializer_range: 0.02,
      intermediate_size: 6144,
      max_position_embeddings: 40960,
      max_window_layers: 48,
      mlp_only_layers: [],
      model_type: 'qwen3_moe',
      moe_intermediate_size: 768,
      norm_topk_prob: true,
      num_attention_heads: 32,
      num_experts: 128,
      num_experts_per_tok: 8,
      num_hidden_layers: 48,
      num_key_value_heads: 4,
      output_router_logits: false,
      rms_norm_eps: 1e-6,
      rope_scaling: null,
      rope_theta: 1000000.0,
      router_aux_loss_coef: 0.001,
      sliding_window: null,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      transformers_version: '4.51.0',
      use_cache: true,
      use_sliding_window: false,
      vocab_size: 151936,
    },
    sources: [`${SRC_LLM_PROF} (section "Qwen3-30B-A3B")`, exoCard('mlx-community--Qwen3-30B-A3B-4bit'), exoCard('mlx-community--Qwen3-30B-A3B-8bit')],
    notes:
      'Every layer is MoE (decoder_sparse_step 1, mlp_only_layers []): 128 experts of moe_intermediate_size 768, 8 active; ' +
      'intermediate_size 6144 is unused by the weights. head_dim 128 ≠ 2048 / 32 = 64.',
  },
  {
    repo: 'Qwen/Qwen3-235B-A22B',
    derivedRepos: ['mlx-community/Qwen3-235B-A22B-4bit', 'mlx-community/Qwen3-235B-A22B-8bit'],
    config: {
      architectures: ['Qwen3MoeForCausalLM'],
      attention_bias: false,
      attention_dropout: 0.0,
      bos_token_id: 151643,
      decoder_sparse_step: 1,
      eos_token_id: 151645,
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 4096,
      initializer_range: 0.02,
      intermediate_size: 12288,
      max_position_embeddings: 40960,
      max_window_layers: 94,
      mlp_only_layers: [],
      model_type: 'qwen3_moe',
      moe_intermediate_size: 1536,
      norm_topk_prob: true,
      num_attention_heads: 64,
      num_experts: 128,
      num_experts_per_tok: 8,
      num_hidden_layers: 94,
      num_key_value_heads: 4,
      output_router_logits: false,
      rms_norm_eps: 1e-6,
      rope_scaling: null,
      rope_theta: 1000000.0,
      router_aux_loss_coef: 0.001,
      sliding_window: null,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      transformers_version: '4.51.0',
      use_cache: true,
      use_sliding_window: false,
      vocab_size: 151936,
    },
    sources: [
      'search-index:22176531064 (litellm_config.py `HARD_CODED_CONFIGS["Qwen/Qwen3-235B-A22B"]`, a verbatim config.json copy)',
      'https://hf-p-cfw.fyan.top/Qwen/Qwen3-235B-A22B-FP8 (model card: 94 layers, 64 Q / 4 KV heads, 128 experts, 8 activated, 32,768 native context)',
      'zyzshishui/slime:scripts/models/qwen3-235B-A22B.sh (94 layers, hidden 4096, kv-channels 128, moe-ffn 1536, vocab 151936)',
    ],
    notes:
      'mlx-community/Qwen3-235B-A22B-Instruct-2507-{4,8}bit are conversions of the 2507 refresh, not of this repo: same layer/head ' +
      'shape per exo (94 layers, hidden 4096, 4 KV heads) but context 262144, so they are deliberately not listed as derivedRepos. ' +
      'head_dim 128 ≠ 4096 / 64 = 64.',
  },

  // ------------------------------------------------------------------------------------------------ Qwen3-Next (hybrid)
  {
    repo: 'Qwen/Qwen3-Next-80B-A3B-Instruct',
    derivedRepos: ['mlx-community/Qwen3-Next-80B-A3B-Instruct-4bit', 'mlx-community/Qwen3-Next-80B-A3B-Instruct-8bit'],
    config: {
      architectures: ['Qwen3NextForCausalLM'],
      model_type: 'qwen3_next',
      hidden_size: 2048,
      num_hidden_layers: 48,
      num_attention_heads: 16,
      num_key_value_heads: 2,
      head_dim: 256,
      partial_rotary_factor: 0.25,
      full_attention_interval: 4,
      linear_conv_kernel_dim: 4,
      linear_key_head_dim: 128,
      linear_value_head_dim: 128,
      linear_num_key_heads: 16,
      linear_num_value_heads: 32,
      decoder_sparse_step: 1,
      mlp_only_layers: [],
      moe_intermediate_size: 512,
      shared_expert_intermediate_size: 512,
      num_experts: 512,
      num_experts_per_tok: 10,
      norm_topk_prob: true,
      vocab_size: 151936,
      max_position_embeddings: 262144,
      rope_theta: 10000000,
      tie_word_embeddings: false,
    },
    derived: {
      layer_types: QWEN3_NEXT_LAYER_TYPES,
      full_attention_layers: 12,
      linear_attention_layers: 36,
    },
    sources: [
      'huggingface/transformers:src/transformers/models/qwen3_next/configuration_qwen3_next.py@008e574391258935f3ecc3035c882e73bbcac419 (class written for checkpoint Qwen/Qwen3-Next-80B-A3B-Instruct; defaults and the layer_types rule)',
      'search-index:56040672971 (`QWEN3_NEXT_80B` table for Qwen/Qwen3-Next-80B-A3B-Instruct: 48 layers, 16 heads, 2 KV, head_dim 256, rope_theta 1e7, linear 16/32 heads × 128, conv 4, 512 experts top-10, 512/512 expert sizes)',
      'search-index:70175107227 (verbatim config.json of the Qwen3-Coder-Next release, the same qwen3_next architecture; its test notes its rope_theta 5e6 is "half the 80B\'s theta")',
      exoCard('mlx-community--Qwen3-Next-80B-A3B-Instruct-4bit'),
      mlxLm('mlx_lm/models/qwen3_next.py'),
    ],
    notes:
      "Not a verbatim copy of the repo's config.json: only fields agreed by the sources above are recorded. " +
      'intermediate_size is left out (transformers default 5632 vs 5120 in the other copies) — it is unused because every layer is MoE. ' +
      'bos/eos ids, rms_norm_eps and torch_dtype were not confirmed for this repo. layer_types in `derived` follows transformers ' +
      '(`linear_attention` unless (i+1) % full_attention_interval == 0): 12 full-attention layers carry a KV cache; the 36 Gated ' +
      'DeltaNet layers carry a fixed-size state instead (mlx-lm ArraysCache: conv state (kernel-1) × (2·16·128 + 32·128) and ' +
      'recurrent state 32 × 128 × 128 per sequence).',
  },

  // ------------------------------------------------------------------------------------------------ gpt-oss
  {
    repo: 'openai/gpt-oss-20b',
    derivedRepos: ['mlx-community/gpt-oss-20b-MXFP4-Q8', 'bartowski/openai_gpt-oss-20b-GGUF'],
    config: {
      architectures: ['GptOssForCausalLM'],
      attention_bias: true,
      attention_dropout: 0.0,
      eos_token_id: 200002,
      experts_per_token: 4,
      head_dim: 64,
      hidden_act: 'silu',
      hidden_size: 2880,
      initial_context_length: 4096,
      initializer_range: 0.02,
      intermediate_size: 2880,
      layer_types: GPT_OSS_20B_LAYER_TYPES,
      max_position_embeddings: 131072,
      model_type: 'gpt_oss',
      num_attention_heads: 64,
      num_experts_per_tok: 4,
      num_hidden_layers: 24,
      num_key_value_heads: 8,
      num_local_experts: 32,
      output_router_logits: false,
      pad_token_id: 199999,
      quantization_config: {
        modules_to_not_convert: ['model.layers.*.self_attn', 'model.layers.*.mlp.router', 'model.embed_tokens', 'lm_head'],
        quant_method: 'mxfp4',
      },
      rms_norm_eps: 1e-5,
      rope_scaling: {
        beta_fast: 32.0,
        beta_slow: 1.0,
        factor: 32.0,
        original_max_position_embeddings: 4096,
        rope_type: 'yarn',
        truncate: false,
      },
      rope_theta: 150000,
      router_aux_loss_coef: 0.9,
      sliding_window: 128,
      swiglu_limit: 7.0,
      tie_word_embeddings: false,
      transformers_version: '4.55.0.dev0',
      use_cache: true,
      vocab_size: 201088,
    },
    sources: [
      'EchoCog/gpt-oss-20b:config.json@52971a17bf2f66dd519c8d26217b1405e425a246',
      'EchoCog/gpt-oss-20b:docs/gpt-oss-20b-architecture.md (same mirror, describing quantization_config.quant_method = mxfp4)',
      'ParagEkbote/hf-model-inspector:model_inspection_report.md (report on openai/gpt-oss-20b: 24 layers, 64 heads, 8 KV, sliding window 128, yarn factor 32, quantization detected)',
      exoCard('mlx-community--gpt-oss-20b-MXFP4-Q8'),
    ],
    notes:
      'The GitHub mirror\'s config.json currently reads quant_method "gptq"; that mirror edited it — its own architecture doc ' +
      'and every other source (the HF original) say "mxfp4", which is recorded here. layer_types alternates sliding/full starting ' +
      'with sliding: 12 sliding-window (128-token) layers and 12 full layers; only the full layers grow a KV cache with context. ' +
      'head_dim 64 ≠ 2880 / 64 = 45. Experts are stored MXFP4; attention, router, embeddings and lm_head stay bf16.',
  },
  {
    repo: 'openai/gpt-oss-120b',
    derivedRepos: ['mlx-community/gpt-oss-120b-MXFP4-Q8', 'ggml-org/gpt-oss-120b-GGUF'],
    config: {
      model_type: 'gpt_oss',
      num_hidden_layers: 36,
      num_local_experts: 128,
      num_experts_per_tok: 4,
      vocab_size: 201088,
      hidden_size: 2880,
      intermediate_size: 2880,
      head_dim: 64,
      num_attention_heads: 64,
      num_key_value_heads: 8,
      sliding_window: 128,
      tie_word_embeddings: false,
      max_position_embeddings: 131072,
      attention_bias: true,
    },
    derived: {
      layer_types: Array.from({ length: 36 }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention')),
      sliding_attention_layers: 18,
      full_attention_layers: 18,
    },
    sources: [
      'huggingface/transformers:src/transformers/models/gpt_oss/configuration_gpt_oss.py@02b8f42b4240dddea1b27c45d2dc95fb2682f841 (GptOssConfig defaults: 36 layers, 128 local experts, top-4, and the alternating layer_types rule)',
      exoCard('mlx-community--gpt-oss-120b-MXFP4-Q8'),
      'https://gperdrizet.github.io/llms-demo/models.html (ggml-org/gpt-oss-120b-GGUF: "The model has 36 MoE blocks")',
      'https://debuggercafe.com/gpt-oss-inference-with-llama-cpp (36 layers, 128 experts for 120B, top-4)',
    ],
    notes:
      'No verbatim copy of the 120b config.json was found. The recorded fields are the transformers GptOssConfig defaults (which ' +
      'describe the 120b) cross-checked against exo (36 layers, hidden 2880, 8 KV heads, context 131072) and two pages; every other ' +
      'field is expected to equal gpt-oss-20b but was not confirmed. The sliding/full alternation is in `derived` (transformers ' +
      'builds it when layer_types is absent; the 20b file spells it out).',
  },

  // ------------------------------------------------------------------------------------------------ Gemma 3
  {
    repo: 'google/gemma-3-27b-it',
    derivedRepos: ['bartowski/google_gemma-3-27b-it-GGUF', 'mlx-community/gemma-3-27b-it-4bit'],
    config: {
      architectures: ['Gemma3ForConditionalGeneration'],
      boi_token_index: 255999,
      eoi_token_index: 256000,
      eos_token_id: [1, 106],
      image_token_index: 262144,
      initializer_range: 0.02,
      mm_tokens_per_image: 256,
      model_type: 'gemma3',
      text_config: {
        head_dim: 128,
        hidden_size: 5376,
        intermediate_size: 21504,
        model_type: 'gemma3_text',
        num_attention_heads: 32,
        num_hidden_layers: 62,
        num_key_value_heads: 16,
        query_pre_attn_scalar: 168,
        rope_scaling: { factor: 8.0, rope_type: 'linear' },
        sliding_window: 1024,
      },
      torch_dtype: 'bfloat16',
      transformers_version: '4.50.0.dev0',
      vision_config: GEMMA3_VISION_CONFIG,
    },
    derived: {
      ...GEMMA3_TEXT_DEFAULTS,
      layer_types: gemma3LayerTypes(62),
      sliding_attention_layers: 52,
      full_attention_layers: 10,
    },
    sources: [
      'NVIDIA/TensorRT-LLM tests (Gemma 3 VL modeling test fixture `GEMMA3_27B_MINI_CONFIG`, the 27B config.json with num_hidden_layers and sliding_window shrunk for CI; search-index:18147872047)',
      'search-index:62559293678 (`GEMMA3_27B_TEXT`, text part of the 27B config.json: 62 layers, sliding_window 1024, query_pre_attn_scalar 168)',
      SRC_GEMMA3_CONVERT,
      SRC_GEMMA3_CONFIG_PY,
      mlxLm('mlx_lm/models/gemma3_text.py'),
    ],
    notes:
      'The published text_config is sparse: vocab_size, max_position_embeddings, rope_theta, rope_local_base_freq and ' +
      'sliding_window_pattern are absent and come from Gemma3TextConfig defaults (in `derived`). Note vocab_size: the default ' +
      "262208 (what the checkpoint's embedding uses) differs from the 262144 tokenizer size used by the Orbax converter. " +
      'Layer pattern: layer i is global/full iff (i+1) % 6 == 0 (5 local : 1 global), so 10 full and 52 sliding-window (1024) layers. ' +
      'query_pre_attn_scalar 168 = 5376 / 32 (the 27B scales by hidden/heads, not by head_dim 128). The SigLIP vision tower ' +
      '(vision_config) adds weights too.',
  },
  {
    repo: 'google/gemma-3-12b-it',
    derivedRepos: ['bartowski/google_gemma-3-12b-it-GGUF'],
    config: {
      architectures: ['Gemma3ForConditionalGeneration'],
      boi_token_index: 255999,
      eoi_token_index: 256000,
      eos_token_id: [1, 106],
      image_token_index: 262144,
      initializer_range: 0.02,
      mm_tokens_per_image: 256,
      model_type: 'gemma3',
      text_config: {
        hidden_size: 3840,
        intermediate_size: 15360,
        model_type: 'gemma3_text',
        num_attention_heads: 16,
        num_hidden_layers: 48,
        num_key_value_heads: 8,
        rope_scaling: { factor: 8.0, rope_type: 'linear' },
        sliding_window: 1024,
      },
      vision_config: GEMMA3_VISION_CONFIG,
    },
    derived: {
      ...GEMMA3_TEXT_DEFAULTS,
      head_dim: 256,
      query_pre_attn_scalar: 256,
      layer_types: gemma3LayerTypes(48),
      sliding_attention_layers: 40,
      full_attention_layers: 8,
    },
    sources: [
      SRC_GEMMA3_CONVERT,
      'search-index:3438080689 (LTX-2 text encoder: the Gemma 3 12B Gemma3Config as serialized by transformers 4.57.3, incl. the 48-entry layer_types, rope_scaling linear ×8, sliding_window 1024, head_dim 256, query_pre_attn_scalar 256, vocab_size 262208)',
      SRC_GEMMA3_CONFIG_PY,
      mlxLm('mlx_lm/models/gemma3_text.py'),
    ],
    notes:
      'No verbatim google/gemma-3-12b-it config.json was found. text_config lists only the keys the 27B file spells out, with the ' +
      '12B values confirmed by the transformers Orbax converter (hidden 3840, FFN 3840·8/2 = 15360, 16 heads, 48 layers, 8 KV, ' +
      'window 1024) and by a full transformers serialization of a Gemma 3 12B derivative; torch_dtype/transformers_version ' +
      'were not confirmed and are left out. head_dim 256 and query_pre_attn_scalar 256 are class defaults (the 12B does not ' +
      'override them): 16 × 256 = 4096 > hidden 3840. 8 full layers, 40 sliding.',
  },

  // ------------------------------------------------------------------------------------------------ DeepSeek (MLA)
  {
    repo: 'deepseek-ai/DeepSeek-R1',
    derivedRepos: ['deepseek-ai/DeepSeek-V3', 'mlx-community/DeepSeek-V3.1-4bit', 'mlx-community/DeepSeek-V3.1-8bit'],
    config: {
      architectures: ['DeepseekV3ForCausalLM'],
      attention_bias: false,
      attention_dropout: 0.0,
      auto_map: {
        AutoConfig: 'configuration_deepseek.DeepseekV3Config',
        AutoModel: 'modeling_deepseek.DeepseekV3Model',
        AutoModelForCausalLM: 'modeling_deepseek.DeepseekV3ForCausalLM',
      },
      bos_token_id: 0,
      eos_token_id: 1,
      ep_size: 1,
      first_k_dense_replace: 3,
      hidden_act: 'silu',
      hidden_size: 7168,
      initializer_range: 0.02,
      intermediate_size: 18432,
      kv_lora_rank: 512,
      max_position_embeddings: 163840,
      model_type: 'deepseek_v3',
      moe_intermediate_size: 2048,
      moe_layer_freq: 1,
      n_group: 8,
      n_routed_experts: 256,
      n_shared_experts: 1,
      norm_topk_prob: true,
      num_attention_heads: 128,
      num_experts_per_tok: 8,
      num_hidden_layers: 61,
      num_key_value_heads: 128,
      num_nextn_predict_layers: 1,
      q_lora_rank: 1536,
      qk_nope_head_dim: 128,
      qk_rope_head_dim: 64,
      quantization_config: {
        activation_scheme: 'dynamic',
        fmt: 'e4m3',
        quant_method: 'fp8',
        weight_block_size: [128, 128],
      },
      rms_norm_eps: 1e-6,
      rope_scaling: {
        beta_fast: 32,
        beta_slow: 1,
        factor: 40,
        mscale: 1.0,
        mscale_all_dim: 1.0,
        original_max_position_embeddings: 4096,
        type: 'yarn',
      },
      rope_theta: 10000,
      routed_scaling_factor: 2.5,
      scoring_func: 'sigmoid',
      tie_word_embeddings: false,
      topk_group: 4,
      topk_method: 'noaux_tc',
      torch_dtype: 'bfloat16',
      transformers_version: '4.46.3',
      use_cache: true,
      v_head_dim: 128,
      vocab_size: 129280,
    },
    derived: { dense_layers: 3, moe_layers: 58 },
    sources: [
      SRC_PARAM_COUNTER,
      'search-index:66504138143 (`DEEPSEEK_V3` fixture: first_k_dense_replace 3, hidden 7168, intermediate 18432, kv_lora_rank 512, moe_intermediate 2048, 256 routed / 1 shared / top-8, 128 heads, 61 layers, 1 nextn layer, q_lora 1536, qk_nope 128, v_head 128, vocab 129280)',
      'search-index:55773634582 (MoE table citing modelscope deepseek-ai/DeepSeek-V3 config.json: 256 routed experts, moe_intermediate 2048, hidden 7168)',
      exoCard('mlx-community--DeepSeek-V3.1-4bit'),
      mlxLm('mlx_lm/models/deepseek_v3.py'),
    ],
    notes:
      'Multi-head latent attention: num_key_value_heads 128 is NOT what is cached. MLA-aware engines (mlx-lm deepseek_v3 caches ' +
      '`kv_latent` (kv_lora_rank 512) + `k_pe` (qk_rope_head_dim 64)) store 576 values per token per layer; an engine that ' +
      'materializes K/V stores 128 × (128 + 64) + 128 × 128 = 40960 per token per layer. Layers 0–2 are dense (intermediate 18432), ' +
      'layers 3–60 MoE (256 routed + 1 shared expert, top-8). num_nextn_predict_layers 1 is an extra MTP layer present in the HF ' +
      'checkpoint (weights) but not in num_hidden_layers. Weights ship FP8 (block 128×128). DeepSeek-V3 has the same architecture ' +
      'fields (fixture above); the mlx-community DeepSeek-V3.1 cards agree on 61 layers, hidden 7168, 128 KV heads.',
  },

  // ------------------------------------------------------------------------------------------------ Qwen2.5
  {
    repo: 'Qwen/Qwen2.5-72B-Instruct',
    derivedRepos: [],
    config: {
      architectures: ['Qwen2ForCausalLM'],
      attention_dropout: 0.0,
      bos_token_id: 151643,
      eos_token_id: 151645,
      hidden_act: 'silu',
      hidden_size: 8192,
      initializer_range: 0.02,
      intermediate_size: 29568,
      max_position_embeddings: 32768,
      max_window_layers: 70,
      model_type: 'qwen2',
      num_attention_heads: 64,
      num_hidden_layers: 80,
      num_key_value_heads: 8,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000.0,
      sliding_window: 131072,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      transformers_version: '4.43.1',
      use_cache: true,
      use_sliding_window: false,
      vocab_size: 152064,
    },
    derived: { head_dim: 128 },
    sources: [
      'search-index:62544871882 (model-info report quoting the raw Qwen2.5-72B-Instruct/config.json)',
      'search-index:3787775639 (test fixture with the same config and `_name_or_path: Qwen/Qwen2.5-72B-Instruct`)',
    ],
    notes:
      'sliding_window 131072 and max_window_layers 70 are inert because use_sliding_window is false. No head_dim key: 8192 / 64 = 128. ' +
      'vocab_size 152064 is the padded embedding size (larger than the tokenizer).',
  },

  // ------------------------------------------------------------------------------------------------ Mistral
  {
    repo: 'mistralai/Mistral-Small-3.1-24B-Instruct-2503',
    derivedRepos: [],
    config: {
      architectures: ['Mistral3ForConditionalGeneration'],
      image_token_index: 10,
      model_type: 'mistral3',
      multimodal_projector_bias: false,
      projector_hidden_act: 'gelu',
      spatial_merge_size: 2,
      text_config: {
        attention_dropout: 0.0,
        head_dim: 128,
        hidden_act: 'silu',
        hidden_size: 5120,
        initializer_range: 0.02,
        intermediate_size: 32768,
        max_position_embeddings: 131072,
        model_type: 'mistral',
        num_attention_heads: 32,
        num_hidden_layers: 40,
        num_key_value_heads: 8,
        rms_norm_eps: 1e-5,
        rope_theta: 1000000000.0,
        sliding_window: null,
        use_cache: true,
        vocab_size: 131072,
      },
      torch_dtype: 'bfloat16',
      transformers_version: '4.50.0.dev0',
    },
    sources: [
      'NVIDIA/TensorRT-LLM tests (Mistral 3 modeling test fixture `mistral_small_3_1_24b_config`, whose comment says num_hidden_layers was reduced "from the original 40" for CI; search-index:66981536)',
      'search-index:68399702759 (memory-estimator table: Mistral-Small-3.2-24B-Instruct-2506 text tower hidden 5120, 40 layers, FFN 32768, vocab 131072, 32 heads, 8 KV, head_dim 128, untied)',
    ],
    notes:
      "num_hidden_layers 40 restored from the fixture's own comment. vision_config (Pixtral tower, head_dim 64) was only partly " +
      'visible and is left out. head_dim 128 ≠ 5120 / 32 = 160. Mistral-Small-3.2-24B-Instruct-2506 appears to share these text ' +
      'dimensions (third-party table above) but its config.json was not seen, so it is not listed as a derived repo.',
  },
  {
    repo: 'mistralai/Mistral-7B-Instruct-v0.3',
    derivedRepos: [],
    config: {
      architectures: ['MistralForCausalLM'],
      attention_dropout: 0.0,
      bos_token_id: 1,
      eos_token_id: 2,
      hidden_act: 'silu',
      hidden_size: 4096,
      initializer_range: 0.02,
      intermediate_size: 14336,
      max_position_embeddings: 32768,
      model_type: 'mistral',
      num_attention_heads: 32,
      num_hidden_layers: 32,
      num_key_value_heads: 8,
      rms_norm_eps: 1e-5,
      rope_theta: 1000000.0,
      sliding_window: null,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      transformers_version: '4.42.0.dev0',
      use_cache: true,
      vocab_size: 32768,
    },
    derived: { head_dim: 128 },
    sources: [`${SRC_MLC_PRESETS} (preset "mistral_7b_v03")`],
    notes:
      'The mlc-llm preset is named for v0.3 without saying base or Instruct. v0.3 has NO sliding window (sliding_window null, ' +
      "rope_theta 1e6); some third-party tables still show v0.1's sliding_window 4096 / rope_theta 1e4 for v0.3 — wrong.",
  },

  // ------------------------------------------------------------------------------------------------ IBM Granite 4.0 (hybrid)
  {
    repo: 'ibm-granite/granite-4.0-h-small',
    derivedRepos: [],
    config: {
      model_type: 'granitemoehybrid',
      hidden_size: 4096,
      num_hidden_layers: 40,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      num_local_experts: 72,
      num_experts_per_tok: 10,
      shared_intermediate_size: 1536,
      intermediate_size: 768,
      mamba_d_state: 128,
      mamba_d_conv: 4,
      mamba_expand: 2,
      tie_word_embeddings: true,
      vocab_size: 100352,
      torch_dtype: 'bfloat16',
    },
    derived: { mamba_layers: 36, attention_layers: 4 },
    sources: [
      'search-index:57624389648 (worked example quoting ibm-granite/granite-4.0-h-small/config.json "relevant fields only, fetched live", and Counter(layer_types) = {mamba: 36, attention: 4})',
      'search-index:65760752905 (fixture "trimmed from the real published file": granitemoehybrid, 40 layers, 32 heads, hidden 4096, 72 experts, mamba_d_state 128, 36 mamba + 4 attention)',
      mlxLm('mlx_lm/models/granitemoehybrid.py'),
    ],
    notes:
      'Partial: only the fields quoted by the sources. layer_types has 36 "mamba" and 4 "attention" entries, but their positions ' +
      'were not confirmed, so the list itself is omitted (only the 4 attention layers hold a KV cache). mamba_n_heads, ' +
      'mamba_d_head, mamba_n_groups, max_position_embeddings and rope settings were not confirmed (the per-sequence Mamba2 ' +
      'state size depends on them: mlx-lm uses n_heads × d_head as the inner size). Every layer also has a MoE FFN: 72 experts ' +
      '(intermediate 768), 10 active, plus a shared expert of 1536.',
  },

  // ------------------------------------------------------------------------------------------------ Microsoft Phi-4
  {
    repo: 'microsoft/phi-4',
    derivedRepos: [],
    config: {
      model_type: 'phi3',
      hidden_size: 5120,
      num_hidden_layers: 40,
      num_attention_heads: 40,
      num_key_value_heads: 10,
      intermediate_size: 17920,
      vocab_size: 100352,
      max_position_embeddings: 16384,
      rope_theta: 250000.0,
      rms_norm_eps: 1e-5,
      hidden_act: 'silu',
      tie_word_embeddings: false,
    },
    derived: { head_dim: 128 },
    sources: [
      'search-index:58758253061 (`phi4_config_json` fixture: phi3, hidden 5120, 40 layers, 40 heads, 10 KV, FFN 17920, vocab 100352, max_position_embeddings 16384, rope_theta 250000)',
      'search-index:52502389160 (`phi4-14b` table: same dims, head_dim 128, rms 1e-5, rope_theta 250000, untied embeddings)',
    ],
    notes:
      'Assembled from two independent third-party copies that agree on every recorded field; no verbatim microsoft/phi-4 ' +
      'config.json was seen (architectures, torch_dtype, sliding_window not confirmed). head_dim = 5120 / 40 = 128.',
  },
]

// ---------------------------------------------------------------------------------------------------------
// MLX conversions
// ---------------------------------------------------------------------------------------------------------

const SRC_MLX_LM_QUANT =
  mlxLm('mlx_lm/utils.py') +
  ' (quantize_model: writes {"group_size", "bits", "mode"} into config["quantization"] and copies it to "quantization_config"; affine default group 64 / 4 bits, mxfp4 32 / 4)'

const MLX_NOTE_NBIT =
  "bits from the exo label and the repo name; group_size/mode of the published block not confirmed (mlx-lm's affine default is " +
  'group_size 64; older mlx-lm versions wrote only {"group_size", "bits"}).'
const MLX_NOTE_UNQUANT = 'Unquantized conversion per the exo label; no quantization block expected (not confirmed).'
const MLX_NOTE_MXFP4_Q8 = 'Mixed conversion (exo label "MXFP4-Q8"); its per-layer quantization block was not seen, so nothing is recorded for it.'

function mlx(repo: string, baseRepo: string, label: string, storageBytesApprox: number): MlxQuantizationFact {
  const bitsMatch = /^(\d+)bit$/.exec(label)
  const bits = bitsMatch ? Number(bitsMatch[1]) : undefined
  const note = bits !== undefined ? MLX_NOTE_NBIT : label === 'MXFP4-Q8' ? MLX_NOTE_MXFP4_Q8 : MLX_NOTE_UNQUANT
  return {
    repo,
    baseRepo,
    quantization: bits !== undefined ? { bits } : {},
    sources: [exoCard(repo.replace('/', '--')), SRC_MLX_LM_QUANT],
    label,
    storageBytesApprox,
    notes: note,
  }
}

export const MLX_QUANTIZATIONS: readonly MlxQuantizationFact[] = [
  mlx('mlx-community/Llama-3.3-70B-Instruct-4bit', 'meta-llama/Llama-3.3-70B-Instruct', '4bit', 40652242944),
  mlx('mlx-community/Llama-3.3-70B-Instruct-8bit', 'meta-llama/Llama-3.3-70B-Instruct', '8bit', 76799803392),
  mlx('mlx-community/llama-3.3-70b-instruct-fp16', 'meta-llama/Llama-3.3-70B-Instruct', 'fp16', 144383672320),
  mlx('mlx-community/Meta-Llama-3.1-8B-Instruct-4bit', 'meta-llama/Llama-3.1-8B-Instruct', '4bit', 4637851648),
  mlx('mlx-community/Meta-Llama-3.1-8B-Instruct-8bit', 'meta-llama/Llama-3.1-8B-Instruct', '8bit', 8954839040),
  mlx('mlx-community/Meta-Llama-3.1-8B-Instruct-bf16', 'meta-llama/Llama-3.1-8B-Instruct', 'bf16', 16882073600),
  mlx('mlx-community/Qwen3-30B-A3B-4bit', 'Qwen/Qwen3-30B-A3B', '4bit', 17612931072),
  mlx('mlx-community/Qwen3-30B-A3B-8bit', 'Qwen/Qwen3-30B-A3B', '8bit', 33279705088),
  mlx('mlx-community/Qwen3-235B-A22B-Instruct-2507-4bit', 'Qwen/Qwen3-235B-A22B-Instruct-2507', '4bit', 141733920768),
  mlx('mlx-community/Qwen3-235B-A22B-Instruct-2507-8bit', 'Qwen/Qwen3-235B-A22B-Instruct-2507', '8bit', 268435456000),
  mlx('mlx-community/Qwen3-Next-80B-A3B-Instruct-4bit', 'Qwen/Qwen3-Next-80B-A3B-Instruct', '4bit', 46976204800),
  mlx('mlx-community/Qwen3-Next-80B-A3B-Instruct-8bit', 'Qwen/Qwen3-Next-80B-A3B-Instruct', '8bit', 88814387200),
  mlx('mlx-community/gpt-oss-20b-MXFP4-Q8', 'openai/gpt-oss-20b', 'MXFP4-Q8', 12025908224),
  mlx('mlx-community/gpt-oss-120b-MXFP4-Q8', 'openai/gpt-oss-120b', 'MXFP4-Q8', 70652212224),
  mlx('mlx-community/GLM-4.5-Air-8bit', 'zai-org/GLM-4.5-Air', '8bit', 122406567936),
  mlx('mlx-community/GLM-4.5-Air-bf16', 'zai-org/GLM-4.5-Air', 'bf16', 229780750336),
  mlx('mlx-community/DeepSeek-V3.1-4bit', 'deepseek-ai/DeepSeek-V3.1', '4bit', 405874409472),
  mlx('mlx-community/DeepSeek-V3.1-8bit', 'deepseek-ai/DeepSeek-V3.1', '8bit', 765577920512),
]

// ---------------------------------------------------------------------------------------------------------
// GGUF repos
// ---------------------------------------------------------------------------------------------------------

export const GGUF_REPOS: readonly GgufRepoFact[] = [
  {
    repo: 'bartowski/Qwen_Qwen3-32B-GGUF',
    baseRepo: 'Qwen/Qwen3-32B',
    files: [
      {
        quant: 'Q4_K_M',
        paths: ['Qwen_Qwen3-32B-Q4_K_M.gguf'],
        split: false,
        notes: 'Path from the README\'s own `huggingface-cli download … --include "Qwen_Qwen3-32B-Q4_K_M.gguf"` line; size not captured.',
      },
      {
        quant: 'Q8_0',
        paths: ['Qwen_Qwen3-32B-Q8_0.gguf'],
        bytesRounded: '34.82GB',
        split: false,
        notes: 'Size and split=false from the README table, whose link text omits the "Qwen_" prefix; the path assumes the prefix used by the README download command.',
      },
      {
        quant: 'Q6_K_L',
        paths: [],
        bytesRounded: '27.26GB',
        split: false,
        notes: 'Q8_0 embed/output weights. Exact path not confirmed.',
      },
      {
        quant: 'bf16',
        paths: [],
        bytesRounded: '65.53GB',
        split: true,
        notes: 'Split (over 50GB): shards live in a folder named after the quant; shard names/count not confirmed.',
      },
    ],
    sources: ['https://model.aibase.com/zh/models/details/1924737620894814208 (mirror of the bartowski/Qwen_Qwen3-32B-GGUF README, llama.cpp b5200)'],
    notes: 'The README says files over 50GB are split and downloaded with --include "<name>/*" (folder per quant).',
  },
  {
    repo: 'bartowski/openai_gpt-oss-20b-GGUF',
    baseRepo: 'openai/gpt-oss-20b',
    files: [
      {
        quant: 'MXFP4',
        paths: ['openai_gpt-oss-20b-MXFP4.gguf'],
        bytesRounded: '12.1GB',
        split: false,
        notes: 'Path from the README link URL; "Full MXFP4 weights, recommended".',
      },
      {
        quant: 'Q6_K',
        paths: [],
        bytesRounded: '12.04GB',
        split: false,
        notes: 'README: every quant keeps the FFN (experts) at MXFP4, so sizes barely differ. Exact path not confirmed.',
      },
    ],
    sources: ['https://huggingface.erdda.com/bartowski/openai_gpt-oss-20b-GGUF/blob/main/README.md?code=true', 'https://mygguf.com/models/bartowski_openai_gpt-oss-20b-GGUF.html'],
  },
  {
    repo: 'ggml-org/gpt-oss-120b-GGUF',
    baseRepo: 'openai/gpt-oss-120b',
    files: [
      {
        quant: 'MXFP4',
        paths: ['gpt-oss-120b-mxfp4-00001-of-00003.gguf', 'gpt-oss-120b-mxfp4-00002-of-00003.gguf', 'gpt-oss-120b-mxfp4-00003-of-00003.gguf'],
        bytesRounded: '~60 GB (third-party download-size note, total of the 3 shards)',
        split: true,
        notes: 'Shard 1 name seen in a llama-server command (snapshot root, no subfolder); "GGUF (3 shards)". Shards 2 and 3 follow ' + 'the gguf-split naming rule and were not seen directly.',
      },
    ],
    sources: ['https://gperdrizet.github.io/llms-demo/models.html'],
  },
]

// ---------------------------------------------------------------------------------------------------------
// Lookup helpers
// ---------------------------------------------------------------------------------------------------------

function normalizeRepo(repo: string): string {
  return repo.trim().toLowerCase()
}

/** Finds the entry whose repo or derivedRepos matches `repo`, case-insensitively. */
export function findCatalogEntry(repo: string): CatalogEntry | undefined {
  const wanted = normalizeRepo(repo)
  if (wanted === '') return undefined
  return MODEL_CATALOG.find((entry) => normalizeRepo(entry.repo) === wanted || entry.derivedRepos.some((d) => normalizeRepo(d) === wanted))
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The language-model fields of an entry: `text_config` when the config nests one (Gemma 3, Mistral 3), else the
 * top-level config, with `derived` defaults filled in underneath (published values win).
 */
export function textConfigOf(entry: CatalogEntry): Readonly<Record<string, unknown>> {
  const nested = entry.config['text_config']
  const text = isRecord(nested) ? nested : entry.config
  return { ...entry.derived, ...text }
}
