import { describe, expect, it } from 'vitest'
import type { Architecture, LinearAttentionSpec, MambaSpec, MlaSpec, MoeSpec } from '../model/architecture.ts'
import { arch } from '../../test/support/arch.ts'
import { UnsupportedTensorLayoutError, modelTensors, parameterCount, tensorElements, type TensorSpec } from './tensors.ts'

const byName = (tensors: readonly TensorSpec[], name: string): TensorSpec => {
  const t = tensors.find((x) => x.name === name)
  if (t === undefined) throw new Error(`no tensor ${name}`)
  return t
}
const namesOfLayer = (tensors: readonly TensorSpec[], i: number): string[] =>
  tensors
    .filter((t) => t.layer === i)
    .map((t) => t.name.replace(`blk.${i}.`, ''))
    .sort()

/** meta-llama/Llama-3.1-8B config.json (src/catalog/model-configs.ts). */
const LLAMA_31_8B = arch({ modelType: 'llama', hidden: 4096, layers: 32, heads: 32, kvHeads: 8, headDim: 128, inter: 14336, vocab: 128256 })

describe('modelTensors parameter counts', () => {
  it('Llama-3.1-8B has exactly 8,030,261,248 parameters', () => {
    // embeddings: 2 × 128256 × 4096                                = 1,050,673,152 (untied: token_embd + output)
    // per layer: q 4096×4096 + k,v 2×4096×1024 + o 4096×4096      =    41,943,040
    //            gate,up,down 3 × 4096 × 14336                    =   176,160,768
    //            attn_norm + ffn_norm 2 × 4096                    =         8,192   → 218,112,000 × 32 = 6,979,584,000
    // output_norm                                                 =         4,096
    const tensors = modelTensors(LLAMA_31_8B)
    expect(parameterCount(tensors)).toBe(1_050_673_152 + 6_979_584_000 + 4_096)
    expect(parameterCount(tensors)).toBe(8_030_261_248)
    expect(tensors).toHaveLength(3 + 32 * 9)
    expect(byName(tensors, 'blk.0.attn_k.weight').shape).toEqual([4096, 1024])
    expect(byName(tensors, 'blk.31.ffn_down.weight').shape).toEqual([14336, 4096])
    expect(byName(tensors, 'output.weight')).toMatchObject({ role: 'output', quantizable: true, layer: null })
    expect(byName(tensors, 'blk.5.attn_norm.weight')).toMatchObject({ role: 'norm', quantizable: false, layer: 5 })
  })

  it("Qwen3-32B: 32,762,123,264 parameters = Qwen's published 32.8B (31.2B without embeddings)", () => {
    // head_dim 128 × 64 heads = 8192 ≠ hidden 5120.
    // per layer: q 5120×8192 + o 8192×5120 = 83,886,080; k,v 2 × 5120×1024 = 10,485,760; mlp 3 × 5120×25600 = 393,216,000;
    //            q_norm,k_norm 2×128 = 256; attn_norm, ffn_norm 2×5120 = 10,240                 → 487,598,336 × 64 = 31,206,293,504
    // embeddings 2 × 151936 × 5120 = 1,555,824,640; output_norm 5120
    const qwen = arch({ modelType: 'qwen3', hidden: 5120, layers: 64, heads: 64, kvHeads: 8, headDim: 128, inter: 25600, vocab: 151936 })
    const tensors = modelTensors(qwen)
    expect(parameterCount(tensors)).toBe(31_206_293_504 + 1_555_824_640 + 5_120)
    expect(parameterCount(tensors)).toBe(32_762_123_264)
    const nonEmbedding = parameterCount(tensors.filter((t) => t.role !== 'embedding' && t.role !== 'output'))
    expect(nonEmbedding / 1e9).toBeCloseTo(31.2, 1)
    expect(byName(tensors, 'blk.0.attn_q_norm.weight').shape).toEqual([128])
    expect(byName(tensors, 'blk.0.attn_q.weight').shape).toEqual([5120, 8192])
  })

  it('Qwen3-30B-A3B: 30,532,122,624 parameters, routed experts as 3-D tensors', () => {
    // per layer: attention 2×(2048×4096) + 2×(2048×512) = 18,874,368; q/k norms 256; norms 4096; router 2048×128 = 262,144;
    //            experts 3 × 128 × 2048 × 768 = 603,979,776                                    → 623,120,640 × 48 = 29,909,790,720
    // embeddings 2 × 151936 × 2048 = 622,329,856; output_norm 2048
    const moe: MoeSpec = { numExperts: 128, expertsPerToken: 8, numSharedExperts: 0, expertIntermediateSize: 768, sharedIntermediateSize: 0 }
    const tensors = modelTensors(arch({ modelType: 'qwen3_moe', hidden: 2048, layers: 48, heads: 32, kvHeads: 4, headDim: 128, inter: 6144, vocab: 151936, moe }))
    expect(parameterCount(tensors)).toBe(29_909_790_720 + 622_329_856 + 2_048)
    expect(byName(tensors, 'blk.7.ffn_gate_exps.weight')).toMatchObject({ shape: [2048, 768, 128], role: 'ffn_gate_exps' })
    expect(byName(tensors, 'blk.7.ffn_down_exps.weight').shape).toEqual([768, 2048, 128])
    expect(byName(tensors, 'blk.7.ffn_gate_inp.weight')).toMatchObject({ shape: [2048, 128], role: 'router' })
    expect(tensors.some((t) => t.name === 'blk.7.ffn_gate.weight')).toBe(false)
  })

  it('gpt-oss-120b: 116,829,156,672 parameters (llama-bench prints "116.83 B"), with sinks and biases everywhere', () => {
    // per layer: attention weights 2×(2880×4096) + 2×(2880×512) = 26,542,080; biases 4096+512+512+2880 = 8,000; sinks 64;
    //            norms 2×2880 = 5,760; router 2880×128 + 128 = 368,768; experts 3 × 128 × 2880×2880 = 3,185,049,600;
    //            expert biases 3 × 128 × 2880 = 1,105,920                                 → 3,213,080,192 × 36 = 115,670,886,912
    // embeddings 2 × 201088 × 2880 = 1,158,266,880; output_norm 2880
    const moe: MoeSpec = { numExperts: 128, expertsPerToken: 4, numSharedExperts: 0, expertIntermediateSize: 2880, sharedIntermediateSize: 0 }
    const gptOss = arch({ modelType: 'gpt_oss', hidden: 2880, layers: 36, heads: 64, kvHeads: 8, headDim: 64, inter: 2880, vocab: 201088, moe })
    const tensors = modelTensors(gptOss)
    expect(parameterCount(tensors)).toBe(115_670_886_912 + 1_158_266_880 + 2_880)
    expect(byName(tensors, 'blk.0.attn_sinks.weight')).toMatchObject({ shape: [64], quantizable: false })
    expect(byName(tensors, 'blk.0.attn_output.bias').shape).toEqual([2880])
    expect(byName(tensors, 'blk.0.ffn_gate_inp.bias').role).toBe('router')
    // An expert's bias belongs to the expert: only the selected experts' rows are read per token.
    expect(byName(tensors, 'blk.0.ffn_down_exps.bias')).toMatchObject({ shape: [2880, 128], role: 'ffn_down_exps', quantizable: false })
  })

  it('DeepSeek-V3: 671,026,419,200 parameters (the published 671B; the MTP layer is not loaded)', () => {
    // MLA attention per layer: q_a 7168×1536 = 11,010,048; q_a_norm 1536; q_b 1536×(128×192) = 37,748,736;
    //   kv_a_mqa 7168×576 = 4,128,768; kv_a_norm 512; k_b 128×512×128 = 8,388,608; v_b 512×128×128 = 8,388,608;
    //   o 16384×7168 = 117,440,512; attn_norm + ffn_norm 14,336                                          = 187,121,664
    // dense FFN (layers 0–2): 3 × 7168 × 18432 = 396,361,728
    // MoE FFN (layers 3–60): router 7168×256 = 1,835,008; exp_probs_b 256; experts 3 × 256 × 7168×2048 = 11,274,289,152;
    //   shared expert 3 × 7168 × 2048 = 44,040,192                                                       = 11,320,164,608
    // total = 61 × 187,121,664 + 3 × 396,361,728 + 58 × 11,320,164,608 + 2 × 129280 × 7168 + 7168
    const moe: MoeSpec = { numExperts: 256, expertsPerToken: 8, numSharedExperts: 1, expertIntermediateSize: 2048, sharedIntermediateSize: 2048 }
    const mla: MlaSpec = { kvLoraRank: 512, qLoraRank: 1536, qkRopeHeadDim: 64, qkNopeHeadDim: 128, vHeadDim: 128 }
    const v3 = arch({ modelType: 'deepseek_v3', hidden: 7168, layers: 61, heads: 128, kvHeads: 1, headDim: 192, inter: 18432, vocab: 129280, moe, moeFrom: 3, mla })
    const tensors = modelTensors(v3)
    expect(parameterCount(tensors)).toBe(61 * 187_121_664 + 3 * 396_361_728 + 58 * 11_320_164_608 + 2 * 129_280 * 7_168 + 7_168)
    expect(parameterCount(tensors)).toBe(671_026_419_200)
    expect(namesOfLayer(tensors, 2)).toContain('ffn_down.weight')
    expect(namesOfLayer(tensors, 2)).not.toContain('ffn_gate_inp.weight')
    expect(namesOfLayer(tensors, 3)).toEqual([
      'attn_k_b.weight',
      'attn_kv_a_mqa.weight',
      'attn_kv_a_norm.weight',
      'attn_norm.weight',
      'attn_output.weight',
      'attn_q_a.weight',
      'attn_q_a_norm.weight',
      'attn_q_b.weight',
      'attn_v_b.weight',
      'exp_probs_b.bias',
      'ffn_down_exps.weight',
      'ffn_down_shexp.weight',
      'ffn_gate_exps.weight',
      'ffn_gate_inp.weight',
      'ffn_gate_shexp.weight',
      'ffn_norm.weight',
      'ffn_up_exps.weight',
      'ffn_up_shexp.weight',
    ])
    expect(byName(tensors, 'blk.3.attn_kv_a_mqa.weight').shape).toEqual([7168, 512 + 64])
    expect(byName(tensors, 'blk.3.attn_k_b.weight').shape).toEqual([128, 512, 128])
  })

  it('Qwen3-Next-80B-A3B: linear-attention and gated full-attention layers, shared expert with its gate', () => {
    // linear layer (36 of 48): qkv 2048×8192 + gate 2048×4096 + ba 2048×64 + conv 4×8192 + dt 32 + A 32 + norm 128
    //   + out 4096×2048                                                                               = 33,718,464
    // full layer (12 of 48): q 2048×8192 (query + gate) + k,v 2×2048×512 + o 4096×2048 + q/k norm 2×256 = 27,263,488
    // every layer: norms 2×2048; router 2048×512 = 1,048,576; experts 3 × 512 × 2048×512 = 1,610,612,736;
    //   shared expert 3 × 2048×512 = 3,145,728; shared gate 2048                                        = 1,614,813,184
    // embeddings 2 × 151936 × 2048 = 622,329,856; output_norm 2048
    const moe: MoeSpec = { numExperts: 512, expertsPerToken: 10, numSharedExperts: 1, expertIntermediateSize: 512, sharedIntermediateSize: 512 }
    const linear: LinearAttentionSpec = { numKeyHeads: 16, numValueHeads: 32, keyHeadDim: 128, valueHeadDim: 128, convKernel: 4 }
    const next = arch({
      modelType: 'qwen3_next',
      hidden: 2048,
      layers: 48,
      heads: 16,
      kvHeads: 2,
      headDim: 256,
      inter: 5120,
      vocab: 151936,
      moe,
      linear,
      kind: (i) => ((i + 1) % 4 === 0 ? 'full' : 'linear'),
    })
    const tensors = modelTensors(next)
    expect(parameterCount(tensors)).toBe(36 * 33_718_464 + 12 * 27_263_488 + 48 * 1_614_813_184 + 622_329_856 + 2_048)
    expect(namesOfLayer(tensors, 0)).toContain('ssm_ba.weight')
    expect(namesOfLayer(tensors, 0)).not.toContain('attn_q.weight')
    expect(byName(tensors, 'blk.0.attn_qkv.weight')).toMatchObject({ shape: [2048, 2 * 2048 + 4096], role: 'linear_attn' })
    expect(byName(tensors, 'blk.0.ssm_conv1d.weight')).toMatchObject({ shape: [4, 8192], quantizable: false })
    expect(byName(tensors, 'blk.3.attn_q.weight').shape).toEqual([2048, 16 * 256 * 2])
    expect(byName(tensors, 'blk.3.ffn_gate_inp_shexp.weight')).toMatchObject({ shape: [2048, 1], role: 'ffn_shared' })
  })
})

