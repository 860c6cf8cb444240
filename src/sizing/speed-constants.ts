/**
 * Decode and prefill speed calibration for Apple Silicon: public measurements and the constants fitted to them.
 *
 * Model (docs/speed.md, /work/shared/reference/sizing.md §7–8):
 *   decode  t_token = bytesReadPerToken / (bandwidthEfficiency × peakBandwidth) + t0
 *           bytesReadPerToken = weight bytes read per token (activeWeightBytes for MoE) + KV bytes read at the context
 *           t0 = perTokenSeconds × layers / REFERENCE_LAYERS + moeLayerSeconds × moeLayers
 *                (moeLayers = layers whose FFN is a mixture of experts; 0 for dense models)
 *   prefill tokens/s = flopsEfficiency × peakFlops / (2 × activeParams)   (+ attention FLOPs at long prompts)
 *           peakFlops = gpuCores × 128 FP32 ALUs × 2 (FMA) × gpuClockGHz × 1e9 (catalog clock)
 *
 * The measurements the constants were fitted to live with their test (test/sizing/speed-measurements.ts): every one was read in a public source named in its `source` field; nothing is interpolated.
 * Derived inputs (not measurements) are labelled as such: LLaMA-7B byte sizes are the GiB figures llama-bench prints;
 * MLX byte sizes are params × (bits + 0.5) / 8 (affine, group size 64), which is an estimate. MoE rows carry the file and
 * per-token bytes fleet itself computes for the model (src/sizing/weights.ts over the catalog config), so the fit is made
 * in the same units fleet predicts in.
 * `bandwidthGBps` is always the catalog value for the chip variant (src/catalog/chips.ts); where the source printed a
 * different figure it is noted next to the row.
 */

/** Transformer blocks of the calibration model (LLaMA-2 7B). t0 is quoted for this depth; scale it by layers / 32. */
export const REFERENCE_LAYERS = 32

export interface SpeedConstants {
  /** Fraction of the catalog peak bandwidth reached by the weight stream during decode. */
  bandwidthEfficiency: number
  /** t0: fixed cost per generated token, in seconds, for a REFERENCE_LAYERS-deep dense model. */
  perTokenSeconds: number
  /**
   * Extra fixed cost per generated token for each MoE layer, in seconds, on top of perTokenSeconds × layers / 32:
   * the router matmul, top-k selection, expert gather and the expert matmul/combine launches a dense FFN does not have.
   * Independent of experts per token (the gathered matmuls are one launch each); fitted per engine (docs/speed.md §4.4).
   */
  moeLayerSeconds: number
  /**
   * Informational: the total t0 of a REFERENCE_LAYERS-deep model whose every layer is MoE,
   * = perTokenSeconds + REFERENCE_LAYERS × moeLayerSeconds (rounded to 10 µs). speed.ts uses moeLayerSeconds.
   */
  moePerTokenSeconds: number
  /** Fraction of peak FP32 FLOPS reached during prefill (pp512), relative to 2 × active params FLOPs per token. */
  flopsEfficiency: number
}

/**
 * Extra fixed cost per MoE layer and token (docs/speed.md §4.4): weighted least squares (relative error) over the MoE
 * rows of MEASUREMENTS with the dense constants held fixed. llama.cpp: one value for every tier (all five rows are
 * Ultras; llama-bench, llama-server and Ollama 0.6.6 runs give 46–130 µs, the fit 90 µs). mlx-lm: 83 µs on the max tier
 * (8 rows, M4 Max and M5 Max), 115 µs on the ultra tier (2 rows); base and pro copy max (no usable run found).
 */
const LLAMA_CPP_MOE_LAYER_SECONDS = 0.00009
const MLX_MOE_LAYER_SECONDS = { max: 0.000083, ultra: 0.000115 } as const

/** moePerTokenSeconds is derived: the t0 of a 32-layer model whose every layer is MoE, rounded to 10 µs. */
const withMoe = (c: Omit<SpeedConstants, 'moePerTokenSeconds'>): SpeedConstants => ({
  ...c,
  moePerTokenSeconds: Math.round((c.perTokenSeconds + REFERENCE_LAYERS * c.moeLayerSeconds) * 1e5) / 1e5,
})

const llamaCpp = (bandwidthEfficiency: number, perTokenSeconds: number, flopsEfficiency: number): SpeedConstants =>
  withMoe({ bandwidthEfficiency, perTokenSeconds, moeLayerSeconds: LLAMA_CPP_MOE_LAYER_SECONDS, flopsEfficiency })

