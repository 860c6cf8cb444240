/**
 * Small but real model repos for the local test Hub: a Llama-shaped config.json with MLX-quantized weights written by
 * MLX itself (@frost-beta/mlx: mx.quantize + mx.saveSafetensors), and a GGUF file with llama.cpp's metadata keys.
 * The shapes are tiny; the formats, names and layouts are exactly what mlx-lm and llama.cpp produce.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildGguf, meta } from './model-files.ts'
import type { TestRepo } from './hub-server.ts'
import { loadMlx, type MlxArray, type MlxCore } from '../../src/native/mlx.ts'

/**
 * Llama-shaped, small: 2 layers, hidden 256, 8 heads of 32, 2 KV heads, FFN 512, vocab 256. (The MLX build in
 * @frost-beta/mlx 0.0.7 quantizes 4-bit only when the input dimension is at least 256.)
 */
export const TINY_LLAMA_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 256,
  intermediate_size: 512,
  num_hidden_layers: 2,
  num_attention_heads: 8,
  num_key_value_heads: 2,
  head_dim: 32,
  vocab_size: 256,
  max_position_embeddings: 4096,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: false,
  torch_dtype: 'float16',
} as const

interface HfTensor {
  readonly name: string
  /** PyTorch/MLX order: [out, in]. */
  readonly shape: readonly number[]
  readonly quantize: boolean
}

