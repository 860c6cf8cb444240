import { describe, expect, it } from 'vitest'
import type { Architecture, LayerSpec, MoeSpec } from '../../model/architecture.ts'
import { kvBytesPerToken, kvCacheBytesAt } from '../../sizing/kv.ts'
import { llamaCppGeometry, llamaCppMemory, resolveLlamaFlashAttention, type LlamaCppDeployment } from '../llama-cpp/memory.ts'
import { mlxLmMemory } from '../mlx-lm/memory.ts'
import { ollamaMemory } from '../ollama/memory.ts'
import { vllmMlxMemory } from '../vllm-mlx/memory.ts'
import { memoryEstimateTotal } from './memory-estimate.ts'
import { mlxLayerCells, mlxPromptCacheTrimmable } from './mlx-cache.ts'

const GiB = 2 ** 30
const MiB = 2 ** 20
const gib = (bytes: number): string => (bytes / GiB).toFixed(2)

// ---------------------------------------------------------------------------------------------------------------
// Architectures built by hand; hyperparameters from the public config.json of each model (sizing.md §3.8 column 1).
// ---------------------------------------------------------------------------------------------------------------

const full = (kvHeads: number, headDim: number, moe = false): LayerSpec => ({ kind: 'full', kvHeads, headDimK: headDim, headDimV: headDim, window: null, moe })
const sliding = (kvHeads: number, headDim: number, window: number, moe = false): LayerSpec => ({ kind: 'sliding', kvHeads, headDimK: headDim, headDimV: headDim, window, moe })
const none = (kind: 'linear' | 'mamba', moe = false): LayerSpec => ({ kind, kvHeads: 0, headDimK: 0, headDimV: 0, window: null, moe })

function arch(o: Partial<Architecture> & Pick<Architecture, 'modelType' | 'hiddenSize' | 'vocabSize' | 'numHeads' | 'headDim' | 'intermediateSize' | 'layers'>): Architecture {
  return { trainedContext: 131072, ropeScaling: null, tieWordEmbeddings: false, dtype: 'bfloat16', moe: null, mla: null, linear: null, mamba: null, extras: {}, ...o }
}

