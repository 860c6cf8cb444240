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
 * Extra fixed cost per MoE layer and token (docs/speed.md §4.4): relative least squares of this one term over the MoE
 * rows of the fit split, the dense constants held fixed. llama.cpp: one value for every tier (3 fit rows, all M2 Ultra:
 * llama-bench and llama-server) = 71 µs. mlx-lm: 47 µs on the max tier (4 fit rows, M4 Max and M5 Max), 119 µs on the
 * ultra tier (1 fit row, M2 Ultra); base and pro copy max (no MoE run with a known GPU bin was found for them).
 */
const LLAMA_CPP_MOE_LAYER_SECONDS = 0.000071
const MLX_MOE_LAYER_SECONDS = { max: 0.000047, ultra: 0.000119 } as const

/**
 * Ollama's extra fixed cost per token, per REFERENCE_LAYERS layers, on top of current llama.cpp's perTokenSeconds:
 * Ollama runs llama.cpp kernels behind its own runner and sampler, so it gets the llama.cpp efficiencies and t0 plus
 * this term, fitted (relative least squares, one scalar) on the 20 Ollama rows of the fit split (dense and MoE; Ollama
 * 0.5.9–0.6.6 and unstated versions; M1 Pro, M1/M3 Ultra, M2, M4, M4 Max). 1.92 ms.
 */
export const OLLAMA_EXTRA_PER_TOKEN_SECONDS = 0.00192

/** moePerTokenSeconds is derived: the t0 of a 32-layer model whose every layer is MoE, rounded to 10 µs. */
const withMoe = (c: Omit<SpeedConstants, 'moePerTokenSeconds'>): SpeedConstants => ({
  ...c,
  moePerTokenSeconds: Math.round((c.perTokenSeconds + REFERENCE_LAYERS * c.moeLayerSeconds) * 1e5) / 1e5,
})

const llamaCpp = (bandwidthEfficiency: number, perTokenSeconds: number, flopsEfficiency: number): SpeedConstants =>
  withMoe({ bandwidthEfficiency, perTokenSeconds, moeLayerSeconds: LLAMA_CPP_MOE_LAYER_SECONDS, flopsEfficiency })
const ollama = (c: SpeedConstants): SpeedConstants => withMoe({ ...c, perTokenSeconds: Math.round((c.perTokenSeconds + OLLAMA_EXTRA_PER_TOKEN_SECONDS) * 1e6) / 1e6 })
const mlx = (bandwidthEfficiency: number, perTokenSeconds: number, moeLayerSeconds: number, flopsEfficiency: number): SpeedConstants =>
  withMoe({ bandwidthEfficiency, perTokenSeconds, moeLayerSeconds, flopsEfficiency })

/** The speed families fleet has constants for (src/engines/module.ts SpeedFamily). */
export type SpeedFamilyId = 'llama.cpp' | 'mlx-lm' | 'ollama'

const LLAMA_CPP = {
  base: llamaCpp(0.873, 0.00349, 0.78),
  pro: llamaCpp(0.896, 0.00331, 0.83),
  max: llamaCpp(0.925, 0.00353, 0.82),
  ultra: llamaCpp(0.87, 0.00404, 0.76),
} as const

/**
 * Defaults per speed family and chip tier, for current builds (llama.cpp 2024–2025 master, MLX 0.29–0.31-era stacks).
 * Every decode constant was fitted on the fit split of test/sizing/speed-measurements.ts only (test/sizing/speed-fit.ts,
 * docs/speed.md §4); the held-out split measures the error (SPEED_EXPECTED_ERROR).
 *
 * llama.cpp — bandwidthEfficiency and the tier shape of t0: relative least squares per tier over the 37 LLaMA-2 7B
 * 8e672ef points of discussion #4167 in the fit split (F16/Q8_0/Q4_0). The level of t0 for current builds: those
 * 8e672ef t0 values × 0.714, one multiplier fitted on the 12 current-build llama-bench/llama-server rows of the fit split
 * (t0 scaled by layers/32; bytes read exclude the untied input embedding, as fleet predicts). flopsEfficiency (not
 * refitted): the tier's geometric mean of Q8_0/Q4_0 pp512 efficiency at 8e672ef × 1.153.
 *
 * mlx-lm — relative least squares of (1/efficiency, t0) over the dense MLX rows of the fit split: per tier where the
 * tier has ≥ 5 fit rows spanning ≥ 3× in bytes (max: 19 rows, 0.87–31 GB incl. Qwen2.5-1.5B and Qwen3-4B at seven
 * quantizations, which separates t0 from efficiency), else pooled over all tiers (26 rows: base, pro, ultra). No
 * base-tier MLX measurement with a known GPU bin was found: base uses the pooled fit. flopsEfficiency: one MLX prefill
 * measurement (ultra, phi-4-mini, 0.79); the other tiers reuse the llama.cpp values.
 *
 * ollama — the llama.cpp constants with OLLAMA_EXTRA_PER_TOKEN_SECONDS added to perTokenSeconds.
 */
