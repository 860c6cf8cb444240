/**
 * GGUF headers of real model shapes for the oracle tests: the hyperparameters of each family's published config.json
 * (cited per model) and the tensor set llama.cpp's loader asks for (src/models/<arch>.cpp load_arch_tensors at the
 * build node-llama-cpp bundles). Matrices are Q8_0, norms and routers F32; the data section is left sparse.
 */
import { meta, type GgufMetaInput, type GgufTensorSpec } from '../support/model-files.ts'

export interface OracleModelSpec {
  /** A label for test names, and where the shape comes from. */
  readonly name: string
  readonly source: string
  readonly arch: string
  readonly layers: number
  readonly hidden: number
  readonly heads: number
  readonly kvHeads: number
  readonly headDim: number
  readonly ff: number
  readonly vocab: number
  readonly context: number
  /** Per-head q/k RMS norms (qwen3: head_dim wide) or full-width ones (olmoe: n_embd wide). */
  readonly qkNorm?: 'head' | 'full'
  /** Gemma 2's post-attention and post-FFN norms. */
  readonly postNorms?: boolean
  /** No output.weight: llama.cpp reuses token_embd. */
  readonly tiedOutput?: boolean
  readonly qkvBias?: boolean
  readonly moe?: { readonly experts: number; readonly used: number; readonly ff: number }
  readonly slidingWindow?: number
  readonly extraMetadata?: readonly (readonly [string, GgufMetaInput])[]
}

/** An SPM vocabulary llama.cpp accepts: <unk>, <s>, </s>, the 256 byte tokens, then fillers. */
function vocabulary(size: number): { tokens: string[]; types: number[] } {
  const tokens: string[] = []
  const types: number[] = []
  for (let i = 0; i < size; i++) {
    if (i < 3) {
      tokens.push(['<unk>', '<s>', '</s>'][i]!)
      types.push(3)
    } else if (i < 259) {
      tokens.push(`<0x${(i - 3).toString(16).toUpperCase().padStart(2, '0')}>`)
      types.push(6)
    } else {
      tokens.push(`t${i}`)
      types.push(1)
    }
  }
  return { tokens, types }
}

export function oracleGguf(spec: OracleModelSpec): { metadata: [string, GgufMetaInput][]; tensors: GgufTensorSpec[] } {
  const a = spec.arch
  const q = spec.heads * spec.headDim
  const kv = spec.kvHeads * spec.headDim
  const { tokens, types } = vocabulary(spec.vocab)
  const metadata: [string, GgufMetaInput][] = [
    ['general.architecture', meta.string(a)],
    ['general.file_type', meta.u32(7)],
    [`${a}.block_count`, meta.u32(spec.layers)],
    [`${a}.context_length`, meta.u32(spec.context)],
    [`${a}.embedding_length`, meta.u32(spec.hidden)],
    [`${a}.feed_forward_length`, meta.u32(spec.ff)],
    [`${a}.attention.head_count`, meta.u32(spec.heads)],
    [`${a}.attention.head_count_kv`, meta.u32(spec.kvHeads)],
    [`${a}.attention.key_length`, meta.u32(spec.headDim)],
    [`${a}.attention.value_length`, meta.u32(spec.headDim)],
    [`${a}.rope.dimension_count`, meta.u32(spec.headDim)],
    [`${a}.attention.layer_norm_rms_epsilon`, meta.f32(1e-6)],
    ['tokenizer.ggml.model', meta.string('llama')],
    ['tokenizer.ggml.tokens', meta.array('string', tokens)],
    [
      'tokenizer.ggml.scores',
      meta.array(
        'f32',
        tokens.map(() => 0),
      ),
    ],
    ['tokenizer.ggml.token_type', meta.array('i32', types)],
  ]
  if (spec.moe) {
    metadata.push([`${a}.expert_count`, meta.u32(spec.moe.experts)], [`${a}.expert_used_count`, meta.u32(spec.moe.used)], [`${a}.expert_feed_forward_length`, meta.u32(spec.moe.ff)])
  }
  if (spec.slidingWindow !== undefined) metadata.push([`${a}.attention.sliding_window`, meta.u32(spec.slidingWindow)])
  metadata.push(...(spec.extraMetadata ?? []).map(([k, v]) => [k, v] as [string, GgufMetaInput]))

  const m = (name: string, shape: number[]): GgufTensorSpec => ({ name, shape, type: 'Q8_0' })
  const f = (name: string, shape: number[]): GgufTensorSpec => ({ name, shape, type: 'F32' })
  const tensors: GgufTensorSpec[] = [m('token_embd.weight', [spec.hidden, spec.vocab])]
  for (let i = 0; i < spec.layers; i++) {
    const b = `blk.${i}`
    tensors.push(f(`${b}.attn_norm.weight`, [spec.hidden]), m(`${b}.attn_q.weight`, [spec.hidden, q]), m(`${b}.attn_k.weight`, [spec.hidden, kv]), m(`${b}.attn_v.weight`, [spec.hidden, kv]))
    tensors.push(m(`${b}.attn_output.weight`, [q, spec.hidden]))
    if (spec.qkvBias) tensors.push(f(`${b}.attn_q.bias`, [q]), f(`${b}.attn_k.bias`, [kv]), f(`${b}.attn_v.bias`, [kv]))
    if (spec.qkNorm === 'head') tensors.push(f(`${b}.attn_q_norm.weight`, [spec.headDim]), f(`${b}.attn_k_norm.weight`, [spec.headDim]))
    if (spec.qkNorm === 'full') tensors.push(f(`${b}.attn_q_norm.weight`, [q]), f(`${b}.attn_k_norm.weight`, [kv]))
    if (spec.postNorms) tensors.push(f(`${b}.post_attention_norm.weight`, [spec.hidden]), f(`${b}.post_ffw_norm.weight`, [spec.hidden]))
    tensors.push(f(`${b}.ffn_norm.weight`, [spec.hidden]))
    if (spec.moe) {
      const e = spec.moe
      tensors.push(
        f(`${b}.ffn_gate_inp.weight`, [spec.hidden, e.experts]),
        m(`${b}.ffn_gate_exps.weight`, [spec.hidden, e.ff, e.experts]),
        m(`${b}.ffn_up_exps.weight`, [spec.hidden, e.ff, e.experts]),
        m(`${b}.ffn_down_exps.weight`, [e.ff, spec.hidden, e.experts]),
      )
    } else {
      tensors.push(m(`${b}.ffn_gate.weight`, [spec.hidden, spec.ff]), m(`${b}.ffn_up.weight`, [spec.hidden, spec.ff]), m(`${b}.ffn_down.weight`, [spec.ff, spec.hidden]))
    }
  }
  tensors.push(f('output_norm.weight', [spec.hidden]))
  if (!spec.tiedOutput) tensors.push(m('output.weight', [spec.hidden, spec.vocab]))
  return { metadata, tensors }
}