// Llama-3.1-8B: 32 layers, 32 heads, 8 KV heads × 128, hidden 4096, FFN 14336, vocab 128256.
const LLAMA_31_8B = arch({ modelType: 'llama', hiddenSize: 4096, vocabSize: 128256, numHeads: 32, headDim: 128, intermediateSize: 14336, layers: Array.from({ length: 32 }, () => full(8, 128)) })
// Qwen2.5-7B: 28 layers, 28 heads, 4 KV heads × 128, hidden 3584, FFN 18944, vocab 152064.
const QWEN25_7B = arch({ modelType: 'qwen2', hiddenSize: 3584, vocabSize: 152064, numHeads: 28, headDim: 128, intermediateSize: 18944, layers: Array.from({ length: 28 }, () => full(4, 128)) })
// Qwen2.5-72B: 80 layers, 64 heads, 8 KV heads × 128, hidden 8192, FFN 29568, vocab 152064.
const QWEN25_72B = arch({ modelType: 'qwen2', hiddenSize: 8192, vocabSize: 152064, numHeads: 64, headDim: 128, intermediateSize: 29568, layers: Array.from({ length: 80 }, () => full(8, 128)) })
// Gemma-3-27B: 62 layers, layer i full iff (i + 1) % 6 == 0 (10 full, 52 sliding, window 1024), 32 heads,
// 16 KV heads × 128, hidden 5376, FFN 21504, vocab 262208.
const GEMMA3_27B = arch({
  modelType: 'gemma3_text',
  hiddenSize: 5376,
  vocabSize: 262208,
  numHeads: 32,
  headDim: 128,
  intermediateSize: 21504,
  layers: Array.from({ length: 62 }, (_, i) => ((i + 1) % 6 === 0 ? full(16, 128) : sliding(16, 128, 1024))),
})
const GPT_OSS_MOE = (experts: number): MoeSpec => ({ numExperts: experts, expertsPerToken: 4, numSharedExperts: 0, expertIntermediateSize: 2880, sharedIntermediateSize: 0 })
// gpt-oss-120b: 36 layers alternating sliding (window 128, even i) / full, 64 heads, 8 KV heads × 64, hidden 2880,
// 128 experts (top-4) of width 2880, vocab 201088.
const GPT_OSS_120B = arch({
  modelType: 'gpt_oss',
  hiddenSize: 2880,
  vocabSize: 201088,
  numHeads: 64,
  headDim: 64,
  intermediateSize: 2880,
  moe: GPT_OSS_MOE(128),
  layers: Array.from({ length: 36 }, (_, i) => (i % 2 === 0 ? sliding(8, 64, 128, true) : full(8, 64, true))),
})
// gpt-oss-20b: same layout with 24 layers and 32 experts.
const GPT_OSS_20B = arch({ ...GPT_OSS_120B, moe: GPT_OSS_MOE(32), layers: GPT_OSS_120B.layers.slice(0, 24) })
// DeepSeek-V3: 61 MLA layers, 128 heads, kv_lora_rank 512, qk_rope 64, qk_nope 128, v_head 128, q_lora 1536,
// hidden 7168, vocab 129280; GGUF MLA layout n_head_kv = 1, key_length 576, value_length 512.
const DEEPSEEK_V3 = arch({
  modelType: 'deepseek_v3',
  hiddenSize: 7168,
  vocabSize: 129280,
  numHeads: 128,
  headDim: 192,
  intermediateSize: 18432,
  mla: { kvLoraRank: 512, qLoraRank: 1536, qkRopeHeadDim: 64, qkNopeHeadDim: 128, vHeadDim: 128 },
  moe: { numExperts: 256, expertsPerToken: 8, numSharedExperts: 1, expertIntermediateSize: 2048, sharedIntermediateSize: 2048 },
  layers: Array.from({ length: 61 }, (_, i) => ({ kind: 'mla' as const, kvHeads: 1, headDimK: 576, headDimV: 512, window: null, moe: i >= 3 })),
})
// Qwen3-Next-80B-A3B: 48 layers, every 4th full attention (2 KV heads × 256, 16 heads), the rest gated delta net
// (16 key heads × 128, 32 value heads × 128, conv kernel 4), hidden 2048, 512 experts top-10, vocab 151936.
const QWEN3_NEXT = arch({
  modelType: 'qwen3_next',
  hiddenSize: 2048,
  vocabSize: 151936,
  numHeads: 16,
  headDim: 256,
  intermediateSize: 5120,
  trainedContext: 262144,
  linear: { numKeyHeads: 16, numValueHeads: 32, keyHeadDim: 128, valueHeadDim: 128, convKernel: 4 },
  moe: { numExperts: 512, expertsPerToken: 10, numSharedExperts: 1, expertIntermediateSize: 512, sharedIntermediateSize: 512 },
  layers: Array.from({ length: 48 }, (_, i) => ((i + 1) % 4 === 0 ? full(2, 256, true) : none('linear', true))),
})
// Qwen3-8B: 36 layers, 32 heads, 8 KV heads × 128, hidden 4096, FFN 12288, vocab 151936.
const QWEN3_8B = arch({ modelType: 'qwen3', hiddenSize: 4096, vocabSize: 151936, numHeads: 32, headDim: 128, intermediateSize: 12288, layers: Array.from({ length: 36 }, () => full(8, 128)) })
// Llama-3-70B / 3.1-70B / 3.3-70B: 80 layers, 64 heads, 8 KV heads × 128, hidden 8192, FFN 28672, vocab 128256.
const LLAMA_3_70B = arch({ modelType: 'llama', hiddenSize: 8192, vocabSize: 128256, numHeads: 64, headDim: 128, intermediateSize: 28672, layers: Array.from({ length: 80 }, () => full(8, 128)) })
// Mistral-7B-Instruct-v0.2: 32 layers, 32 heads, 8 KV heads × 128, hidden 4096, FFN 14336, vocab 32000.
const MISTRAL_7B = arch({ modelType: 'mistral', hiddenSize: 4096, vocabSize: 32000, numHeads: 32, headDim: 128, intermediateSize: 14336, layers: Array.from({ length: 32 }, () => full(8, 128)) })

const llama = (o: Partial<LlamaCppDeployment> = {}): LlamaCppDeployment => ({
  contextPerSlot: 131072,
  parallel: 1,
  typeK: 'f16',
  typeV: 'f16',
  flashAttention: 'on',
  ubatch: 512,
  batch: 2048,
  kvUnified: false,
  swaFull: false,
  ...o,
})