export const SPEED_CONSTANTS: Readonly<Record<SpeedFamilyId, Readonly<Record<'base' | 'pro' | 'max' | 'ultra', SpeedConstants>>>> = {
  'llama.cpp': LLAMA_CPP,
  'mlx-lm': {
    // base, pro and ultra: the pooled fit (their own fit rows are too few or span too little in bytes).
    base: mlx(0.879, 0.00222, MLX_MOE_LAYER_SECONDS.max, 0.78),
    pro: mlx(0.879, 0.00222, MLX_MOE_LAYER_SECONDS.max, 0.83),
    max: mlx(0.863, 0.00182, MLX_MOE_LAYER_SECONDS.max, 0.82),
    ultra: mlx(0.879, 0.00222, MLX_MOE_LAYER_SECONDS.ultra, 0.79),
  },
  ollama: {
    base: ollama(LLAMA_CPP.base),
    pro: ollama(LLAMA_CPP.pro),
    max: ollama(LLAMA_CPP.max),
    ultra: ollama(LLAMA_CPP.ultra),
  },
}

/**
 * Expected decode error per speed family: the 80th percentile of |predicted − measured| / measured over the held-out
 * split of test/sizing/speed-measurements.ts (rows never used in any fit), rounded up to a whole percent. Four in five
 * held-out runs fell within ±fraction of the prediction; docs/speed.md §5 gives the median and worst as well.
 */
export interface ExpectedError {
  /** p80 of the held-out absolute relative decode error, e.g. 0.09 for ±9 %. */
  readonly fraction: number
  /** How the figure was obtained, for the plan and --json. */
  readonly basis: string
}

export const SPEED_EXPECTED_ERROR: Readonly<Record<SpeedFamilyId, ExpectedError>> = {
  'llama.cpp': {
    fraction: 0.07,
    basis: 'p80 of the held-out decode error over 22 llama-bench runs (3 current builds, 19 at build 8e672ef with its own t0; median 4.0 %, worst 8.4 %)',
  },
  'mlx-lm': { fraction: 0.09, basis: 'p80 of the held-out decode error over 18 MLX runs (median 2.7 %, worst 24.6 %)' },
  ollama: { fraction: 0.2, basis: 'p80 of the held-out decode error over 12 Ollama runs (median 5.2 %, worst 28.8 %)' },
}

export const CALIBRATION_NOTE =
  'Decode constants are fitted on a deterministic fit split of public measurements (a row is held out when FNV-1a of its ' +
  'source, chip, GPU bin and model is 0 mod 3; LM Studio GGUF runs are never fitted) and checked on the rest. llama.cpp: ' +
  'per-tier efficiency and t0 from the LLaMA-2 7B table of llama.cpp discussion #4167 (build 8e672ef; F16/Q8_0/Q4_0; 37 fit ' +
  'points, eff 0.870–0.925), t0 for current builds = 0.714 × the 8e672ef t0 (12 current-build fit rows). Bytes read exclude ' +
  'an untied input embedding (one row is read), as fleet predicts. mlx-lm: (eff, t0) per tier where it has ≥ 5 fit rows ' +
  'spanning ≥ 3× in bytes (max: 0.863, 1.82 ms; small models and seven quantizations of Qwen3-4B separate t0 from eff), ' +
  'else pooled (0.879, 2.22 ms; base has no MLX data of its own). Ollama: llama.cpp plus 1.92 ms per token per 32 layers ' +
  '(20 fit rows). MoE: 71 µs per MoE layer (llama.cpp), 47 / 119 µs (MLX max / ultra). Held-out error (median / worst): ' +
  'llama.cpp 4.0 % / 8.4 % (22 runs), mlx-lm 2.7 % / 24.6 % (18), Ollama 5.2 % / 28.8 % (12); tested and not adopted: ' +
  'quant-type and GPU-bin efficiency terms (≤ 2.4 pp, below the scatter). Prefill constants are unchanged. See docs/speed.md.'