describe('modelTensors layouts', () => {
  it('Qwen2 has q/k/v biases and no o bias, whatever extras say', () => {
    const tensors = modelTensors(arch({ modelType: 'qwen2', hidden: 896, layers: 1, heads: 14, kvHeads: 2, headDim: 64, inter: 4864, vocab: 151936, tied: true }))
    expect(namesOfLayer(tensors, 0)).toEqual([
      'attn_k.bias',
      'attn_k.weight',
      'attn_norm.weight',
      'attn_output.weight',
      'attn_q.bias',
      'attn_q.weight',
      'attn_v.bias',
      'attn_v.weight',
      'ffn_down.weight',
      'ffn_gate.weight',
      'ffn_norm.weight',
      'ffn_up.weight',
    ])
    expect(byName(tensors, 'blk.0.attn_k.bias')).toMatchObject({ shape: [128], role: 'bias', quantizable: false })
    expect(tensors.some((t) => t.name === 'output.weight')).toBe(false)
  })

  it('llama reads attentionBias and mlpBias from extras', () => {
    const tensors = modelTensors(arch({ modelType: 'mistral', hidden: 64, layers: 1, heads: 2, kvHeads: 1, headDim: 32, inter: 128, vocab: 100, extras: { attentionBias: true, mlpBias: true } }))
    for (const name of ['attn_q.bias', 'attn_k.bias', 'attn_v.bias', 'attn_output.bias', 'ffn_gate.bias', 'ffn_up.bias', 'ffn_down.bias']) {
      expect(namesOfLayer(tensors, 0)).toContain(name)
    }
  })

  it('Gemma 3: four norms per layer plus q/k norms, tied embeddings (no output.weight)', () => {
    // gemma-3-27b text: 62 layers, hidden 5376, 32 heads × 128, 16 KV heads, FFN 21504, vocab 262208.
    // per layer: q,o 2 × 5376×4096 + k,v 2 × 5376×2048 = 66,060,288; mlp 3 × 5376×21504 = 346,816,512;
    //            4 norms 4 × 5376 = 21,504; q/k norms 256                                   → 412,898,560 × 62 = 25,599,710,720
    // embedding 262208 × 5376 = 1,409,630,208 (once: tied); output_norm 5376
    const gemma = arch({ modelType: 'gemma3_text', hidden: 5376, layers: 62, heads: 32, kvHeads: 16, headDim: 128, inter: 21504, vocab: 262208, tied: true })
    const tensors = modelTensors(gemma)
    expect(parameterCount(tensors)).toBe(25_599_710_720 + 1_409_630_208 + 5_376)
    expect(namesOfLayer(tensors, 0).filter((n) => n.endsWith('norm.weight'))).toEqual([
      'attn_k_norm.weight',
      'attn_norm.weight',
      'attn_q_norm.weight',
      'ffn_norm.weight',
      'post_attention_norm.weight',
      'post_ffw_norm.weight',
    ])
    expect(tensors.some((t) => t.role === 'output')).toBe(false)
  })

  it('Granite 4.0-H: Mamba2 layers carry in_proj, conv1d (+bias), dt bias, A, D, grouped norm, out_proj', () => {
    // d_inner = 64 heads × 32 = 2048; conv_dim = 2048 + 2 × 1 group × 64 state = 2176; in_proj = 2048 + 2176 + 64 = 4288.
    const mamba: MambaSpec = { dState: 64, numHeads: 64, headDim: 32, numGroups: 1, convKernel: 4, dInner: 2048 }
    const moe: MoeSpec = { numExperts: 8, expertsPerToken: 2, numSharedExperts: 1, expertIntermediateSize: 256, sharedIntermediateSize: 512 }
    const granite = arch({
      modelType: 'granitemoehybrid',
      hidden: 1024,
      layers: 4,
      heads: 8,
      kvHeads: 2,
      headDim: 128,
      inter: 256,
      vocab: 1000,
      tied: true,
      moe,
      mamba,
      kind: (i) => (i === 3 ? 'full' : 'mamba'),
    })
    const tensors = modelTensors(granite)
    expect(namesOfLayer(tensors, 0)).toEqual([
      'attn_norm.weight',
      'ffn_down_exps.weight',
      'ffn_down_shexp.weight',
      'ffn_gate_exps.weight',
      'ffn_gate_inp.weight',
      'ffn_gate_shexp.weight',
      'ffn_norm.weight',
      'ffn_up_exps.weight',
      'ffn_up_shexp.weight',
      'ssm_a',
      'ssm_conv1d.bias',
      'ssm_conv1d.weight',
      'ssm_d',
      'ssm_dt.bias',
      'ssm_in.weight',
      'ssm_norm.weight',
      'ssm_out.weight',
    ])
    expect(byName(tensors, 'blk.0.ssm_in.weight').shape).toEqual([1024, 4288])
    expect(byName(tensors, 'blk.0.ssm_conv1d.weight').shape).toEqual([4, 2176])
    expect(byName(tensors, 'blk.0.ssm_a').shape).toEqual([1, 64])
    expect(byName(tensors, 'blk.0.ssm_out.weight').shape).toEqual([2048, 1024])
    expect(namesOfLayer(tensors, 3)).toContain('attn_q.weight')
    expect(namesOfLayer(tensors, 3)).not.toContain('ssm_in.weight')
    const noConvBias = modelTensors({ ...granite, extras: { mambaConvBias: false } })
    expect(noConvBias.some((t) => t.name === 'blk.0.ssm_conv1d.bias')).toBe(false)
  })

  it('a dense granitemoehybrid model uses intermediateSize for its MLP', () => {
    const mamba: MambaSpec = { dState: 64, numHeads: 16, headDim: 64, numGroups: 1, convKernel: 4, dInner: 1024 }
    const tensors = modelTensors(
      arch({ modelType: 'granitemoehybrid', hidden: 512, layers: 2, heads: 4, kvHeads: 1, headDim: 128, inter: 2048, vocab: 100, tied: true, mamba, kind: (i) => (i === 0 ? 'mamba' : 'full') }),
    )
    expect(byName(tensors, 'blk.0.ffn_up.weight').shape).toEqual([512, 2048])
  })

  it('every tensor has a positive element count and quantizable tensors are at least 2-D', () => {
    const tensors = modelTensors(LLAMA_31_8B)
    for (const t of tensors) {
      expect(tensorElements(t)).toBeGreaterThan(0)
      if (t.quantizable) expect(t.shape.length).toBeGreaterThanOrEqual(2)
    }
  })

  it('throws for an unknown model type, naming it', () => {
    expect(() => modelTensors({ ...LLAMA_31_8B, modelType: 'phi3' })).toThrow(UnsupportedTensorLayoutError)
    expect(() => modelTensors({ ...LLAMA_31_8B, modelType: 'phi3' })).toThrow(/"phi3"/)
  })

  it('throws when MoE layers have no expert counts', () => {
    const broken: Architecture = { ...LLAMA_31_8B, modelType: 'qwen3_moe', layers: LLAMA_31_8B.layers.map((l) => ({ ...l, moe: true })) }
    expect(() => modelTensors(broken)).toThrow(/no expert counts/)
  })
})