// ---------------------------------------------------------------------------------------------------------------
describe('llama.cpp KV cache: sizing.md §3.8 worked examples (one slot, n_ubatch 512)', () => {
  // [name, architecture, f16 @8k, f16 @32k, f16 @128k, q8_0 @128k, q4_0 @128k] in GiB, as printed in §3.8.
  const TABLE: Array<[string, Architecture, string, string, string, string, string]> = [
    ['Llama-3.1-8B', LLAMA_31_8B, '1.00', '4.00', '16.00', '8.50', '4.50'],
    ['Qwen2.5-7B', QWEN25_7B, '0.44', '1.75', '7.00', '3.72', '1.97'],
    ['Qwen2.5-72B', QWEN25_72B, '2.50', '10.00', '40.00', '21.25', '11.25'],
    ['Gemma-3-27B', GEMMA3_27B, '1.23', '3.11', '10.61', '5.64', '2.98'],
    ['gpt-oss-120b', GPT_OSS_120B, '0.31', '1.15', '4.53', '2.40', '1.27'],
    ['DeepSeek-V3 (MLA)', DEEPSEEK_V3, '0.54', '2.14', '8.58', '4.56', '2.41'],
  ]
  it.each(TABLE)('%s', (_, a, f8k, f32k, f128k, q8, q4) => {
    expect(gib(llamaCppMemory(a, llama({ contextPerSlot: 8192 })).kvCacheBytes)).toBe(f8k)
    expect(gib(llamaCppMemory(a, llama({ contextPerSlot: 32768 })).kvCacheBytes)).toBe(f32k)
    expect(gib(llamaCppMemory(a, llama()).kvCacheBytes)).toBe(f128k)
    expect(gib(llamaCppMemory(a, llama({ typeK: 'q8_0', typeV: 'q8_0' })).kvCacheBytes)).toBe(q8)
    expect(gib(llamaCppMemory(a, llama({ typeK: 'q4_0', typeV: 'q4_0' })).kvCacheBytes)).toBe(q4)
  })

  it('Llama-3.1-8B f16 @131072 is exactly 16 GiB: 32 layers × 131072 cells × (1024 K + 1024 V) × 2 B', () => {
    expect(llamaCppMemory(LLAMA_31_8B, llama()).kvCacheBytes).toBe(32 * 131072 * 2048 * 2)
    expect(llamaCppMemory(LLAMA_31_8B, llama()).kvCacheBytes).toBe(16 * GiB)
  })

  it('q8_0 costs 34 bytes per 32 elements: 16 GiB × 17/32 = 8.5 GiB', () => {
    expect(llamaCppMemory(LLAMA_31_8B, llama({ typeK: 'q8_0', typeV: 'q8_0' })).kvCacheBytes).toBe(8.5 * GiB)
  })

  it('Qwen2.5-7B: 28 layers × 131072 × (512 + 512) × 2 B = 7 GiB', () => {
    expect(llamaCppMemory(QWEN25_7B, llama()).kvCacheBytes).toBe(28 * 131072 * 1024 * 2)
    expect(llamaCppMemory(QWEN25_7B, llama()).kvCacheBytes).toBe(7 * GiB)
  })

  it('Gemma-3-27B: 10 full layers × 131072 cells + 52 SWA layers × pad256(1024 + 512) = 1536 cells, 8192 B per cell', () => {
    const m = llamaCppMemory(GEMMA3_27B, llama())
    expect(m.details['swaCells']).toBe(1536)
    expect(m.kvCacheBytes).toBe(10 * 131072 * 8192 + 52 * 1536 * 8192) // 11,391,729,664 B = 10.61 GiB
  })

  it('gpt-oss-120b: 18 full layers × 131072 + 18 SWA layers × pad256(128 + 512) = 768 cells, 2048 B per cell', () => {
    const m = llamaCppMemory(GPT_OSS_120B, llama())
    expect(m.details['swaCells']).toBe(768)
    expect(m.kvCacheBytes).toBe(18 * 131072 * 2048 + 18 * 768 * 2048) // 4,860,149,760 B = 4.53 GiB
  })

  it('DeepSeek-V3: V-less MLA cache, 61 layers × 576 K elements × 2 B = 70,272 B per token', () => {
    const m = llamaCppMemory(DEEPSEEK_V3, llama())
    expect(m.kvCacheBytes).toBe(61 * 576 * 2 * 131072) // 9,210,691,584 B = 8.58 GiB
    // Without flash attention MLA still has no V (has_v = !is_mla), so nothing is padded.
    expect(llamaCppMemory(DEEPSEEK_V3, llama({ flashAttention: 'off' })).kvCacheBytes).toBe(61 * 576 * 2 * 131072)
  })
})

describe('llama.cpp context arithmetic (llama_context constructor)', () => {
  const bytesPerToken = 32 * 2048 * 2 // Llama-3.1-8B f16

  it('-c 1000 is padded to 1024 cells', () => {
    const m = llamaCppMemory(LLAMA_31_8B, llama({ contextPerSlot: 1000 }))
    expect(m.details['nCtx']).toBe(1024)
    expect(m.kvCacheBytes).toBe(1024 * bytesPerToken)
  })

  it('3 slots × 1000: -c 3000 → n_ctx 3072, n_ctx_seq = pad256(3072 / 3) = 1024, 3 streams of 1024 cells', () => {
    const g = llamaCppGeometry(LLAMA_31_8B, llama({ contextPerSlot: 1000, parallel: 3 }))
    expect([g.nCtx, g.nCtxSeq, g.nStream, g.cellsPerStream]).toEqual([3072, 1024, 3, 1024])
    expect(llamaCppMemory(LLAMA_31_8B, llama({ contextPerSlot: 1000, parallel: 3 })).kvCacheBytes).toBe(3072 * bytesPerToken)
  })

  it('3 slots × 1100: -c 3300 → 3328, n_ctx_seq = pad256(floor(3328 / 3) = 1109) = 1280, n_ctx = 3 × 1280 = 3840', () => {
    const g = llamaCppGeometry(LLAMA_31_8B, llama({ contextPerSlot: 1100, parallel: 3 }))
    expect([g.nCtx, g.nCtxSeq]).toEqual([3840, 1280])
  })

  it('unified KV: one stream of n_ctx cells, same total', () => {
    const g = llamaCppGeometry(LLAMA_31_8B, llama({ contextPerSlot: 1000, parallel: 3, kvUnified: true }))
    expect([g.nCtx, g.nCtxSeq, g.nStream]).toEqual([3072, 3072, 1])
  })

  it('n_ubatch is clamped to n_batch = min(n_ctx, batch)', () => {
    const g = llamaCppGeometry(LLAMA_31_8B, llama({ contextPerSlot: 256 }))
    expect([g.nBatch, g.nUbatch]).toEqual([256, 256])
  })
})

