/**
 * The families users run, as their published config.json files say (the text-model keys fleet reads, copied from the
 * Hub repo named in `repo`, or taken from fleet's catalog where it already holds that config), with the GGUF architecture llama.cpp's converter writes for each
 * (convert_hf_to_gguf.py `model_arch`). Test repos built from these have the real shapes; their weight data is sparse.
 */
import { findCatalogEntry, textConfigOf } from '../../src/catalog/model-configs.ts'
import type { SafetensorsTensorSpec } from './model-files.ts'
import { meta, type GgufMetaInput, type GgufTensorSpec } from './model-files.ts'

export interface FamilyConfig {
  readonly repo: string
  /** general.architecture of the GGUF conversion. */
  readonly ggufArch: string
  readonly config: Readonly<Record<string, unknown>>
  /** GGUF keys the converter adds beyond the standard ones (sliding window, experts …). */
  readonly ggufExtra?: readonly (readonly [string, GgufMetaInput])[]
}

/** A family fleet's catalog already carries (its published config.json, with the catalog's citation): reuse it. */
function catalogConfig(repo: string): Readonly<Record<string, unknown>> {
  const entry = findCatalogEntry(repo)
  if (!entry) throw new Error(`${repo} is not in src/catalog/model-configs.ts`)
  return textConfigOf(entry)
}