/**
 * Defaults per engine and chip tier, for current builds (llama.cpp 2024–2025 master, MLX 0.31-era stacks).
 *
 * llama.cpp — bandwidthEfficiency and the tier shape of t0: weighted least squares (relative error) per tier over the
 * 56 same-build LLaMA-2 7B points of discussion #4167 (F16/Q8_0/Q4_0 × 23 chip rows). The level of t0 for current
 * builds: those 8e672ef t0 values × 0.719, one multiplier fitted on the 12 newer-build dense points. flopsEfficiency:
 * the tier's geometric mean of Q8_0/Q4_0 pp512 efficiency at 8e672ef × 1.153, one multiplier fitted on 11 newer-build
 * pp512 points. moeLayerSeconds: 90 µs per MoE layer, every tier (see LLAMA_CPP_MOE_LAYER_SECONDS).
 *
 * mlx-lm — per tier, weighted least squares over the dense MLX measurements of that tier (pro: M1 Pro; max: M4 Max;
 * ultra: M3 Ultra). No base-tier MLX measurement with a known GPU bin was found: base copies pro. moeLayerSeconds: see
 * MLX_MOE_LAYER_SECONDS. flopsEfficiency: only one MLX prefill measurement (ultra, phi-4-mini, 0.79); the other tiers
 * reuse the llama.cpp current-build values.
 */
export const SPEED_CONSTANTS: Readonly<Record<'llama.cpp' | 'mlx-lm', Readonly<Record<'base' | 'pro' | 'max' | 'ultra', SpeedConstants>>>> = {
  'llama.cpp': {
    base: llamaCpp(0.888, 0.00331, 0.78),
    pro: llamaCpp(0.92, 0.0036, 0.83),
    max: llamaCpp(0.927, 0.00344, 0.82),
    ultra: llamaCpp(0.893, 0.00422, 0.76),
  },
  'mlx-lm': {
    // Copy of pro: no base-tier MLX measurement with a known GPU bin. MoE: base and pro copy the max-tier value.
    base: withMoe({ bandwidthEfficiency: 0.84, perTokenSeconds: 0.00104, moeLayerSeconds: MLX_MOE_LAYER_SECONDS.max, flopsEfficiency: 0.78 }),
    pro: withMoe({ bandwidthEfficiency: 0.84, perTokenSeconds: 0.00104, moeLayerSeconds: MLX_MOE_LAYER_SECONDS.max, flopsEfficiency: 0.83 }),
    max: withMoe({ bandwidthEfficiency: 0.852, perTokenSeconds: 0.00065, moeLayerSeconds: MLX_MOE_LAYER_SECONDS.max, flopsEfficiency: 0.82 }),
    ultra: withMoe({ bandwidthEfficiency: 0.896, perTokenSeconds: 0.0025, moeLayerSeconds: MLX_MOE_LAYER_SECONDS.ultra, flopsEfficiency: 0.79 }),
  },
}

export const CALIBRATION_NOTE =
  'llama.cpp decode constants come from the LLaMA-2 7B table of llama.cpp discussion #4167 (one build, 8e672ef; F16 12.55 GiB, ' +
  'Q8_0 6.67 GiB, Q4_0 3.56 GiB; tg128 on 23 M1–M4 chip rows): per-row fits of t = bytes/(eff·BW) + t0 give eff 0.85–1.00 ' +
  'and t0 3.0–7.7 ms with at most 2.2 % error, and one (eff, t0) per tier (eff 0.888/0.920/0.927/0.893 for base/pro/max/ultra) ' +
  'reproduces all 56 points with 3.5 % rms and ≤ 8.7 % error. Current builds are faster at a fixed cost: fitting one t0 ' +
  'multiplier (0.719) on 12 newer-build points (M5 rows of the same thread, the M2 Ultra 2024 rerun, TinyLlama on M1 Ultra, ' +
  'Llama-3.3-70B on M3 Ultra, Llama-3.1-8B on M4) leaves at most 7.5 % error there when t0 is scaled by layers/32; the current ' +
  'constants over-predict the 2023 build by up to 25 % (9 % rms). MoE: each MoE layer adds a fixed cost per token (router, ' +
  'top-k, gather and expert-matmul launches): 90 µs for llama.cpp (5 Ultra runs: llama-bench, llama-server, Ollama; ' +
  'rms 9 %, worst 14 %), 83 µs (max tier: Qwen3-30B-A3B and gpt-oss on M4/M5 Max) and 115 µs (ultra) for MLX (10 runs, rms 3 %, ' +
  'worst 8 %); without it MLX MoE decode was over-predicted by 34–86 %. ' +
  'Prefill: 0.66–0.72 of FP32 peak at 8e672ef, ×1.15 for current builds (0.76–0.83, ≤13 % error except TinyLlama +31 %). ' +
  'MLX (14 runs on M1 Pro, M4 Max, M3 Ultra): eff 0.84–0.90, i.e. the same bandwidth use as llama.cpp, but t0 0.65–2.5 ms instead ' +
  'of 3.3–4.2 ms, so MLX is faster mainly on small models; worst error 10 %. See docs/speed.md.'