describe('llama.cpp SWA cache with 4 slots of 8192 (Gemma-3-27B, -c 32768 -np 4)', () => {
  it('not unified: 4 streams × pad256(min(8192, 1024 + 512)) = 4 × 1536 SWA cells', () => {
    const m = llamaCppMemory(GEMMA3_27B, llama({ contextPerSlot: 8192, parallel: 4 }))
    expect(m.details['cellsFull']).toBe(32768)
    expect(m.details['swaCells']).toBe(4 * 1536)
    expect(m.kvCacheBytes).toBe(10 * 32768 * 8192 + 52 * 6144 * 8192)
  })

  it('unified: 1 stream × pad256(min(32768, 1024 × 4 + 512)) = 4608 SWA cells', () => {
    const m = llamaCppMemory(GEMMA3_27B, llama({ contextPerSlot: 8192, parallel: 4, kvUnified: true }))
    expect(m.details['swaCells']).toBe(4608)
    expect(m.kvCacheBytes).toBe(10 * 32768 * 8192 + 52 * 4608 * 8192)
  })

  it('--swa-full gives SWA layers the full n_ctx_seq per stream', () => {
    const m = llamaCppMemory(GEMMA3_27B, llama({ contextPerSlot: 8192, parallel: 4, swaFull: true }))
    expect(m.details['swaCells']).toBe(32768)
  })
})

describe('llama.cpp V padding and flash attention', () => {
  // Two layers with different V widths: full 8 × 128 and sliding 4 × 128 (window 512).
  const MIXED = arch({ modelType: 'toy', hiddenSize: 1024, vocabSize: 1000, numHeads: 8, headDim: 128, intermediateSize: 4096, layers: [full(8, 128), sliding(4, 128, 512)] })

  it('with flash attention each layer keeps its own V width', () => {
    const m = llamaCppMemory(MIXED, llama({ contextPerSlot: 4096 }))
    // full: 4096 cells × (1024 + 1024) × 2; sliding: pad256(512 + 512) = 1024 cells × (512 + 512) × 2
    expect(m.kvCacheBytes).toBe(4096 * 2048 * 2 + 1024 * 1024 * 2)
  })

  it('without it V is padded to the widest layer (n_embd_v_gqa_max)', () => {
    const m = llamaCppMemory(MIXED, llama({ contextPerSlot: 4096, flashAttention: 'off' }))
    expect(m.kvCacheBytes).toBe(4096 * 2048 * 2 + 1024 * (512 + 1024) * 2)
  })

  it('auto resolves on for supported head sizes and matching K/V types, off otherwise', () => {
    expect(resolveLlamaFlashAttention(LLAMA_31_8B, 'auto', 'f16', 'f16')).toBe(true)
    expect(resolveLlamaFlashAttention(DEEPSEEK_V3, 'auto', 'q8_0', 'q8_0')).toBe(true) // 576-wide MLA head
    expect(resolveLlamaFlashAttention(LLAMA_31_8B, 'auto', 'q8_0', 'f16')).toBe(false)
    const odd = arch({ ...LLAMA_31_8B, layers: [full(8, 160)] })
    expect(resolveLlamaFlashAttention(odd, 'auto', 'f16', 'f16')).toBe(false)
  })
})

describe('llama.cpp recurrent state (Qwen3-Next gated delta net)', () => {
  // n_embd_r = (4 − 1) × (32 × 128 + 2 × 16 × 128) = 24,576; n_embd_s = 128 × 4096 = 524,288; F32; 36 linear layers.
  const perSeq = 36 * (24576 + 524288) * 4 // 79,036,416 B = 75.38 MiB

  it('is F32 × n_seq_max and does not depend on the context', () => {
    const a = llamaCppMemory(QWEN3_NEXT, llama({ contextPerSlot: 4096, parallel: 2 }))
    const b = llamaCppMemory(QWEN3_NEXT, llama({ contextPerSlot: 65536, parallel: 2 }))
    expect(a.stateBytes).toBe(2 * perSeq)
    expect(b.stateBytes).toBe(2 * perSeq)
    // Only the 12 full-attention layers hold KV: 2 KV heads × 256 × 2 (K, V) × 2 B per cell.
    expect(a.kvCacheBytes).toBe(12 * 8192 * 2048)
  })
})

