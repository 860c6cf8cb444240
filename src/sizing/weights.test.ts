import { describe, expect, it } from 'vitest'
import { loadMlx } from '../native/mlx.ts'
import type { Architecture } from '../model/architecture.ts'
import { arch } from '../../test/support/arch.ts'
import { modelTensors, type TensorSpec } from './tensors.ts'
import { activeWeightBytesPerToken, ggufTensors, ggufWeightBytes, mlxModulePath, mlxQuantizedBytes, mlxWeightBytes, parseGgufFtype, useMoreBits, type MlxLayerQuant } from './weights.ts'

// ------------------------------------------------------------------------------------------ published architectures

const LLAMA_3_8B = arch({ modelType: 'llama', hidden: 4096, layers: 32, heads: 32, kvHeads: 8, headDim: 128, inter: 14336, vocab: 128256 })
const LLAMA_31_8B = arch({ modelType: 'llama', hidden: 4096, layers: 32, heads: 32, kvHeads: 8, headDim: 128, inter: 14336, vocab: 128256, ropeType: 'llama3' })
const LLAMA_33_70B = arch({ modelType: 'llama', hidden: 8192, layers: 80, heads: 64, kvHeads: 8, headDim: 128, inter: 28672, vocab: 128256, ropeType: 'llama3' })
const QWEN3_32B = arch({ modelType: 'qwen3', hidden: 5120, layers: 64, heads: 64, kvHeads: 8, headDim: 128, inter: 25600, vocab: 151936 })
const QWEN3_30B_A3B = arch({
  modelType: 'qwen3_moe',
  hidden: 2048,
  layers: 48,
  heads: 32,
  kvHeads: 4,
  headDim: 128,
  inter: 6144,
  vocab: 151936,
  moe: { numExperts: 128, expertsPerToken: 8, numSharedExperts: 0, expertIntermediateSize: 768, sharedIntermediateSize: 0 },
})
const QWEN3_NEXT_80B = arch({
  modelType: 'qwen3_next',
  hidden: 2048,
  layers: 48,
  heads: 16,
  kvHeads: 2,
  headDim: 256,
  inter: 5120,
  vocab: 151936,
  moe: { numExperts: 512, expertsPerToken: 10, numSharedExperts: 1, expertIntermediateSize: 512, sharedIntermediateSize: 512 },
  linear: { numKeyHeads: 16, numValueHeads: 32, keyHeadDim: 128, valueHeadDim: 128, convKernel: 4 },
  kind: (i) => ((i + 1) % 4 === 0 ? 'full' : 'linear'),
})
const gptOss = (layers: number, experts: number): Architecture =>
  arch({
    modelType: 'gpt_oss',
    hidden: 2880,
    layers,
    heads: 64,
    kvHeads: 8,
    headDim: 64,
    inter: 2880,
    vocab: 201088,
    moe: { numExperts: experts, expertsPerToken: 4, numSharedExperts: 0, expertIntermediateSize: 2880, sharedIntermediateSize: 0 },
  })
const DEEPSEEK_V3 = arch({
  modelType: 'deepseek_v3',
  hidden: 7168,
  layers: 61,
  heads: 128,
  kvHeads: 1,
  headDim: 192,
  inter: 18432,
  vocab: 129280,
  moeFrom: 3,
  moe: { numExperts: 256, expertsPerToken: 8, numSharedExperts: 1, expertIntermediateSize: 2048, sharedIntermediateSize: 2048 },
  mla: { kvLoraRank: 512, qLoraRank: 1536, qkRopeHeadDim: 64, qkNopeHeadDim: 128, vHeadDim: 128 },
})
const GEMMA3_27B = arch({ modelType: 'gemma3_text', hidden: 5376, layers: 62, heads: 32, kvHeads: 16, headDim: 128, inter: 21504, vocab: 262208, tied: true })

/** A toy llama: hidden 128, 2 layers, 2 heads × 64, 1 KV head, FFN 256, vocab 1000, untied. */
const TOY = arch({ modelType: 'llama', hidden: 128, layers: 2, heads: 2, kvHeads: 1, headDim: 64, inter: 256, vocab: 1000 })
// Quantizable elements: token_embd + output 2 × 128×1000 = 256,000;
// per layer q 128×128 + k,v 2 × 128×64 + o 128×128 + gate,up,down 3 × 128×256 = 147,456 → × 2 = 294,912. Sum 550,912.
// Float elements: output_norm 128 + 2 layers × 2 norms × 128 = 640.
const TOY_QUANTIZABLE = 550_912
const TOY_FLOAT = 640