export const FAMILIES = {
  gemma2: {
    repo: 'google/gemma-2-9b-it',
    ggufArch: 'gemma2',
    config: {
      model_type: 'gemma2',
      hidden_size: 3584,
      num_hidden_layers: 42,
      num_attention_heads: 16,
      num_key_value_heads: 8,
      head_dim: 256,
      intermediate_size: 14336,
      vocab_size: 256000,
      max_position_embeddings: 8192,
      sliding_window: 4096,
      torch_dtype: 'bfloat16',
    },
    ggufExtra: [['gemma2.attention.sliding_window', meta.u32(4096)]],
  },
  gemma3: {
    repo: 'google/gemma-3-27b-it (text_config)',
    ggufArch: 'gemma3',
    config: catalogConfig('google/gemma-3-27b-it'),
    ggufExtra: [['gemma3.attention.sliding_window', meta.u32(1024)]],
  },
  olmoe: {
    repo: 'allenai/OLMoE-1B-7B-0924',
    ggufArch: 'olmoe',
    config: {
      model_type: 'olmoe',
      hidden_size: 2048,
      num_hidden_layers: 16,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      intermediate_size: 1024,
      num_experts: 64,
      num_experts_per_tok: 8,
      vocab_size: 50304,
      max_position_embeddings: 4096,
      torch_dtype: 'bfloat16',
    },
  },
  mixtral: {
    repo: 'mistralai/Mixtral-8x7B-Instruct-v0.1',
    ggufArch: 'llama',
    config: {
      model_type: 'mixtral',
      hidden_size: 4096,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      intermediate_size: 14336,
      num_local_experts: 8,
      num_experts_per_tok: 2,
      vocab_size: 32000,
      max_position_embeddings: 32768,
      sliding_window: null,
      torch_dtype: 'bfloat16',
    },
  },
  qwen2moe: {
    repo: 'Qwen/Qwen1.5-MoE-A2.7B',
    ggufArch: 'qwen2moe',
    config: {
      model_type: 'qwen2_moe',
      hidden_size: 2048,
      num_hidden_layers: 24,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      intermediate_size: 5632,
      moe_intermediate_size: 1408,
      shared_expert_intermediate_size: 5632,
      num_experts: 60,
      num_experts_per_tok: 4,
      vocab_size: 151936,
      max_position_embeddings: 8192,
      torch_dtype: 'bfloat16',
    },
  },
  qwen3moe: {
    repo: 'Qwen/Qwen3-30B-A3B',
    ggufArch: 'qwen3moe',
    config: catalogConfig('Qwen/Qwen3-30B-A3B'),
  },
  llama4: {
    repo: 'meta-llama/Llama-4-Scout-17B-16E-Instruct (text_config)',
    ggufArch: 'llama4',
    config: {
      model_type: 'llama4_text',
      hidden_size: 5120,
      num_hidden_layers: 48,
      num_attention_heads: 40,
      num_key_value_heads: 8,
      head_dim: 128,
      intermediate_size: 8192,
      intermediate_size_mlp: 16384,
      num_local_experts: 16,
      num_experts_per_tok: 1,
      interleave_moe_layer_step: 1,
      attention_chunk_size: 8192,
      vocab_size: 202048,
      max_position_embeddings: 10485760,
      torch_dtype: 'bfloat16',
    },
    ggufExtra: [['llama4.interleave_moe_layer_step', meta.u32(1)]],
  },
  glm4: {
    repo: 'THUDM/GLM-4-9B-0414',
    ggufArch: 'glm4',
    config: {
      model_type: 'glm4',
      hidden_size: 4096,
      num_hidden_layers: 40,
      num_attention_heads: 32,
      num_key_value_heads: 2,
      head_dim: 128,
      intermediate_size: 13696,
      vocab_size: 151552,
      max_position_embeddings: 32768,
      torch_dtype: 'bfloat16',
    },
  },
  'glm45-air': {
    repo: 'zai-org/GLM-4.5-Air',
    ggufArch: 'glm4moe',
    config: {
      model_type: 'glm4_moe',
      hidden_size: 4096,
      num_hidden_layers: 46,
      num_attention_heads: 96,
      num_key_value_heads: 8,
      head_dim: 128,
      intermediate_size: 10944,
      moe_intermediate_size: 1408,
      n_routed_experts: 128,
      n_shared_experts: 1,
      num_experts_per_tok: 8,
      first_k_dense_replace: 1,
      vocab_size: 151552,
      max_position_embeddings: 131072,
      torch_dtype: 'bfloat16',
    },
    ggufExtra: [
      ['glm4moe.leading_dense_block_count', meta.u32(1)],
      ['glm4moe.expert_shared_count', meta.u32(1)],
    ],
  },
  phi4: {
    repo: 'microsoft/phi-4',
    ggufArch: 'phi3',
    config: catalogConfig('microsoft/phi-4'),
  },
  'mistral-small': {
    repo: 'mistralai/Mistral-Small-24B-Instruct-2501',
    ggufArch: 'llama',
    config: {
      model_type: 'mistral',
      hidden_size: 5120,
      num_hidden_layers: 40,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      head_dim: 128,
      intermediate_size: 32768,
      vocab_size: 131072,
      max_position_embeddings: 32768,
      sliding_window: null,
      torch_dtype: 'bfloat16',
    },
  },
  granite: {
    repo: 'ibm-granite/granite-3.1-8b-instruct',
    ggufArch: 'granite',
    config: {
      model_type: 'granite',
      hidden_size: 4096,
      num_hidden_layers: 40,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      intermediate_size: 12800,
      vocab_size: 49155,
      max_position_embeddings: 131072,
      tie_word_embeddings: true,
      torch_dtype: 'bfloat16',
    },
  },
  'command-r': {
    repo: 'CohereForAI/c4ai-command-r-v01',
    ggufArch: 'command-r',
    config: {
      model_type: 'cohere',
      hidden_size: 8192,
      num_hidden_layers: 40,
      num_attention_heads: 64,
      num_key_value_heads: 64,
      intermediate_size: 22528,
      vocab_size: 256000,
      max_position_embeddings: 131072,
      tie_word_embeddings: true,
      torch_dtype: 'float16',
    },
  },
  'command-r7b': {
    repo: 'CohereForAI/c4ai-command-r7b-12-2024',
    ggufArch: 'cohere2',
    config: {
      model_type: 'cohere2',
      hidden_size: 4096,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      intermediate_size: 14336,
      vocab_size: 256000,
      max_position_embeddings: 8192,
      sliding_window: 4096,
      sliding_window_pattern: 4,
      tie_word_embeddings: true,
      torch_dtype: 'bfloat16',
    },
    ggufExtra: [['cohere2.attention.sliding_window', meta.u32(4096)]],
  },
  'gpt-oss': {
    repo: 'openai/gpt-oss-20b',
    ggufArch: 'gpt-oss',
    config: catalogConfig('openai/gpt-oss-20b'),
    ggufExtra: [['gpt-oss.attention.sliding_window', meta.u32(128)]],
  },
} as const satisfies Record<string, FamilyConfig>