// These logs come from builds whose graph was reserved for every ubatch token's logits (n_outputs = n_ubatch):
// `outputsMax: 0` (llama.cpp's default n_outputs_max = n_batch) reproduces them. Current llama-server reserves
// n_parallel outputs (server_output_limits), fleet's default, checked in the next block.
describe('llama.cpp compute buffers against logged sizes', () => {
  it('gpt-oss-20b -c 4096, flash attention: Metal 404.00 MiB (logits 201088 × 512 × 4 + 2 × 2880 × 512 × 4)', () => {
    const m = llamaCppMemory(GPT_OSS_20B, llama({ contextPerSlot: 4096, flashAttention: 'auto', outputsMax: 0 }))
    expect(m.details['computeMetalBytes']).toBe(404 * MiB)
    // Host: token embeddings 2880 × 512 × 4 + the F16 masks (4096 + 768) × 512 × 2 = 10.375 MiB. The 15.15 MiB of
    // that log is from a build that built the mask in F32 and cast it (before build_attn_inp_kq_mask made it F16).
    expect((m.details['computeHostBytes'] as number) / MiB).toBeCloseTo(10.375, 3)
    expect(m.details['outputBufferBytes']).toBe(201088 * 4)
  })

  it('Qwen3-8B -c 2048, flash attention: Metal 312.75 MiB', () => {
    const m = llamaCppMemory(QWEN3_8B, llama({ contextPerSlot: 2048, outputsMax: 0 }))
    expect(m.details['computeMetalBytes']).toBe(312.75 * MiB)
  })

  it('Llama-3-70B -c 2048 without flash attention: 324.00 MiB GPU, 20.00 MiB host (ollama/ollama#3819, CUDA)', () => {
    // KQ 64 heads × 2048 × 512 × 4 = 256 MiB + Q and output 2 × 64 × 128 × 512 × 4 = 32 MiB + F32 mask 2048 × 512 × 4
    // = 4 MiB + residual 2 × 8192 × 512 × 4 = 32 MiB. Host: embeddings 8192 × 512 × 4 = 16 MiB + mask 4 MiB.
    const m = llamaCppMemory(LLAMA_3_70B, llama({ contextPerSlot: 2048, flashAttention: 'off' }))
    expect(m.kvCacheBytes).toBe(640 * MiB) // logged "KV self size = 640.00 MiB"
    expect(m.details['computeMetalBytes']).toBe(324 * MiB)
    expect(m.details['computeHostBytes']).toBe(20 * MiB)
    // With flash attention and every ubatch token's logits, those dominate: (128256 + 2 × 8192) × 512 × 4 = 282.5 MiB.
    expect(llamaCppMemory(LLAMA_3_70B, llama({ contextPerSlot: 8192, outputsMax: 0 })).details['computeMetalBytes']).toBe(282.5 * MiB)
  })

  it('a 32-head 7B without flash attention: KQ = 32 × n_ctx × 512 × 4 dominates (164 MiB at 2048, 2144 MiB at 32768)', () => {
    const small = llamaCppMemory(MISTRAL_7B, llama({ contextPerSlot: 2048, flashAttention: 'off' }))
    const large = llamaCppMemory(MISTRAL_7B, llama({ contextPerSlot: 32768, flashAttention: 'off' }))
    expect(small.details['computeMetalBytes']).toBe(164 * MiB)
    expect(large.details['computeMetalBytes']).toBe(2144 * MiB)
    expect(small.details['computeHostBytes']).toBe(12 * MiB)
    expect(large.details['computeHostBytes']).toBe(72 * MiB)
  })
})

describe('llama-server reserves logits for n_parallel outputs (current builds)', () => {
  it('Llama-3-70B, flash attention, 2 slots: the FFN phase is the peak, not the logits', () => {
    // Logits: (128256 + 2 × 8192) × 2 outputs × 4 B = 1.1 MiB. FFN: gate, up and the SwiGLU product 3 × 28672 plus the
    // normed input 8192, × 512 tokens × 4 B = 184 MiB, + F16 mask 2 streams' 8192 × 256 × 2 B = 8 MiB, + residual 32 MiB.
    const m = llamaCppMemory(LLAMA_3_70B, llama({ contextPerSlot: 8192, parallel: 2 }))
    expect(m.details['computePhase.output']).toBe((128256 + 2 * 8192) * 2 * 4)
    expect(m.details['computeMetalBytes']).toBe(184 * MiB + 8 * MiB + 32 * MiB)
  })
})