const typesOf = (r: { typeByTensor: ReadonlyMap<string, string> }, name: string): string | undefined => r.typeByTensor.get(name)

// ======================================================================================================= MLX

describe('mlxWeightBytes', () => {
  it('affine 4-bit, group 64: packed uint32 values + bf16 scale and bias per group of 64', () => {
    // per quantized element: 4/8 byte + (2 + 2) bytes / 64 = 0.5625 → 550,912 × 0.5625 = 309,888; floats 640 × 2 = 1,280.
    const r = mlxWeightBytes(TOY, modelTensors(TOY), { mode: 'affine', bits: 4, groupSize: 64 })
    expect(r.totalBytes).toBe(TOY_QUANTIZABLE / 2 + (TOY_QUANTIZABLE / 64) * 4 + TOY_FLOAT * 2)
    expect(r.totalBytes).toBe(311_168)
    // token_embd is quantized too (mlx nn.Embedding.to_quantized): 128,000 × 0.5 + 2,000 groups × 4 bytes.
    expect(r.byTensor.get('token_embd.weight')).toBe(64_000 + 8_000)
    expect(r.byRole.norm).toBe(TOY_FLOAT * 2)
  })

  it('mxfp4 / nvfp4 / mxfp8: one-byte scales per group, no biases', () => {
    const tensors = modelTensors(TOY)
    // mxfp4: 4 bits + one e8m0 byte per 32 → 550,912/2 + 550,912/32 = 275,456 + 17,216
    expect(mlxWeightBytes(TOY, tensors, { mode: 'mxfp4', bits: 4, groupSize: 32 }).totalBytes).toBe(275_456 + 17_216 + 1_280)
    // nvfp4: 4 bits + one e4m3 byte per 16 → 275,456 + 34,432
    expect(mlxWeightBytes(TOY, tensors, { mode: 'nvfp4', bits: 4, groupSize: 16 }).totalBytes).toBe(275_456 + 34_432 + 1_280)
    // mxfp8: 8 bits + one byte per 32 → 550,912 + 17,216
    expect(mlxWeightBytes(TOY, tensors, { mode: 'mxfp8', bits: 8, groupSize: 32 }).totalBytes).toBe(550_912 + 17_216 + 1_280)
    // none: everything in the model dtype
    expect(mlxWeightBytes(TOY, tensors, { mode: 'none', bits: 0, groupSize: 0 }).totalBytes).toBe((TOY_QUANTIZABLE + TOY_FLOAT) * 2)
    expect(mlxWeightBytes(TOY, tensors, { mode: 'none', bits: 0, groupSize: 0 }, 4).totalBytes).toBe((TOY_QUANTIZABLE + TOY_FLOAT) * 4)
  })

  it('a module whose input dimension is not a multiple of the group size stays in float (wrapped_predicate)', () => {
    // hidden 96: 96 % 64 = 32, so every matrix reading the hidden state (embeddings, q, k, v, gate, up, lm_head) is bf16;
    // o_proj (input 2 × 64 = 128) and down_proj (input 128) are quantized.
    const narrow = arch({ modelType: 'llama', hidden: 96, layers: 1, heads: 2, kvHeads: 1, headDim: 64, inter: 128, vocab: 10 })
    const r = mlxWeightBytes(narrow, modelTensors(narrow), { mode: 'affine', bits: 4, groupSize: 64 })
    const quantized = (n: number): number => n / 2 + (n / 64) * 4
    expect(r.byTensor.get('blk.0.attn_q.weight')).toBe(96 * 128 * 2)
    expect(r.byTensor.get('blk.0.attn_output.weight')).toBe(quantized(128 * 96))
    const floats = (2 * 96 * 10 + 96 * 128 + 2 * 96 * 64 + 2 * 96 * 128 + 3 * 96) * 2
    expect(r.totalBytes).toBe(floats + 2 * quantized(128 * 96))
  })

  it('per-module overrides win: false keeps float, params re-quantize', () => {
    const tensors = modelTensors(TOY)
    const base = mlxWeightBytes(TOY, tensors, { mode: 'affine', bits: 4, groupSize: 64 }).totalBytes
    const overrides: Record<string, MlxLayerQuant | false> = {
      'model.layers.0.mlp.down_proj': false, // 32,768 × 2 = 65,536 instead of 32,768 × 0.5625 = 18,432
      lm_head: { bits: 8, groupSize: 32 }, // 128,000 + 4,000 groups × 4 = 144,000 instead of 72,000
    }
    const r = mlxWeightBytes(TOY, tensors, { mode: 'affine', bits: 4, groupSize: 64, overrides })
    expect(r.totalBytes).toBe(base + (65_536 - 18_432) + (144_000 - 72_000))
  })

  it("keeps MoE routers at 8 bits, group 64, as mlx-lm's quant_predicate does (qwen3_moe)", () => {
    const moe = arch({
      modelType: 'qwen3_moe',
      hidden: 128,
      layers: 1,
      heads: 2,
      kvHeads: 1,
      headDim: 64,
      inter: 256,
      vocab: 100,
      moe: { numExperts: 4, expertsPerToken: 2, numSharedExperts: 0, expertIntermediateSize: 64, sharedIntermediateSize: 0 },
    })
    const tensors = modelTensors(moe)
    const router = tensors.find((t) => t.name === 'blk.0.ffn_gate_inp.weight')!
    expect(mlxModulePath(router, 'qwen3_moe')).toBe('model.layers.0.mlp.gate')
    // 128 × 4 = 512 elements: 8-bit → 512 + 8 groups × 4 bytes = 544; without the predicate 4-bit → 256 + 32 = 288.
    expect(mlxWeightBytes(moe, tensors, { mode: 'affine', bits: 4, groupSize: 64 }).byTensor.get(router.name)).toBe(544)
    expect(mlxWeightBytes(moe, tensors, { mode: 'affine', bits: 4, groupSize: 64, familyPredicate: false }).byTensor.get(router.name)).toBe(288)
    // Experts (SwitchLinear) are quantized like any linear: 128 × 64 × 4 = 32,768 elements → 16,384 + 512 × 4.
    expect(mlxWeightBytes(moe, tensors, { mode: 'affine', bits: 4, groupSize: 64 }).byTensor.get('blk.0.ffn_up_exps.weight')).toBe(16_384 + 2_048)
  })

  it('DeepSeek: MoEGate cannot be quantized, e_score_correction_bias stays float32, kv_b halves are MultiLinear', () => {
    const tensors = modelTensors(DEEPSEEK_V3)
    const r = mlxWeightBytes(DEEPSEEK_V3, tensors, { mode: 'affine', bits: 4, groupSize: 64 })
    expect(r.byTensor.get('blk.3.ffn_gate_inp.weight')).toBe(7168 * 256 * 2)
    expect(r.byTensor.get('blk.3.exp_probs_b.bias')).toBe(256 * 4)
    // embed_q (heads, kv_lora, nope): 128 × 512 × 128 = 8,388,608 elements, groups along nope 128 → 0.5625 bytes each.
    expect(r.byTensor.get('blk.3.attn_k_b.weight')).toBe(8_388_608 * 0.5625)
    expect(
      mlxModulePath(
        tensors.find((t) => t.name === 'blk.3.attn_k_b.weight')!,
        'deepseek_v3',
      ),
    ).toBe('model.layers.3.self_attn.embed_q')
  })

  it('rejects parameters mx.quantize rejects', () => {
    expect(() => mlxQuantizedBytes(64, 64, { mode: 'affine', bits: 4, groupSize: 48 }, 2)).toThrow(RangeError)
    expect(() => mlxQuantizedBytes(64, 64, { mode: 'mxfp4', bits: 4, groupSize: 64 }, 2)).toThrow(RangeError)
    expect(() => mlxQuantizedBytes(64, 64, { mode: 'affine', bits: 7, groupSize: 64 }, 2)).toThrow(RangeError)
  })

  describe('matches published mlx-community conversions byte for byte', () => {
    // Sizes: exo's test pinning mlx-community repos to verified snapshots (search-index:67131247648, PINNED_NCCL_MODEL_CARDS)
    // and exo-explore/exo:resources/inference_model_cards/*.toml @b5375f8 (the Nemotron-70B cards, same shapes as Llama 3.x 70B).
    it('Llama-3.1-8B-Instruct-4bit: 4,517,404,672 bytes', () => {
      // (8,030,261,248 params − 266,240 norm elements) × 0.5625 + 266,240 × 2
      const r = mlxWeightBytes(LLAMA_31_8B, modelTensors(LLAMA_31_8B), { mode: 'affine', bits: 4, groupSize: 64 })
      expect(r.totalBytes).toBe((8_030_261_248 - 266_240) * 0.5625 + 266_240 * 2)
      expect(r.totalBytes).toBe(4_517_404_672)
    })

    it('Llama-3.x-70B 4bit / 8bit / bf16: 39,688,355,840 / 74,964,549,632 / 141,107,412,992 bytes', () => {
      const tensors = modelTensors(LLAMA_33_70B)
      expect(mlxWeightBytes(LLAMA_33_70B, tensors, { mode: 'affine', bits: 4, groupSize: 64 }).totalBytes).toBe(39_688_355_840)
      expect(mlxWeightBytes(LLAMA_33_70B, tensors, { mode: 'affine', bits: 8, groupSize: 64 }).totalBytes).toBe(74_964_549_632)
      expect(mlxWeightBytes(LLAMA_33_70B, tensors, { mode: 'none', bits: 0, groupSize: 0 }).totalBytes).toBe(141_107_412_992)
    })

    it('Qwen3-(Coder-)30B-A3B 4bit: 17,180,913,664 bytes, routers at 8 bits', () => {
      const r = mlxWeightBytes(QWEN3_30B_A3B, modelTensors(QWEN3_30B_A3B), { mode: 'affine', bits: 4, groupSize: 64 })
      expect(r.totalBytes).toBe(17_180_913_664)
    })

    it('Qwen3-(Coder-)Next 4bit: 44,844,060,160 bytes (in_proj_qkvz fused, shared_expert_gate at 8 bits)', () => {
      const r = mlxWeightBytes(QWEN3_NEXT_80B, modelTensors(QWEN3_NEXT_80B), { mode: 'affine', bits: 4, groupSize: 64 })
      expect(r.totalBytes).toBe(44_844_060_160)
    })

    it('gpt-oss-20b-MXFP4-Q8: experts mxfp4, everything else 8-bit affine = 12,076,119,168 bytes', () => {
      const oss = gptOss(24, 32)
      const tensors = modelTensors(oss)
      const overrides: Record<string, MlxLayerQuant> = {}
      for (const t of tensors) {
        if (t.role.endsWith('_exps') && t.name.endsWith('.weight')) overrides[mlxModulePath(t, 'gpt_oss')] = { bits: 4, groupSize: 32, mode: 'mxfp4' }
      }
      // experts 24 × 3 × 32 × 2880² × 0.53125 = 10,152,345,600; expert biases 24 × 3 × 32 × 2880 × 2 = 13,271,040;
      // attention 24 × 26,542,080 × 1.0625 = 676,823,040; biases/sinks/norms 24 × (8,000 + 64 + 5,760) × 2 = 663,552;
      // router 24 × (92,160 × 1.0625 + 32 × 2) = 2,351,616; embedding + lm_head 2 × 579,133,440 × 1.0625 = 1,230,658,560;
      // output_norm 5,760
      const r = mlxWeightBytes(oss, tensors, { mode: 'affine', bits: 8, groupSize: 64, overrides })
      expect(r.totalBytes).toBe(10_152_345_600 + 13_271_040 + 676_823_040 + 663_552 + 2_351_616 + 1_230_658_560 + 5_760)
      expect(r.totalBytes).toBe(12_076_119_168)
    })

    it('tied small models: Llama-3.2-1B 4bit 695,242,752; SmolLM2-135M 8bit 142,955,136', () => {
      const l1b = arch({ modelType: 'llama', hidden: 2048, layers: 16, heads: 32, kvHeads: 8, headDim: 64, inter: 8192, vocab: 128256, tied: true })
      expect(mlxWeightBytes(l1b, modelTensors(l1b), { mode: 'affine', bits: 4, groupSize: 64 }).totalBytes).toBe(695_242_752)
      const smol = arch({ modelType: 'llama', hidden: 576, layers: 30, heads: 9, kvHeads: 3, headDim: 64, inter: 1536, vocab: 49152, tied: true })
      expect(mlxWeightBytes(smol, modelTensors(smol), { mode: 'affine', bits: 8, groupSize: 64 }).totalBytes).toBe(142_955_136)
    })
  })
})