/** Published configs (config.json on the Hub, at the repos named). */
export const ORACLE_MODELS = {
  llama31_8b: {
    name: 'Llama-3.1-8B',
    source: 'meta-llama/Llama-3.1-8B-Instruct config.json',
    arch: 'llama',
    layers: 32,
    hidden: 4096,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    ff: 14336,
    vocab: 128256,
    context: 131072,
  },
  qwen3_8b: {
    name: 'Qwen3-8B',
    source: 'Qwen/Qwen3-8B config.json',
    arch: 'qwen3',
    layers: 36,
    hidden: 4096,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    ff: 12288,
    vocab: 151936,
    context: 40960,
    qkNorm: 'head',
  },
  qwen25_7b: {
    name: 'Qwen2.5-7B',
    source: 'Qwen/Qwen2.5-7B-Instruct config.json',
    arch: 'qwen2',
    layers: 28,
    hidden: 3584,
    heads: 28,
    kvHeads: 4,
    headDim: 128,
    ff: 18944,
    vocab: 152064,
    context: 32768,
    qkvBias: true,
  },
  gemma2_9b: {
    name: 'gemma-2-9b',
    source: 'google/gemma-2-9b-it config.json (sliding_window 4096, alternating layers)',
    arch: 'gemma2',
    layers: 42,
    hidden: 3584,
    heads: 16,
    kvHeads: 8,
    headDim: 256,
    ff: 14336,
    vocab: 256000,
    context: 8192,
    postNorms: true,
    tiedOutput: true,
    slidingWindow: 4096,
  },
  qwen3_30b_a3b: {
    name: 'Qwen3-30B-A3B',
    source: 'Qwen/Qwen3-30B-A3B config.json',
    arch: 'qwen3moe',
    layers: 48,
    hidden: 2048,
    heads: 32,
    kvHeads: 4,
    headDim: 128,
    ff: 6144,
    vocab: 151936,
    context: 40960,
    qkNorm: 'head',
    moe: { experts: 128, used: 8, ff: 768 },
  },
  olmoe_1b_7b: {
    name: 'OLMoE-1B-7B',
    source: 'allenai/OLMoE-1B-7B-0924 config.json',
    arch: 'olmoe',
    layers: 16,
    hidden: 2048,
    heads: 16,
    kvHeads: 16,
    headDim: 128,
    ff: 1024,
    vocab: 50304,
    context: 4096,
    qkNorm: 'full',
    moe: { experts: 64, used: 8, ff: 1024 },
  },
} as const satisfies Record<string, OracleModelSpec>