describe('llama-server host caches', () => {
  it('cache-ram is budgeted as one full-context conversation per slot, capped by --cache-ram', () => {
    const m = llamaCppMemory(LLAMA_31_8B, llama({ contextPerSlot: 8192, parallel: 2 }))
    expect(m.details['cacheRamBudgetBytes']).toBe(2 * 8192 * 131072) // 2 GiB < 8 GiB default
    const capped = llamaCppMemory(LLAMA_31_8B, llama({ contextPerSlot: 65536, parallel: 2 }))
    expect(capped.details['cacheRamBudgetBytes']).toBe(8192 * MiB)
    expect(llamaCppMemory(LLAMA_31_8B, llama({ cacheRamBytes: 0 })).promptCacheBytes).toBe(0)
  })

  it('full-attention models make no context checkpoints; SWA models do', () => {
    expect(llamaCppMemory(LLAMA_31_8B, llama()).details['checkpointBytes']).toBe(0)
    // gpt-oss-120b, 16384 per slot: 1 + 16384 / 8192 = 3 checkpoints of 18 SWA layers × 640 cells × 2048 B.
    const m = llamaCppMemory(GPT_OSS_120B, llama({ contextPerSlot: 16384, cacheRamBytes: 0 }))
    expect(m.details['checkpointBytes']).toBe(3 * 18 * 640 * 2048)
  })

  it('memoryEstimateTotal sums every part', () => {
    const m = llamaCppMemory(LLAMA_31_8B, llama({ contextPerSlot: 8192 }))
    expect(memoryEstimateTotal(m)).toBe(m.kvCacheBytes + m.stateBytes + m.computeBytes + m.runtimeBytes + m.promptCacheBytes)
  })
})

describe('Ollama (llama-server with -c num_ctx × parallel -np parallel)', () => {
  it('multiplies the context by parallel like fleet does, with its automatic -b/-ub', () => {
    const m = ollamaMemory(LLAMA_31_8B, { contextPerSlot: 8192, parallel: 2, kvType: 'q8_0', flashAttention: true })
    expect(m.details['nCtx']).toBe(16384)
    expect(m.details['ollamaBatch']).toBe(1024) // 16384 total > 4096
    expect(m.details['nUbatch']).toBe(1024)
    expect(m.kvCacheBytes).toBe(16384 * 32 * 2 * 1024 * (34 / 32))
  })

  it('forces one slot for qwen3next and caps num_ctx at the trained context', () => {
    const m = ollamaMemory(QWEN3_NEXT, { contextPerSlot: 524288, parallel: 4, kvType: 'f16', flashAttention: true })
    expect(m.details['ollamaParallel']).toBe(1)
    expect(m.details['ollamaNumCtx']).toBe(262144)
    expect(m.details['ollamaBatch']).toBe(2048)
  })
})