// @frost-beta/mlx is a dependency (its Linux x64 CPU build loads here): the cross-check always runs.
const mx = loadMlx()

describe('mlxQuantizedBytes against mx.quantize (@frost-beta/mlx, affine only in that binding)', () => {
  it('has the binding', () => expect(mx).not.toBeNull())
  const cases = [
    [64, 4],
    [32, 4],
    [32, 8],
    [64, 8],
  ] as const
  for (const [groupSize, bits] of cases) {
    for (const [dtype, dtypeBytes] of [
      ['bfloat16', 2],
      ['float16', 2],
      ['float32', 4],
    ] as const) {
      it(`${bits}-bit, group ${groupSize}, ${dtype}: packed + scales + biases`, () => {
        const core = mx!
        const w = core.random.normal([8, 256]).astype(core[dtype])
        const stored = core.quantize(w, groupSize, bits).reduce((sum, a) => sum + (a.nbytes ?? 0), 0)
        expect(mlxQuantizedBytes(8 * 256, 256, { mode: 'affine', bits, groupSize }, dtypeBytes)).toBe(stored)
      })
    }
  }
})

describe('mlxModulePath', () => {
  const find = (tensors: readonly TensorSpec[], name: string): TensorSpec => tensors.find((t) => t.name === name)!
  it('maps GGUF names to mlx-lm module paths per family', () => {
    const llama = modelTensors(TOY)
    expect(mlxModulePath(find(llama, 'token_embd.weight'), 'llama')).toBe('model.embed_tokens')
    expect(mlxModulePath(find(llama, 'output.weight'), 'llama')).toBe('lm_head')
    expect(mlxModulePath(find(llama, 'blk.1.ffn_norm.weight'), 'llama')).toBe('model.layers.1.post_attention_layernorm')
    const next = modelTensors(QWEN3_NEXT_80B)
    expect(mlxModulePath(find(next, 'blk.0.attn_qkv.weight'), 'qwen3_next')).toBe('model.layers.0.linear_attn.in_proj_qkvz')
    expect(mlxModulePath(find(next, 'blk.0.attn_gate.weight'), 'qwen3_next')).toBe('model.layers.0.linear_attn.in_proj_qkvz')
    expect(mlxModulePath(find(next, 'blk.3.ffn_gate_inp_shexp.weight'), 'qwen3_next')).toBe('model.layers.3.mlp.shared_expert_gate')
    const oss = modelTensors(gptOss(2, 4))
    expect(mlxModulePath(find(oss, 'blk.1.ffn_gate_inp.weight'), 'gpt_oss')).toBe('model.layers.1.mlp.router')
    expect(mlxModulePath(find(oss, 'blk.1.ffn_down_exps.weight'), 'gpt_oss')).toBe('model.layers.1.mlp.experts.down_proj')
    const gemma = modelTensors({ ...GEMMA3_27B, modelType: 'gemma3' })
    expect(mlxModulePath(find(gemma, 'blk.0.ffn_norm.weight'), 'gemma3')).toBe('language_model.model.layers.0.pre_feedforward_layernorm')
  })
})