const n = (c: Readonly<Record<string, unknown>>, k: string): number | undefined => (typeof c[k] === 'number' ? (c[k] as number) : undefined)

interface Dims {
  hidden: number
  layers: number
  heads: number
  kvHeads: number
  headDim: number
  ff: number
  vocab: number
  experts: number
  used: number
  expertFf: number
  sharedFf: number
  firstDense: number
}

function dimsOf(c: Readonly<Record<string, unknown>>): Dims {
  const hidden = n(c, 'hidden_size')!
  const heads = n(c, 'num_attention_heads')!
  const experts = n(c, 'num_experts') ?? n(c, 'num_local_experts') ?? n(c, 'n_routed_experts') ?? 0
  return {
    hidden,
    layers: n(c, 'num_hidden_layers')!,
    heads,
    kvHeads: n(c, 'num_key_value_heads') ?? heads,
    headDim: n(c, 'head_dim') ?? hidden / heads,
    ff: n(c, 'intermediate_size_mlp') ?? n(c, 'intermediate_size')!,
    vocab: n(c, 'vocab_size')!,
    experts,
    used: n(c, 'num_experts_per_tok') ?? 0,
    expertFf: n(c, 'moe_intermediate_size') ?? n(c, 'intermediate_size')!,
    sharedFf: n(c, 'shared_expert_intermediate_size') ?? (n(c, 'n_shared_experts') ?? 0) * (n(c, 'moe_intermediate_size') ?? 0),
    firstDense: n(c, 'first_k_dense_replace') ?? 0,
  }
}

/** A bf16 safetensors tensor table with transformers' names (routed experts as `mlp.experts.N.*`). */
export function familySafetensors(f: FamilyConfig): SafetensorsTensorSpec[] {
  const d = dimsOf(f.config)
  const t = (name: string, shape: number[]): SafetensorsTensorSpec => ({ name, dtype: 'BF16', shape })
  const out: SafetensorsTensorSpec[] = [t('model.embed_tokens.weight', [d.vocab, d.hidden])]
  for (let i = 0; i < d.layers; i++) {
    const p = `model.layers.${i}`
    out.push(
      t(`${p}.input_layernorm.weight`, [d.hidden]),
      t(`${p}.self_attn.q_proj.weight`, [d.heads * d.headDim, d.hidden]),
      t(`${p}.self_attn.k_proj.weight`, [d.kvHeads * d.headDim, d.hidden]),
      t(`${p}.self_attn.v_proj.weight`, [d.kvHeads * d.headDim, d.hidden]),
      t(`${p}.self_attn.o_proj.weight`, [d.hidden, d.heads * d.headDim]),
      t(`${p}.post_attention_layernorm.weight`, [d.hidden]),
    )
    if (d.experts > 0 && i >= d.firstDense) {
      out.push(t(`${p}.mlp.gate.weight`, [d.experts, d.hidden]))
      for (let e = 0; e < d.experts; e++) {
        out.push(
          t(`${p}.mlp.experts.${e}.gate_proj.weight`, [d.expertFf, d.hidden]),
          t(`${p}.mlp.experts.${e}.up_proj.weight`, [d.expertFf, d.hidden]),
          t(`${p}.mlp.experts.${e}.down_proj.weight`, [d.hidden, d.expertFf]),
        )
      }
      if (d.sharedFf > 0)
        out.push(
          t(`${p}.mlp.shared_expert.gate_proj.weight`, [d.sharedFf, d.hidden]),
          t(`${p}.mlp.shared_expert.up_proj.weight`, [d.sharedFf, d.hidden]),
          t(`${p}.mlp.shared_expert.down_proj.weight`, [d.hidden, d.sharedFf]),
        )
    } else {
      out.push(t(`${p}.mlp.gate_proj.weight`, [d.ff, d.hidden]), t(`${p}.mlp.up_proj.weight`, [d.ff, d.hidden]), t(`${p}.mlp.down_proj.weight`, [d.hidden, d.ff]))
    }
  }
  out.push(t('model.norm.weight', [d.hidden]))
  if (f.config.tie_word_embeddings !== true && !f.ggufArch.startsWith('gemma')) out.push(t('lm_head.weight', [d.vocab, d.hidden]))
  return out
}