describe('mlx-lm caches', () => {
  it('KVCache grows in 256-cell steps: 1 token → 256 cells, 256 → 256, 257 → 512', () => {
    expect(mlxLayerCells(full(8, 128), 1)).toBe(256)
    expect(mlxLayerCells(full(8, 128), 256)).toBe(256)
    expect(mlxLayerCells(full(8, 128), 257)).toBe(512)
    const m = mlxLmMemory(LLAMA_31_8B, { contextPerSlot: 1, parallel: 1, dtypeBytes: 2, prefillStepSize: 2048, promptCacheBytes: null, weightsBytes: 0 })
    expect(m.kvCacheBytes).toBe(32 * 256 * 8 * (128 + 128) * 2) // 32 layers × 256 cells × 2048 elements × 2 B
  })

  it('sliding layers are capped at the window (RotatingKVCache max_size)', () => {
    expect(mlxLayerCells(sliding(8, 64, 128), 131072)).toBe(128)
    // Below the window: a 299-token prompt stored exactly, then one 256-cell growth for the decoded tokens.
    expect(mlxLayerCells(sliding(16, 128, 1024), 300)).toBe(300 + 255)
    const m = mlxLmMemory(GPT_OSS_120B, { contextPerSlot: 131072, parallel: 1, dtypeBytes: 2, prefillStepSize: 2048, promptCacheBytes: null, weightsBytes: 0 })
    expect(m.kvCacheBytes).toBe(18 * 131072 * 1024 * 2 + 18 * 128 * 1024 * 2)
  })

  it('hybrid (Qwen3-Next) state is independent of context: conv (3 × 8192) in bf16 + state 32 × 128 × 128 in f32', () => {
    const perSeq = 36 * (3 * 8192 * 2 + 32 * 128 * 128 * 4)
    const a = mlxLmMemory(QWEN3_NEXT, { contextPerSlot: 4096, parallel: 2, dtypeBytes: 2, prefillStepSize: 2048, promptCacheBytes: null, weightsBytes: 0 })
    const b = mlxLmMemory(QWEN3_NEXT, { contextPerSlot: 65536, parallel: 2, dtypeBytes: 2, prefillStepSize: 2048, promptCacheBytes: null, weightsBytes: 0 })
    expect(a.stateBytes).toBe(2 * perSeq)
    expect(b.stateBytes).toBe(2 * perSeq)
    expect(a.kvCacheBytes).toBe(2 * 12 * 4096 * 2 * (256 + 256) * 2)
    // head_dim 256 has no fused prefill SDPA kernel: the chunk × context scores show up in the transient.
    expect(a.notes.some((n) => n.includes('no fused prefill attention'))).toBe(true)
  })

  it('MLA caches the latent (512) and k_pe (64), not per-head K/V', () => {
    const m = mlxLmMemory(DEEPSEEK_V3, { contextPerSlot: 1024, parallel: 1, dtypeBytes: 2, prefillStepSize: 512, promptCacheBytes: null, weightsBytes: 0 })
    expect(m.kvCacheBytes).toBe(61 * 1024 * 576 * 2)
    // Prefill of the last 512-token chunk builds pe_scores 128 heads × 512 × 1024 in bf16.
    expect(m.details['prefillPhase.attention']).toBeGreaterThan(128 * 512 * 1024 * 2)
  })

  it('prompt cache: one full-context entry per slot when unbounded, else min(limit, size × entry); plus one pinned batch', () => {
    const entry = 32 * 8192 * 2048 * 2 // Llama-3.1-8B at 8192 tokens = 1 GiB
    const open = mlxLmMemory(LLAMA_31_8B, { contextPerSlot: 8192, parallel: 2, dtypeBytes: 2, prefillStepSize: 2048, promptCacheBytes: null, weightsBytes: 0 })
    expect(open.details['promptCacheBudgetBytes']).toBe(2 * entry)
    // The lazily extracted entry of a finished request keeps the other (2 − 1) sequences of its batch alive.
    expect(open.details['pinnedBatchBytes']).toBe(1 * entry)
    expect(open.promptCacheBytes).toBe(2 * entry + 1 * entry)
    expect(open.notes.some((n) => n.includes('10 entries'))).toBe(true)
    const capped = mlxLmMemory(LLAMA_31_8B, { contextPerSlot: 8192, parallel: 2, dtypeBytes: 2, prefillStepSize: 2048, promptCacheBytes: 512 * MiB, weightsBytes: 0 })
    expect(capped.details['promptCacheBudgetBytes']).toBe(512 * MiB)
    expect(capped.promptCacheBytes).toBe(512 * MiB + entry) // the pin is outside what --prompt-cache-bytes counts
    const single = mlxLmMemory(LLAMA_31_8B, { contextPerSlot: 8192, parallel: 1, dtypeBytes: 2, prefillStepSize: 2048, promptCacheBytes: null, weightsBytes: 0 })
    expect(single.promptCacheBytes).toBe(entry) // a batch of one has nothing else to pin
    const disabled = mlxLmMemory(LLAMA_31_8B, { contextPerSlot: 8192, parallel: 2, dtypeBytes: 2, prefillStepSize: 2048, promptCacheBytes: null, weightsBytes: 0, promptCacheSize: 0 })
    expect(disabled.promptCacheBytes).toBe(0)
  })

  it('caches that cannot be trimmed keep every prefix: the entry count is the bound', () => {
    // gpt-oss-120b: RotatingKVCache(128) is trimmable only while offset < 128; Qwen3-Next's ArraysCache never is.
    expect(mlxPromptCacheTrimmable(GPT_OSS_120B, 100)).toBe(true)
    expect(mlxPromptCacheTrimmable(GPT_OSS_120B, 8192)).toBe(false)
    expect(mlxPromptCacheTrimmable(QWEN3_NEXT, 100)).toBe(false)
    expect(mlxPromptCacheTrimmable(LLAMA_31_8B, 131072)).toBe(true)
    // entry at 8192 tokens: (18 full layers × 8192 cells + 18 sliding layers × 128 cells) × 8 × (64 + 64) × 2 B
    const entry = (18 * 8192 + 18 * 128) * 1024 * 2
    const m = mlxLmMemory(GPT_OSS_120B, { contextPerSlot: 8192, parallel: 1, dtypeBytes: 2, prefillStepSize: 2048, promptCacheBytes: null, weightsBytes: 0 })
    expect(m.details['promptCacheEntryBytes']).toBe(entry)
    expect(m.promptCacheBytes).toBe(10 * entry)
    expect(m.notes.some((n) => n.includes('cannot trim'))).toBe(true)
  })

  it('a batch rebuild doubles one layer at a time, not the whole cache; the freed generation is only pooled', () => {
    // Llama-3.1-8B at 8192 tokens: one layer of one sequence = 8192 cells × 8 × (128 + 128) × 2 B = 32 MiB.
    const layer = 8192 * 2048 * 2
    const one = mlxLmMemory(LLAMA_31_8B, { contextPerSlot: 8192, parallel: 1, dtypeBytes: 2, prefillStepSize: 2048, promptCacheBytes: null, weightsBytes: 0 })
    const two = mlxLmMemory(LLAMA_31_8B, { contextPerSlot: 8192, parallel: 2, dtypeBytes: 2, prefillStepSize: 2048, promptCacheBytes: null, weightsBytes: 0 })
    expect(one.details['layerRebuildBytes']).toBe(2 * 1 * layer) // the 256-step growth: old + new of one layer
    expect(two.details['layerRebuildBytes']).toBe(2 * 2 * layer) // extend / filter of a 2-sequence batch
    // Held while serving: decode logits and the rebuild; the rest of a long prefill's peak is transient (peak only).
    expect(two.computeBytes).toBe((two.details['decodeLogitsBytes'] as number) + 2 * 2 * layer)
    expect(two.computeBytes + two.transientBytes).toBe(Math.max(two.details['prefillTransientBytes'] as number, two.details['decodeLogitsBytes'] as number) + 2 * 2 * layer)
    // MLX's buffer cache can hold the previous generation of every layer until mx.clear_cache(): reported only.
    expect(two.details['pooledBuffersBytes']).toBe(two.kvCacheBytes)
  })
})