// ====================================================================================================== GGUF

describe('useMoreBits', () => {
  it('picks the first and last eighth and every third layer in between (32 layers → 16 layers)', () => {
    // n/8 = 4, 7n/8 = 28: i < 4, i ≥ 28, or (i − 4) % 3 == 2 → 6, 9, …, 27
    const picked = Array.from({ length: 32 }, (_, i) => i).filter((i) => useMoreBits(i, 32))
    expect(picked).toEqual([0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31])
  })
})

describe('ggufWeightBytes', () => {
  it('Q4_K_M on Llama-3-8B: Q6_K for output and for attn_v/ffn_down on use_more_bits layers; 4,912,898,048 bytes (quantize.cpp "4.58G")', () => {
    const r = ggufWeightBytes(LLAMA_3_8B, modelTensors(LLAMA_3_8B), 'Q4_K_M')
    for (let i = 0; i < 32; i++) {
      const more = useMoreBits(i, 32)
      expect(typesOf(r, `blk.${i}.attn_v.weight`)).toBe(more ? 'Q6_K' : 'Q4_K')
      expect(typesOf(r, `blk.${i}.ffn_down.weight`)).toBe(more ? 'Q6_K' : 'Q4_K')
      expect(typesOf(r, `blk.${i}.attn_q.weight`)).toBe('Q4_K')
      expect(typesOf(r, `blk.${i}.ffn_up.weight`)).toBe('Q4_K')
      expect(typesOf(r, `blk.${i}.attn_norm.weight`)).toBe('F32')
    }
    expect(typesOf(r, 'output.weight')).toBe('Q6_K')
    expect(typesOf(r, 'token_embd.weight')).toBe('Q4_K')
    // Q4_K: 144 bytes / 256 weights; Q6_K: 210 / 256.
    // layer, all Q4_K: (16,777,216×2 + 4,194,304×2 + 58,720,256×3) × 144/256 + 8,192 × 4 = 122,716,160
    // 16 use_more_bits layers add (4,194,304 + 58,720,256) × 66/256 = 16,220,160 each
    // token_embd 525,336,576 × 144/256 = 295,501,824; output × 210/256 = 430,940,160; output_norm 16,384
    const expected = 32 * 122_716_160 + 16 * 16_220_160 + 295_501_824 + 430_940_160 + 16_384
    expect(r.totalBytes).toBe(expected)
    expect(r.totalBytes).toBe(4_912_898_048)
    expect(r.totalBytes / 2 ** 30).toBeCloseTo(4.58, 2)
  })

  it("Llama 3.1 adds the converter's rope_freqs {64} F32 (llama3 rope scaling)", () => {
    const r = ggufWeightBytes(LLAMA_31_8B, modelTensors(LLAMA_31_8B), 'Q4_K_M')
    expect(typesOf(r, 'rope_freqs.weight')).toBe('F32')
    expect(r.totalBytes).toBe(4_912_898_048 + 64 * 4)
    expect(ggufTensors(LLAMA_3_8B, modelTensors(LLAMA_3_8B)).some((t) => t.name === 'rope_freqs.weight')).toBe(false)
  })

  it('70B llama: attn_v that stays Q4_K is bumped to Q5_K (LLM_TYPE_70B rule)', () => {
    const r = ggufWeightBytes(LLAMA_33_70B, modelTensors(LLAMA_33_70B), 'Q4_K_M')
    expect(typesOf(r, 'blk.4.attn_v.weight')).toBe('Q6_K') // 4 < 80/8
    expect(typesOf(r, 'blk.11.attn_v.weight')).toBe('Q5_K') // (11 − 10) % 3 = 1 → Q4_K → 70B → Q5_K
    expect(typesOf(r, 'blk.11.ffn_down.weight')).toBe('Q4_K') // the bump is attn_v-only
  })

  it('Q4_K_S, Q5_K_M, Q6_K, Q8_0, IQ4_XS, Q4_0 mixes', () => {
    const tensors = modelTensors(LLAMA_3_8B)
    const ks = ggufWeightBytes(LLAMA_3_8B, tensors, 'Q4_K_S')
    expect([typesOf(ks, 'blk.3.attn_v.weight'), typesOf(ks, 'blk.4.attn_v.weight')]).toEqual(['Q5_K', 'Q4_K'])
    expect([typesOf(ks, 'blk.3.ffn_down.weight'), typesOf(ks, 'blk.4.ffn_down.weight')]).toEqual(['Q5_K', 'Q4_K'])
    const k5m = ggufWeightBytes(LLAMA_3_8B, tensors, 'q5_k_m')
    expect([typesOf(k5m, 'blk.6.ffn_down.weight'), typesOf(k5m, 'blk.7.ffn_down.weight')]).toEqual(['Q6_K', 'Q5_K'])
    const q8 = ggufWeightBytes(LLAMA_3_8B, tensors, 'Q8_0')
    expect(new Set(tensors.filter((t) => t.quantizable).map((t) => typesOf(q8, t.name)))).toEqual(new Set(['Q8_0']))
    // IQ4_XS without imatrix: attn_v Q5_K (n_gqa = 32/8 = 4), ffn_down of the first 32/8 layers Q5_K; output Q6_K.
    const iq = ggufWeightBytes(LLAMA_3_8B, tensors, 'IQ4_XS')
    expect([typesOf(iq, 'blk.0.attn_v.weight'), typesOf(iq, 'blk.3.ffn_down.weight'), typesOf(iq, 'blk.4.ffn_down.weight')]).toEqual(['Q5_K', 'Q5_K', 'IQ4_XS'])
    expect(typesOf(iq, 'output.weight')).toBe('Q6_K')
    expect(typesOf(ggufWeightBytes(LLAMA_3_8B, tensors, 'IQ4_XS', { imatrix: true }), 'blk.3.ffn_down.weight')).toBe('IQ4_XS')
    // Q4_0: output still goes to Q6_K ("new_type != Q8_0").
    const q40 = ggufWeightBytes(LLAMA_3_8B, tensors, 'Q4_0')
    expect([typesOf(q40, 'output.weight'), typesOf(q40, 'blk.0.attn_v.weight')]).toEqual(['Q6_K', 'Q4_0'])
  })

  it('Q8_0 Qwen3-32B: every matrix Q8_0, norms F32 = 34,811,744,256 bytes (bartowski file: "34.82GB" with metadata)', () => {
    // 2-D elements 32,762,123,264 − 676,864 (1-D norms) = 32,761,446,400 × 34/32; norms × 4
    const r = ggufWeightBytes(QWEN3_32B, modelTensors(QWEN3_32B), 'Q8_0')
    expect(r.totalBytes).toBe((32_761_446_400 * 34) / 32 + 676_864 * 4)
    expect(r.totalBytes).toBe(34_811_744_256)
    // BF16: 2 bytes per parameter, 2 more for each F32 norm element → 65,525,600,256 (bartowski "65.53GB")
    expect(ggufWeightBytes(QWEN3_32B, modelTensors(QWEN3_32B), 'BF16').totalBytes).toBe(32_762_123_264 * 2 + 676_864 * 2)
  })

  it('F16: the converter keeps norms F32 and writes every matrix in F16', () => {
    // 2 bytes × 8,030,261,248 + 2 extra bytes for each of the 266,240 F32 norm elements
    expect(ggufWeightBytes(LLAMA_3_8B, modelTensors(LLAMA_3_8B), 'F16').totalBytes).toBe(8_030_261_248 * 2 + 266_240 * 2)
  })

  it('Gemma 3: token_embd is trimmed to the 262,144-token tokenizer and, being tied, quantized like output (Q6_K)', () => {
    const r = ggufWeightBytes(GEMMA3_27B, modelTensors(GEMMA3_27B), 'Q4_K_M')
    expect(typesOf(r, 'token_embd.weight')).toBe('Q6_K')
    // 5376 × 262144 / 256 blocks × 210 bytes
    expect(r.byTensor.get('token_embd.weight')).toBe(((5376 * 262_144) / 256) * 210)
    const withExtra = { ...GEMMA3_27B, extras: { ggufVocabSize: 262_208 } }
    expect(ggufTensors(withExtra, modelTensors(withExtra)).find((t) => t.name === 'token_embd.weight')?.shape).toEqual([5376, 262_208])
  })

  it('falls back when a row is not a multiple of 256 (gpt-oss: 2880 = 11.25 × 256)', () => {
    const r = ggufWeightBytes(gptOss(36, 128), modelTensors(gptOss(36, 128)), 'Q4_K_M')
    expect(typesOf(r, 'blk.5.attn_q.weight')).toBe('Q5_0') // Q4_K → Q5_0
    expect(typesOf(r, 'blk.5.attn_output.weight')).toBe('Q4_K') // row 4096
    expect(typesOf(r, 'blk.0.attn_v.weight')).toBe('Q8_0') // use_more_bits → Q6_K → Q8_0
    expect(typesOf(r, 'output.weight')).toBe('Q8_0') // 2880 % 256 ≠ 0
    expect(typesOf(r, 'blk.0.ffn_down_exps.weight')).toBe('Q8_0') // 0 < 36/8 → Q6_K → Q8_0
    expect(typesOf(r, 'blk.5.ffn_down_exps.weight')).toBe('Q5_0') // (5 − 4) % 3 = 1 → Q4_K → Q5_0
    expect(typesOf(r, 'blk.5.ffn_gate_inp.weight')).toBe('F32') // routers are never quantized
    expect(typesOf(r, 'blk.5.attn_sinks.weight')).toBe('F32')
    expect(typesOf(r, 'blk.5.ffn_up_exps.bias')).toBe('F32')
  })

  it('MXFP4 (MXFP4_MOE) gpt-oss-120b: experts MXFP4, other matrices Q8_0, routers/biases/norms F32 = 59.02 GiB (ggml-org GGUF)', () => {
    const oss = gptOss(36, 128)
    const tensors = modelTensors(oss)
    const r = ggufWeightBytes(oss, tensors, 'MXFP4')
    expect(typesOf(r, 'blk.0.ffn_gate_exps.weight')).toBe('MXFP4')
    expect(typesOf(r, 'blk.0.attn_q.weight')).toBe('Q8_0')
    expect(typesOf(r, 'token_embd.weight')).toBe('Q8_0')
    expect(typesOf(r, 'output.weight')).toBe('Q8_0')
    expect(typesOf(r, 'blk.0.ffn_gate_inp.weight')).toBe('F32')
    // per layer: experts 3,185,049,600 × 17/32 = 1,692,057,600; attention 26,542,080 × 34/32 = 28,200,960;
    //   router 368,640 × 4 = 1,474,560; F32 biases (8,000 + 128 + 1,105,920) × 4 = 4,456,192; sinks 256; norms 23,040
    // embeddings 1,158,266,880 × 34/32 = 1,230,658,560; output_norm 11,520
    const perLayer = 1_692_057_600 + 28_200_960 + 1_474_560 + 4_456_192 + 256 + 23_040
    expect(r.totalBytes).toBe(36 * perLayer + 1_230_658_560 + 11_520)
    expect(r.totalBytes).toBe(63_374_323_968)
    expect((r.totalBytes / 2 ** 30).toFixed(2)).toBe('59.02') // llama-bench on ggml-org/gpt-oss-120b-GGUF: "59.02 GiB"
    // The F16 conversion keeps the experts MXFP4 and writes the other matrices F16: "60.87 GiB" (unsloth F16).
    const f16 = ggufWeightBytes(oss, tensors, 'F16')
    expect(typesOf(f16, 'blk.0.ffn_gate_exps.weight')).toBe('MXFP4')
    expect((f16.totalBytes / 2 ** 30).toFixed(2)).toBe('60.87')
  })

  it('DeepSeek V3 Q4_K_M: attn_k_b (row 128) falls back to Q5_0; expert ffn_down follows the block number', () => {
    const r = ggufWeightBytes(DEEPSEEK_V3, modelTensors(DEEPSEEK_V3), 'Q4_K_M')
    expect(typesOf(r, 'blk.3.attn_k_b.weight')).toBe('Q5_0')
    expect(typesOf(r, 'blk.3.attn_v_b.weight')).toBe('Q4_K')
    // n_expert > 1 → layer_info parses blk.N: 61/8 = 7; 3 < 7 → Q6_K; (9 − 7) % 3 = 2 → Q6_K; (10 − 7) % 3 = 0 → Q4_K
    expect(typesOf(r, 'blk.3.ffn_down_exps.weight')).toBe('Q6_K')
    expect(typesOf(r, 'blk.9.ffn_down_shexp.weight')).toBe('Q6_K')
    expect(typesOf(r, 'blk.10.ffn_down_exps.weight')).toBe('Q4_K')
    expect(typesOf(r, 'blk.10.exp_probs_b.bias')).toBe('F32')
    expect(typesOf(r, 'blk.10.ffn_gate_inp.weight')).toBe('F32')
  })

  it('Qwen3-Next Q4_K_M: linear-attention attn_qkv and full-attention attn_v share the attn_v counter', () => {
    const r = ggufWeightBytes(QWEN3_NEXT_80B, modelTensors(QWEN3_NEXT_80B), 'Q4_K_M')
    // one attn_v-like tensor per layer, 48 in all: use_more_bits(i, 48) with 48/8 = 6
    expect(typesOf(r, 'blk.0.attn_qkv.weight')).toBe('Q6_K') // 0 < 6
    expect(typesOf(r, 'blk.3.attn_v.weight')).toBe('Q6_K') // 3 < 6
    expect(typesOf(r, 'blk.7.attn_v.weight')).toBe('Q4_K') // (7 − 6) % 3 = 1
    expect(typesOf(r, 'blk.8.attn_qkv.weight')).toBe('Q6_K') // (8 − 6) % 3 = 2
    expect(typesOf(r, 'blk.8.attn_gate.weight')).toBe('Q4_K')
    expect(typesOf(r, 'blk.8.ssm_conv1d.weight')).toBe('F32')
    expect(typesOf(r, 'blk.8.ffn_gate_inp_shexp.weight')).toBe('F32')
  })

  it('parses ftype spellings and rejects unknown ones', () => {
    expect(parseGgufFtype('q4_k_m')).toBe('Q4_K_M')
    expect(parseGgufFtype('MOSTLY_Q4_K_M')).toBe('Q4_K_M')
    expect(parseGgufFtype('MXFP4_MOE')).toBe('MXFP4')
    expect(() => parseGgufFtype('Q4_K_XL')).toThrow(/Q4_K_XL/)
  })
})