export function tinyLlamaTensors(): HfTensor[] {
  const c = TINY_LLAMA_CONFIG
  const q = c.num_attention_heads * c.head_dim
  const kv = c.num_key_value_heads * c.head_dim
  const tensors: HfTensor[] = [{ name: 'model.embed_tokens', shape: [c.vocab_size, c.hidden_size], quantize: true }]
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}`
    tensors.push(
      { name: `${p}.self_attn.q_proj`, shape: [q, c.hidden_size], quantize: true },
      { name: `${p}.self_attn.k_proj`, shape: [kv, c.hidden_size], quantize: true },
      { name: `${p}.self_attn.v_proj`, shape: [kv, c.hidden_size], quantize: true },
      { name: `${p}.self_attn.o_proj`, shape: [c.hidden_size, q], quantize: true },
      { name: `${p}.mlp.gate_proj`, shape: [c.intermediate_size, c.hidden_size], quantize: true },
      { name: `${p}.mlp.up_proj`, shape: [c.intermediate_size, c.hidden_size], quantize: true },
      { name: `${p}.mlp.down_proj`, shape: [c.hidden_size, c.intermediate_size], quantize: true },
      { name: `${p}.input_layernorm`, shape: [c.hidden_size], quantize: false },
      { name: `${p}.post_attention_layernorm`, shape: [c.hidden_size], quantize: false },
    )
  }
  tensors.push({ name: 'model.norm', shape: [c.hidden_size], quantize: false }, { name: 'lm_head', shape: [c.vocab_size, c.hidden_size], quantize: true })
  return tensors
}

/** MLX must load here (Linux x64 CPU build + liblapack3/libblas3): a missing binding is a failure, not a skip. */
export function requireMlx(): MlxCore {
  const mlx = loadMlx()
  if (!mlx) throw new Error('@frost-beta/mlx did not load: install it (npm ci) and, on Linux, apt-get install liblapack3 libblas3')
  return mlx
}

/** Writes model.safetensors the way mlx_lm.convert does (affine, group 64, 4 bits): weight (uint32), scales, biases. */
export function mlxQuantizedSafetensors(bits = 4, groupSize = 64): Uint8Array {
  const mx = requireMlx()
  mx.random.seed(7)
  const arrays: Record<string, MlxArray> = {}
  for (const t of tinyLlamaTensors()) {
    const w = mx.random.normal([...t.shape]).astype(mx.float16)
    if (t.quantize) {
      const [wq, scales, biases] = mx.quantize(w, groupSize, bits)
      if (!wq || !scales || !biases) throw new Error('mx.quantize returned fewer than three arrays')
      arrays[`${t.name}.weight`] = wq
      arrays[`${t.name}.scales`] = scales
      arrays[`${t.name}.biases`] = biases
    } else {
      arrays[`${t.name}.weight`] = w
    }
  }
  const path = join(mkdtempSync(join(tmpdir(), 'fleet-mlx-')), 'model.safetensors')
  mx.saveSafetensors(path, arrays, { format: 'mlx' })
  return readFileSync(path)
}

export function tinyMlxRepo(id = 'test-org/Tiny-Llama-4bit'): TestRepo {
  const config = { ...TINY_LLAMA_CONFIG, quantization: { group_size: 64, bits: 4 } }
  return {
    id,
    commits: [
      {
        files: [
          { path: 'config.json', content: JSON.stringify(config, null, 2) },
          { path: 'model.safetensors', content: mlxQuantizedSafetensors() },
          { path: 'tokenizer.json', content: JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab: {} } }) },
          { path: 'tokenizer_config.json', content: '{}' },
          { path: 'README.md', content: '# tiny\n' },
          { path: 'figures/banner.png', content: new Uint8Array(2048) },
        ],
      },
    ],
  }
}

/** A llama.cpp-shaped GGUF (GGUF order: ne0 = input dim first), Q8_0 matrices and F32 norms. */
/** The shape of a tiny Llama GGUF (the defaults are TINY_LLAMA_CONFIG's). */
export interface TinyLlamaShape {
  readonly hidden_size: number
  readonly intermediate_size: number
  readonly num_hidden_layers: number
  readonly num_attention_heads: number
  readonly num_key_value_heads: number
  readonly head_dim: number
  readonly vocab_size: number
  readonly max_position_embeddings: number
}

export function tinyGguf(c: TinyLlamaShape = TINY_LLAMA_CONFIG): Uint8Array {
  const q = c.num_attention_heads * c.head_dim
  const kv = c.num_key_value_heads * c.head_dim
  const tensors: { name: string; shape: number[]; type: 'Q8_0' | 'F32' }[] = [{ name: 'token_embd.weight', shape: [c.hidden_size, c.vocab_size], type: 'Q8_0' }]
  for (let i = 0; i < c.num_hidden_layers; i++) {
    tensors.push(
      { name: `blk.${i}.attn_q.weight`, shape: [c.hidden_size, q], type: 'Q8_0' },
      { name: `blk.${i}.attn_k.weight`, shape: [c.hidden_size, kv], type: 'Q8_0' },
      { name: `blk.${i}.attn_v.weight`, shape: [c.hidden_size, kv], type: 'Q8_0' },
      { name: `blk.${i}.attn_output.weight`, shape: [q, c.hidden_size], type: 'Q8_0' },
      { name: `blk.${i}.ffn_gate.weight`, shape: [c.hidden_size, c.intermediate_size], type: 'Q8_0' },
      { name: `blk.${i}.ffn_up.weight`, shape: [c.hidden_size, c.intermediate_size], type: 'Q8_0' },
      { name: `blk.${i}.ffn_down.weight`, shape: [c.intermediate_size, c.hidden_size], type: 'Q8_0' },
      { name: `blk.${i}.attn_norm.weight`, shape: [c.hidden_size], type: 'F32' },
      { name: `blk.${i}.ffn_norm.weight`, shape: [c.hidden_size], type: 'F32' },
    )
  }
  tensors.push({ name: 'output_norm.weight', shape: [c.hidden_size], type: 'F32' }, { name: 'output.weight', shape: [c.hidden_size, c.vocab_size], type: 'Q8_0' })
  return buildGguf({
    metadata: [
      ['general.architecture', meta.string('llama')],
      ['general.file_type', meta.u32(7)],
      ['llama.block_count', meta.u32(c.num_hidden_layers)],
      ['llama.context_length', meta.u32(c.max_position_embeddings)],
      ['llama.embedding_length', meta.u32(c.hidden_size)],
      ['llama.feed_forward_length', meta.u32(c.intermediate_size)],
      ['llama.attention.head_count', meta.u32(c.num_attention_heads)],
      ['llama.attention.head_count_kv', meta.u32(c.num_key_value_heads)],
      ['llama.attention.key_length', meta.u32(c.head_dim)],
      ['llama.attention.value_length', meta.u32(c.head_dim)],
      ['llama.vocab_size', meta.u32(c.vocab_size)],
      [
        'tokenizer.ggml.tokens',
        meta.array(
          'string',
          Array.from({ length: c.vocab_size }, (_, i) => `t${i}`),
        ),
      ],
    ],
    tensors,
  })
}

export function tinyGgufRepo(id = 'test-org/Tiny-Llama-GGUF', config: TinyLlamaShape = TINY_LLAMA_CONFIG): TestRepo {
  const q8 = tinyGguf(config)
  return {
    id,
    commits: [
      {
        files: [
          { path: 'Tiny-Llama-Q8_0.gguf', content: q8 },
          { path: 'Tiny-Llama-F16.gguf', content: new Uint8Array(4096) },
          { path: 'README.md', content: '# tiny gguf\n' },
        ],
      },
    ],
  }
}