describe('vllm-mlx', () => {
  it('defaults its prefix cache to 20 % of the memory left after weights and runtime', () => {
    const m = vllmMlxMemory(LLAMA_31_8B, { contextPerSlot: 8192, parallel: 2, dtypeBytes: 2, continuousBatching: true, cacheMemoryBytes: null, machineMemoryBytes: 64 * GiB, weightsBytes: 5 * GiB })
    expect(m.details['prefixCacheBudgetBytes']).toBeCloseTo(0.2 * (64 - 5 - 1) * GiB, 0)
    // plus the rest of one 2-sequence batch pinned by a lazily extracted entry: 1 × 1 GiB
    expect(m.promptCacheBytes).toBeCloseTo(0.2 * (64 - 5 - 1) * GiB + 1 * GiB, 0)
    expect(m.kvCacheBytes).toBe(2 * 32 * 8192 * 2048 * 2)
  })

  it('serves one request at a time without continuous batching', () => {
    const m = vllmMlxMemory(LLAMA_31_8B, { contextPerSlot: 8192, parallel: 4, dtypeBytes: 2, continuousBatching: false, cacheMemoryBytes: null, machineMemoryBytes: 64 * GiB, weightsBytes: 5 * GiB })
    expect(m.kvCacheBytes).toBe(32 * 8192 * 2048 * 2)
    expect(m.promptCacheBytes).toBe(0)
  })
})

describe('kvBytesPerToken / kvCacheBytesAt (speed model)', () => {
  it('counts full and MLA layers only; sliding layers stop growing at their window', () => {
    expect(kvBytesPerToken(LLAMA_31_8B, 'llama.cpp', 'f16')).toBe(131072)
    expect(kvBytesPerToken(LLAMA_31_8B, 'ollama', 'q8_0')).toBe(131072 * (17 / 32))
    expect(kvBytesPerToken(GEMMA3_27B, 'llama.cpp', 'f16')).toBe(10 * 8192)
    expect(kvBytesPerToken(DEEPSEEK_V3, 'llama.cpp', 'f16')).toBe(61 * 576 * 2)
    expect(kvBytesPerToken(DEEPSEEK_V3, 'mlx-lm', 'bf16')).toBe(61 * 576 * 2)
    expect(kvBytesPerToken(LLAMA_31_8B, 'command', 'f16')).toBe(0)
  })

  it('bytes held by one sequence at a context include sliding layers up to the window and the recurrent state', () => {
    expect(kvCacheBytesAt(GEMMA3_27B, 'llama.cpp', 'f16', 4096)).toBe(10 * 4096 * 8192 + 52 * 1024 * 8192)
    expect(kvCacheBytesAt(QWEN3_NEXT, 'llama.cpp', 'f16', 100)).toBe(12 * 100 * 2048 + 36 * (24576 + 524288) * 4)
    expect(kvCacheBytesAt(LLAMA_31_8B, 'mlx-lm', 'bf16', 1000)).toBe(1000 * 131072)
  })
})

describe('mlx-lm prefill logits by version', () => {
  it('before 0.27.0 the last prompt chunk is run in full: chunk × vocab × 2 B of logits; from 0.27.0 only the last token', async () => {
    const { mlxLmMemory, versionBefore } = await import('../mlx-lm/memory.ts')
    const base = { contextPerSlot: 8192, parallel: 1, dtypeBytes: 2, prefillStepSize: 2048, promptCacheBytes: null, weightsBytes: 0 } as const
    const old = mlxLmMemory(LLAMA_31_8B, { ...base, version: '0.26.3' })
    const pinned = mlxLmMemory(LLAMA_31_8B, base)
    const unknown = mlxLmMemory(LLAMA_31_8B, { ...base, version: null })
    expect(old.details['prefillChunkLogitsBytes']).toBe(2048 * 128256 * 2)
    expect(old.transientBytes).toBe(Math.max(pinned.transientBytes, 2048 * 128256 * 2))
    expect(pinned.details['prefillChunkLogitsBytes']).toBe(0)
    expect(mlxLmMemory(LLAMA_31_8B, { ...base, version: '0.27.0' }).details['prefillChunkLogitsBytes']).toBe(0)
    expect(unknown.details['prefillChunkLogitsBytes']).toBe(2048 * 128256 * 2)
    expect([versionBefore('0.26.10', '0.27.0'), versionBefore('0.27.0', '0.27.0'), versionBefore('1.0', '0.27.0'), versionBefore('main', '0.27.0')]).toEqual([true, false, false, false])
  })
})