/** The GGUF header the converter would write: standard keys, the family's extras, Q8_0 matrices, F32 norms. */
export function familyGguf(f: FamilyConfig): { metadata: [string, GgufMetaInput][]; tensors: GgufTensorSpec[] } {
  const d = dimsOf(f.config)
  const a = f.ggufArch
  const metadata: [string, GgufMetaInput][] = [
    ['general.architecture', meta.string(a)],
    [`${a}.block_count`, meta.u32(d.layers)],
    [`${a}.context_length`, meta.u32(Math.min(n(f.config, 'max_position_embeddings')!, 2 ** 31))],
    [`${a}.embedding_length`, meta.u32(d.hidden)],
    [`${a}.feed_forward_length`, meta.u32(d.ff)],
    [`${a}.attention.head_count`, meta.u32(d.heads)],
    [`${a}.attention.head_count_kv`, meta.u32(d.kvHeads)],
    [`${a}.attention.key_length`, meta.u32(d.headDim)],
    [`${a}.attention.value_length`, meta.u32(d.headDim)],
    [`${a}.vocab_size`, meta.u32(d.vocab)],
  ]
  if (d.experts > 0) metadata.push([`${a}.expert_count`, meta.u32(d.experts)], [`${a}.expert_used_count`, meta.u32(d.used)], [`${a}.expert_feed_forward_length`, meta.u32(d.expertFf)])
  metadata.push(...(f.ggufExtra ?? []).map(([k, v]) => [k, v] as [string, GgufMetaInput]))
  const m = (name: string, shape: number[]): GgufTensorSpec => ({ name, shape, type: 'Q8_0' })
  const fl = (name: string, shape: number[]): GgufTensorSpec => ({ name, shape, type: 'F32' })
  const tensors: GgufTensorSpec[] = [m('token_embd.weight', [d.hidden, d.vocab])]
  for (let i = 0; i < d.layers; i++) {
    const b = `blk.${i}`
    tensors.push(
      fl(`${b}.attn_norm.weight`, [d.hidden]),
      m(`${b}.attn_q.weight`, [d.hidden, d.heads * d.headDim]),
      m(`${b}.attn_k.weight`, [d.hidden, d.kvHeads * d.headDim]),
      m(`${b}.attn_v.weight`, [d.hidden, d.kvHeads * d.headDim]),
      m(`${b}.attn_output.weight`, [d.heads * d.headDim, d.hidden]),
      fl(`${b}.ffn_norm.weight`, [d.hidden]),
    )
    if (d.experts > 0 && i >= d.firstDense) {
      tensors.push(
        fl(`${b}.ffn_gate_inp.weight`, [d.hidden, d.experts]),
        m(`${b}.ffn_gate_exps.weight`, [d.hidden, d.expertFf, d.experts]),
        m(`${b}.ffn_up_exps.weight`, [d.hidden, d.expertFf, d.experts]),
        m(`${b}.ffn_down_exps.weight`, [d.expertFf, d.hidden, d.experts]),
      )
    } else {
      tensors.push(m(`${b}.ffn_gate.weight`, [d.hidden, d.ff]), m(`${b}.ffn_up.weight`, [d.hidden, d.ff]), m(`${b}.ffn_down.weight`, [d.ff, d.hidden]))
    }
  }
  tensors.push(fl('output_norm.weight', [d.hidden]))
  if (f.config.tie_word_embeddings !== true && !a.startsWith('gemma')) tensors.push(m('output.weight', [d.hidden, d.vocab]))
  return { metadata, tensors }
}