// ================================================================================================= per token

describe('activeWeightBytesPerToken', () => {
  it('dense, untied: everything but the embedding, plus one embedding row', () => {
    const r = ggufWeightBytes(LLAMA_31_8B, modelTensors(LLAMA_31_8B), 'Q4_K_M')
    // token_embd Q4_K: one row = 4096/256 × 144 = 2,304 bytes
    expect(activeWeightBytesPerToken(r.tensors, r.byTensor, LLAMA_31_8B)).toBe(r.totalBytes - 295_501_824 + 2_304)
  })

  it('MoE: routed experts count expertsPerToken/numExperts (Qwen3-30B-A3B in bf16 reads 3.04B parameters)', () => {
    // parameters: 30,532,122,624 total, of which experts 48 × 603,979,776 = 28,991,029,248; embedding 151936 × 2048 = 311,164,928
    // active = (30,532,122,624 − 28,991,029,248) − 311,164,928 + 2,048 + 28,991,029,248 × 8/128 = 3,041,869,824 params
    const tensors = modelTensors(QWEN3_30B_A3B)
    const r = mlxWeightBytes(QWEN3_30B_A3B, tensors, { mode: 'none', bits: 0, groupSize: 0 })
    expect(activeWeightBytesPerToken(tensors, r.byTensor, QWEN3_30B_A3B)).toBe(3_041_869_824 * 2)
  })

  it('a tied embedding is the output matrix too, so it is read in full', () => {
    const r = ggufWeightBytes(GEMMA3_27B, modelTensors(GEMMA3_27B), 'Q4_K_M')
    expect(activeWeightBytesPerToken(r.tensors, r.byTensor, GEMMA3_27B)).toBe(r.totalBytes)
  })
})
