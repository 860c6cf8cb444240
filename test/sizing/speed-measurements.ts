/**
 * Public decode and prefill measurements on Apple Silicon that src/sizing/speed-constants.ts was fitted to, each with
 * its source. Test data: test/sizing/speed-calibration.test.ts checks the constants reproduce them.
 */

/**
 * The single llama.cpp build of the discussion #4167 summary table (commit 8e672ef, 2023-11-21). Measurements taken with
 * it are slower than current builds; `LEGACY_BUILD_T0_SCALE` converts the current-build t0 back to it.
 */
export const LEGACY_BUILD = '8e672ef'

/**
 * t0(8e672ef) / t0(current builds) for llama.cpp = 1 / 0.714: the current-build t0 was obtained by fitting one
 * multiplier (0.714) on the 12 current-build dense llama-bench/llama-server rows of the fit split, the per-tier
 * efficiencies of the 8e672ef fit held fixed (test/sizing/speed-fit.ts).
 */
export const LEGACY_BUILD_T0_SCALE = 1.4

export interface SpeedMeasurement {
  /** fleet catalog id, e.g. 'm2-ultra' (src/catalog/chips.ts). */
  chip: string
  gpuCores: number
  /** Catalog peak bandwidth of this chip variant, decimal GB/s. */
  bandwidthGBps: number
  /** Whose kernels ran it: llama.cpp (llama-bench, llama-server, LM Studio's GGUF engine), mlx-lm (MLX servers), or Ollama. */
  engine: 'llama.cpp' | 'mlx-lm' | 'ollama'
  model: string
  quant: string
  /** Whole weight file in bytes (GGUF: llama-bench's GiB × 2^30; MLX: derived, see file header). */
  modelBytes: number
  /** Parameters used per token (all of them for dense models). */
  activeParams: number
  /** pp512 (or the prompt rate the source reports) in tokens/s; null when the source gives none usable. */
  promptTokensPerSecond: number | null
  /** tg128 (or the generation rate the source reports) in tokens/s. */
  decodeTokensPerSecond: number
  /** URL + who posted / which comment or row, + how the figure was read. */
  source: string
  /** llama.cpp build or MLX stack version as printed by the source; undefined when the source does not give it. */
  build?: string
  /** Transformer blocks (t0 scales with layers / REFERENCE_LAYERS); undefined means REFERENCE_LAYERS. */
  layers?: number
  /** MoE only: weight bytes read per generated token (non-expert weights + top-k experts). Derived from the config. */
  activeWeightBytes?: number
  /** MoE only: transformer blocks whose FFN is a mixture of experts (each adds moeLayerSeconds per token). */
  moeLayers?: number
  /**
   * KV-cache bytes one generated token reads at the run's mean context (derived: per-token KV size × mean context);
   * undefined when below ~1 % of the weight bytes or when the source does not give the context.
   */
  kvBytesRead?: number
  /**
   * Dense rows: bytes of an untied input-embedding table inside modelBytes (derived: vocab × hidden × the table's bits /
   * 8). A decoded token reads one row of it, so it is not part of the bytes read — the same units fleet predicts in
   * (activeWeightBytesPerToken, src/sizing/weights.ts). Undefined for tied embeddings (the table is also the output
   * matrix and is read in full) and for MoE rows (activeWeightBytes already excludes it).
   */
  embeddingBytes?: number
  /**
   * false when the source names the chip but not its GPU bin and every catalog bin of that chip has the same bandwidth:
   * `gpuCores` is then the smallest bin. Decode does not use the bin; such rows carry no prefill figure.
   */
  gpuBinStated?: false
  /**
   * A front-end fleet does not deploy, around the engine's kernels (LM Studio's bundled llama.cpp, build not printed).
   * Such rows are never fitted; docs/speed.md reports them as a separate out-of-sample group.
   */
  frontEnd?: 'LM Studio'
}
const GIB = 1024 ** 3
const gib = (x: number): number => Math.round(x * GIB)
const mib = (x: number): number => Math.round(x * 1024 ** 2)
/** MLX affine quantization, group size 64: bits + 32/64 bits per weight (sizing.md §4.1). Derived size. */
const mlxBytes = (params: number, bits: number): number => Math.round((params * (bits + 0.5)) / 8)

/**
 * GGUF file bytes where the source prints none: params × the file-level bits per weight of llama.cpp's recipe. Q4_K_M
 * 4.90 and Q6_K 6.57 are the averages implied by llama.cpp quantize's own sizes for Llama-3-8B ("4.58G", "6.14G" over
 * 8.03B params, sizing.md §3.7); Q4_0 4.5 and Q8_0 8.5 are the block sizes. Derived, ±5 % (Qwen2.5-72B Q4_K_M is 5.22).
 */
const GGUF_FILE_BPW = { Q4_K_M: 4.9, Q6_K: 6.57, Q4_0: 4.5, Q8_0: 8.5 } as const
type GgufRecipe = keyof typeof GGUF_FILE_BPW
const ggufBytes = (params: number, recipe: GgufRecipe): number => Math.round((params * GGUF_FILE_BPW[recipe]) / 8)
/** token_embd's type in llama.cpp's recipes: Q4_K (4.5 bpw) in Q4_K_M, Q6_K in Q6_K, else the file's block type. Derived. */
const GGUF_EMBEDDING_BPW: Readonly<Record<GgufRecipe, number>> = { Q4_K_M: 4.5, Q6_K: 6.5625, Q4_0: 4.5, Q8_0: 8.5 }
const ggufEmbeddingBytes = (params: number, recipe: GgufRecipe): number => Math.round((params * GGUF_EMBEDDING_BPW[recipe]) / 8)

/**
 * Untied input-embedding parameters (vocab × hidden) of the models below, from their config.json (vocab_size ×
 * hidden_size, tie_word_embeddings false). Tied models (Qwen2.5-1.5B, Qwen3-0.6B/4B, Llama-3.2-3B, Phi-4-mini) have none.
 */
const EMB = {
  llama3_8b: 128256 * 4096,
  llama3_70b: 128256 * 8192,
  llama3_405b: 128256 * 16384,
  qwen25_7b: 152064 * 3584,
  qwen25_14b: 152064 * 5120,
  qwen25_32b: 152064 * 5120,
  qwen25_72b: 152064 * 8192,
  qwen3_8b: 151936 * 4096,
  qwen3_32b: 151936 * 5120,
  mistral7b: 32768 * 4096,
  nemo12b: 131072 * 5120,
  mistralSmall24b: 131072 * 5120,
  phi4: 100352 * 5120,
} as const

// ─────────────── LLaMA-2 7B in llama.cpp discussion #4167 ───────────────

const LLAMA7B_PARAMS = 6.74e9 // llama-bench "6.74 B"
/** llama-bench "llama 7B mostly F16 | 12.55 GiB", "Q8_0 | 6.67 GiB", "Q4_0 | 3.56 GiB". */
const LLAMA7B_BYTES: Readonly<Record<'F16' | 'Q8_0' | 'Q4_0', number>> = {
  F16: gib(12.55),
  Q8_0: gib(6.67),
  Q4_0: gib(3.56),
}

/** Untied 32000 × 4096 token_embd, stored in the file's type (F16 2 B, Q8_0 8.5 bpw, Q4_0 4.5 bpw). Derived. */
const LLAMA7B_EMBEDDING_BYTES: Readonly<Record<'F16' | 'Q8_0' | 'Q4_0', number>> = {
  F16: 32000 * 4096 * 2,
  Q8_0: (32000 * 4096 * 8.5) / 8,
  Q4_0: (32000 * 4096 * 4.5) / 8,
}

const T4167 = 'https://github.com/ggml-org/llama.cpp/discussions/4167'
// How each row was read. The discussion page itself is not in the stored corpora; its summary table (opening post by
// ggerganov, rows contributed by thread participants, `llama-bench -p 512 -n 128 -ngl 99`) was read in independent
// public transcriptions. Where two of them overlap they agree on every cell.
const T_AB = 'read in two transcriptions of the table that agree (research notes, public code index id 71205878115; Python data module, id 66222232380)'
const T_A = 'read in one transcription (research notes, public code index id 71205878115)'
const T_A_E = 'read in one full transcription (id 71205878115); Q4_0 also in a rounded copy (id 67482621539)'
const T_B = 'read in one transcription (Python data module, public code index id 66222232380)'
const T_B_E = 'read in one full transcription (id 66222232380); Q4_0 also in a rounded copy (id 67482621539)'
const T_B_D = 'read in one full transcription (id 66222232380); Q4_0 also in a rounded copy (id 51895200645)'
const T_BC = 'Q8_0/Q4_0 read in two transcriptions that agree (id 66222232380; an M1 Max comparison table citing #4167, code index); F16 only in the latter'
const T_LINKPREVIEW = "read in the thread's link-preview text quoted twice in LM Studio Discord digests (code index ids 16091830612, 55204350910); bandwidth printed as 68 GB/s, catalog 68.25"

interface SourceRef {
  readonly source: string
  readonly build: string | undefined
}
const thread4167 = (row: string, how: string): SourceRef => ({
  source: `${T4167} — summary table, row "${row}", build ${LEGACY_BUILD}; ${how}`,
  build: LEGACY_BUILD,
})
const thread4167Newer = (row: string, how: string): SourceRef => ({
  source: `${T4167} — summary table, row "${row}", measured with a build newer than ${LEGACY_BUILD} (exact build not in the transcription); ${how}`,
  build: undefined,
})

function llama7b(chip: string, gpuCores: number, bandwidthGBps: number, quant: 'F16' | 'Q8_0' | 'Q4_0', pp512: number | null, tg128: number, ref: SourceRef): SpeedMeasurement {
  return {
    chip,
    gpuCores,
    bandwidthGBps,
    engine: 'llama.cpp',
    model: 'LLaMA-2 7B',
    quant,
    modelBytes: LLAMA7B_BYTES[quant],
    activeParams: LLAMA7B_PARAMS,
    promptTokensPerSecond: pp512,
    decodeTokensPerSecond: tg128,
    source: ref.source,
    build: ref.build,
    layers: 32,
    embeddingBytes: LLAMA7B_EMBEDDING_BYTES[quant],
  }
}

interface MlxRun {
  readonly chip: string
  readonly gpuCores: number
  readonly bandwidthGBps: number
  readonly model: string
  readonly bits: number
  /** Model-card parameter count (total; embeddings included). */
  readonly params: number
  /** Untied input-embedding parameters (vocab × hidden; derived from config.json); 0 or undefined when tied. */
  readonly embeddingParams?: number
  /** KV bytes a generated token reads at the run's mean context (derived), when ≥ ~1 % of the weights. */
  readonly kvBytesRead?: number
  readonly layers: number
  readonly decode: number
  readonly prompt: number | null
  readonly source: string
  readonly build?: string
  /** Quant label when not `${bits}-bit affine gs64` (bf16, group size 32). */
  readonly quantLabel?: string
}
const mlx = (r: MlxRun): SpeedMeasurement => ({
  chip: r.chip,
  gpuCores: r.gpuCores,
  bandwidthGBps: r.bandwidthGBps,
  engine: 'mlx-lm',
  model: r.model,
  quant: r.quantLabel ?? `${r.bits}-bit affine gs64`,
  modelBytes: mlxBytes(r.params, r.bits),
  activeParams: r.params,
  promptTokensPerSecond: r.prompt,
  decodeTokensPerSecond: r.decode,
  source: r.source,
  build: r.build,
  layers: r.layers,
  ...(r.embeddingParams ? { embeddingBytes: mlxBytes(r.embeddingParams, r.bits) } : {}),
  ...(r.kvBytesRead !== undefined ? { kvBytesRead: r.kvBytesRead } : {}),
})

const RAPID = (pr: number, what: string): string =>
  `https://github.com/raullenchai/Rapid-MLX/pull/${pr} — raullenchai, ${what}; Rapid-MLX server on MLX (not the mlx-lm CLI), "short" bucket = 512-token prompt, 128 generated, median decode`
const RAPID_CORES = ' M3 Ultra 256 GB; the 60-core bin is stated in PR #585 for the same maintainer machine (decode does not depend on the bin: both have 819 GB/s)'
const LMS =
  'https://github.com/itsmostafa/inference-speed-tests/blob/083006eebfb866352483b8d84d80259bd81c7a21/README.md — itsmostafa, README table "LM Studio › MLX models", prompt "Write a 500 word story"; LM Studio\'s MLX engine; the README says the results are not verified'

// ─────────────── MoE: derived per-model facts (not measurements) ───────────────
// File bytes and bytes read per token are what fleet computes (factsFromCatalog → mlxWeightBytes / ggufWeightBytes →
// activeWeightBytesPerToken) for the catalog config of each model, so the MoE fit is in fleet's own units. Active params
// exclude the input embedding (one row is read), as in activeWeightBytesPerToken. KV per token is f16/bf16 K+V.
const QWEN3_30B = {
  // Qwen/Qwen3-30B-A3B: 48 layers, all MoE (128 experts, top-8); the 2507 Instruct/Coder releases have the same shapes.
  layers: 48,
  activeParams: 3_041_869_824,
  kvBytesPerToken: 48 * 4 * 128 * 2 * 2,
  mlx: {
    '4bit': { file: 17_180_913_664, active: 1_717_646_464 },
    '5bit': { file: 20_995_829_760, active: 2_096_280_960 },
    '6bit': { file: 24_810_745_856, active: 2_474_915_456 },
    '8bit': { file: 32_440_578_048, active: 3_232_184_448 },
  },
  // llama.cpp's default recipes; the Q4_K_M and Q8_0 totals equal the 17.28 / 30.25 GiB llama-bench prints for this model.
  gguf: {
    Q4_K_M: { file: 18_550_716_416, active: 1_919_597_696 },
    Q6_K: { file: 25_086_562_304, active: 2_535_964_304 },
    Q8_0: { file: 32_477_962_240, active: 3_269_568_640 },
  },
} as const
/** openai/gpt-oss-20b and -120b in mlx-community's MXFP4-Q8 layout (experts MXFP4, everything else 8-bit affine gs64). */
const GPT_OSS = {
  '20b': { layers: 24, activeParams: 3_608_310_144, file: 12_076_119_168, active: 2_565_878_388 },
  '120b': { layers: 36, activeParams: 5_132_852_352, file: 63_254_703_744, active: 3_551_730_804 },
  /** Half the layers are 128-token sliding-window layers: 8 KV heads × 64 × K,V × 2 B = 2048 B per layer and token. */
  kvBytesRead: (layers: number, meanContext: number): number => (layers / 2) * 2048 * (meanContext + 128),
} as const
/** Qwen/Qwen3-235B-A22B: 94 layers, all MoE (128 experts, top-8), 4 KV heads × 128. llama.cpp Q4_K_M layout. */
const QWEN3_235B_Q4_K_M = { layers: 94, activeParams: 21_568_437_760, file: 142_148_069_376, active: 13_086_617_856 } as const
/**
 * MiniMax-M2.1 is not in fleet's catalog: derived by hand from the MiniMax-M2 config (hidden 3072, 62 layers, 48/8 heads ×
 * 128, 256 experts of 3 × 3072 × 1536, top-8, no shared expert, untied 200064-entry vocabulary; public code index ids
 * 52925932377 and 69550468813, architecture notes id 54820090849). Per layer: attention 44,040,192 + router 786,432 +
 * 8 × 14,155,776 expert params; × 62 + 614,596,608 output = 10,415,112,192 params per token; 228,688,920,576 in total.
 * Bytes: × 4.5 / 8 (4-bit affine gs64).
 */
const MINIMAX_M2_1_4BIT = {
  layers: 62,
  activeParams: 10_415_112_192,
  file: Math.round((228_688_920_576 * 4.5) / 8),
  active: Math.round((10_415_112_192 * 4.5) / 8),
  kvBytesPerToken: 62 * 8 * 128 * 2 * 2,
} as const

const MLX_BENCHMARKS_MD =
  'https://github.com/ml-explore/mlx-lm/blob/a4c64703906f709a493341508ac31af4085d2638/mlx_lm/BENCHMARKS.md — awni (Apple), "Qwen/Qwen3-30B-A3B-Instruct-2507" table, "Performance benchmarks on 64GB M4 Max" (the 64 GB M4 Max has only the 40-core GPU), mlx 0.29.2.dev20251008, mlx-lm 0.28.2, macOS 26.1, `mlx_lm.benchmark -p 2048 -g 128` (batch 1, 2048-token random prompt, 128 generated, mean of 5 trials after a warm-up): "Generation (128) tok/sec"'
const ITSMOSTAFA = (commit: string, device: string, file: string): string =>
  `https://github.com/itsmostafa/inference-speed-tests/blob/${commit}/results/${device}/${file} — itsmostafa 2026-03-30, mlx_lm stream_generate after a warm-up, prompt "500_word_story" (73 tokens), 512 tokens generated (512 × 1/tps + TTFT = the printed total time), mean of 3 runs`
const MLX_STUDIO =
  'https://github.com/lucasventurasc/mlx-studio/blob/8fd57bdc253991fa49b85cc280ecf4863bf13af4/benchmarks/mlx-vs-gguf.md — lucasventurasc 2025-12-13, "M2 Ultra Mac Studio 64GB"; benchmarks/README.md of the same commit: "24-core CPU, 76-core GPU, 64GB"; prompt "Escreva um Palindromo em Kotlin", max 512 tokens, tok/s reported by the server, 3 runs averaged'
const NEOBUNDY =
  'https://github.com/neobundy/CWK-Deep-Dive-Into-AI-Reboot/blob/79472ee2580383652a0557bd0517edecfb4ece29/benchmarks/qwen3-family-benchmarks.md — neobundy 2025-04-28, "Mac Studio M3 Ultra (512 GB)" (512 GB exists only with the 80-core GPU), Ollama 0.6.6 (Homebrew), registry q4_k_m tags, OLLAMA_FLASH_ATTENTION=1, OLLAMA_CONTEXT_LENGTH=128000, "Avg TPS"; prompt length not given. Same table, same machine: dense qwen3:32b 25.4 t/s, which the dense constants over-predict by 13 %'

// ─────────────── Added for the held-out refit (docs/speed.md §2.5): small models, several quants, Ollama, base tier ───────────────
// Every figure below was read in the source named in its row. Byte sizes are derived (MLX: params × (bits + 0.5) / 8;
// GGUF: ggufBytes) unless the source prints them; parameter counts, layers and embedding sizes are config.json facts.

/** Dense models' config facts (model-card params, transformer blocks, untied embedding params). */
const DENSE = {
  'Qwen2.5-1.5B': { params: 1.54e9, layers: 28, emb: 0 },
  'Qwen2.5-7B': { params: 7.62e9, layers: 28, emb: EMB.qwen25_7b },
  'Qwen2.5-14B': { params: 14.77e9, layers: 48, emb: EMB.qwen25_14b },
  'Qwen2.5-32B': { params: 32.76e9, layers: 64, emb: EMB.qwen25_32b },
  'Qwen2.5-72B': { params: 72.71e9, layers: 80, emb: EMB.qwen25_72b },
  'Qwen3-4B': { params: 4.02e9, layers: 36, emb: 0 },
  'Qwen3-8B': { params: 8.19e9, layers: 36, emb: EMB.qwen3_8b },
  'Qwen3-32B': { params: 32.76e9, layers: 64, emb: EMB.qwen3_32b },
  'Mistral-Nemo-12B': { params: 12.25e9, layers: 40, emb: EMB.nemo12b },
  'Mistral-Small-24B': { params: 23.57e9, layers: 40, emb: EMB.mistralSmall24b },
  'Mistral-7B-v0.3': { params: 7.25e9, layers: 32, emb: EMB.mistral7b },
  'Llama-3.2-3B': { params: 3.21e9, layers: 28, emb: 0 },
  'Llama-3.1-8B': { params: 8.03e9, layers: 32, emb: EMB.llama3_8b },
  'Llama-3.1-70B': { params: 70.55e9, layers: 80, emb: EMB.llama3_70b },
  'Llama-3.1-405B': { params: 405.85e9, layers: 126, emb: EMB.llama3_405b },
  'phi-4': { params: 14.66e9, layers: 40, emb: EMB.phi4 },
} as const
type DenseModel = keyof typeof DENSE

interface GgufRun {
  readonly chip: string
  readonly gpuCores: number
  readonly bandwidthGBps: number
  readonly engine: 'llama.cpp' | 'ollama'
  readonly base: DenseModel
  readonly model: string
  readonly recipe: GgufRecipe
  readonly decode: number
  readonly source: string
  readonly build?: string
  readonly gpuBinStated?: false
  readonly frontEnd?: 'LM Studio'
}
const gguf = (r: GgufRun): SpeedMeasurement => {
  const m = DENSE[r.base]
  return {
    chip: r.chip,
    gpuCores: r.gpuCores,
    bandwidthGBps: r.bandwidthGBps,
    engine: r.engine,
    model: r.model,
    quant: r.recipe,
    modelBytes: ggufBytes(m.params, r.recipe),
    activeParams: m.params,
    promptTokensPerSecond: null,
    decodeTokensPerSecond: r.decode,
    source: r.source,
    build: r.build,
    layers: m.layers,
    ...(m.emb > 0 ? { embeddingBytes: ggufEmbeddingBytes(m.emb, r.recipe) } : {}),
    ...(r.gpuBinStated === false ? { gpuBinStated: false as const } : {}),
    ...(r.frontEnd ? { frontEnd: r.frontEnd } : {}),
  }
}
const mlxDense = (base: DenseModel, r: Omit<MlxRun, 'params' | 'layers' | 'embeddingParams'>): SpeedMeasurement =>
  mlx({ ...r, params: DENSE[base].params, layers: DENSE[base].layers, embeddingParams: DENSE[base].emb })

const M4MAX = { chip: 'm4-max', gpuCores: 40, bandwidthGBps: 546 } as const
const M1PRO = { chip: 'm1-pro', gpuCores: 16, bandwidthGBps: 200 } as const
const M3ULTRA80 = { chip: 'm3-ultra', gpuCores: 80, bandwidthGBps: 819 } as const
const M1ULTRA64 = { chip: 'm1-ultra', gpuCores: 64, bandwidthGBps: 800 } as const
const M1ULTRA48 = { chip: 'm1-ultra', gpuCores: 48, bandwidthGBps: 800 } as const

const NEXV =
  'https://github.com/NexVeridian/llm-inference-benchmarks/blob/198856be058fdbb1c1979f65e490bcdc2a58294b/README.md — NexVeridian, "Apple M4 Max 48GB 16 Core 16-inch using LM Studio" (48 GB exists only with the 16-core CPU / 40-core GPU bin), table rows without speculative decoding; speeds printed as whole tok/s'
const NEXV_ROW = (row: string): string => `${NEXV}, row "${row}"`
const MLX_BENCH_4B = (row: string): string =>
  `https://github.com/ml-explore/mlx-lm/blob/a4c64703906f709a493341508ac31af4085d2638/mlx_lm/BENCHMARKS.md — awni (Apple), "Qwen/Qwen3-4B-Instruct-2507" table, row "${row}", "Generation (128) tok/sec"; "Performance benchmark on 64GB M4 Max" (40-core bin only), mlx 0.29.2.dev20251008, mlx-lm 0.28.2, \`mlx_lm.benchmark -p 2048 -g 128\``
const ITS_README = (table: string, column: string): string =>
  `https://github.com/itsmostafa/inference-speed-tests/blob/083006eebfb866352483b8d84d80259bd81c7a21/README.md — itsmostafa, README table "${table}", column "${column}", prompt "Write a 500 word story"; Ollama rows are \`ollama run --verbose\` "eval rate" (registry default tags: Q4_K_M); the README says the results are not verified`
const GEERLING_README = (section: string, system: string): string =>
  `https://github.com/geerlingguy/ai-benchmarks/blob/022fb93162585171e0551bfed5679dbaf728d02c/README.md — geerlingguy, "Findings" section "${section}", row "${system}", Ollama eval rate (obench.sh; registry default Q4_K_M tags)`
const FREELETICS =
  'https://github.com/freeletics/ollama-benchmark/blob/820b2562a3266ed439c688eb641f74b25673acb8/results/macbook_air_m2_24GB.md — henry.gallert, MacBook Air (Mac14,2) "Apple M2", 24 GB, macOS 15.3.1, ollama_version 0.5.9, "Average of eval rate" over five prompts; GPU bin not stated (both M2 bins have 100 GB/s)'
const QWEN3_4B_KV_2112 = 36 * 8 * 128 * 2 * 2 * 2112

const ADDED_2026: readonly SpeedMeasurement[] = [
  // mlx-lm's own table: one small dense model at seven quantizations on the M4 Max (mean context 2048 + 64).
  ...(
    [
      ['q4', 4, 134.52],
      ['q5', 5, 116.39],
      ['q6', 6, 104.68],
      ['q8', 8, 86.907],
      ['bf16', 15.5, 52.47],
    ] as const
  ).map(([row, bits, decode]) =>
    // bf16 is unquantized: 2 bytes per weight, written as bits 15.5 so that (bits + 0.5) / 8 = 2.
    mlxDense('Qwen3-4B', {
      ...M4MAX,
      model: 'Qwen/Qwen3-4B-Instruct-2507 (mlx-community conversions)',
      bits,
      quantLabel: row === 'bf16' ? 'bf16' : `${bits}-bit affine gs64`,
      decode,
      prompt: null,
      source: MLX_BENCH_4B(row),
      build: 'mlx 0.29.2.dev20251008 / mlx-lm 0.28.2',
      kvBytesRead: QWEN3_4B_KV_2112,
    }),
  ),
  // q4 g32 and q5 g32: group size 32 adds 1 bit per weight (bits + 32/32).
  ...(
    [
      ['q4 g32', 4.5, 126.0],
      ['q5 g32', 5.5, 110.29],
    ] as const
  ).map(([row, bits, decode]) =>
    mlxDense('Qwen3-4B', {
      ...M4MAX,
      model: 'Qwen/Qwen3-4B-Instruct-2507 (mlx-community conversions, group size 32)',
      bits,
      quantLabel: `${bits - 0.5}-bit affine gs32`,
      decode,
      prompt: null,
      source: MLX_BENCH_4B(row),
      build: 'mlx 0.29.2.dev20251008 / mlx-lm 0.28.2',
      kvBytesRead: QWEN3_4B_KV_2112,
    }),
  ),
  // LM Studio's MLX engine on the M4 Max, NexVeridian (whole tok/s).
  ...(
    [
      ['Qwen2.5-1.5B', 'Qwen2.5-1.5B', 4, 282, '1.5 | 282 | qwen 2.5 | MLX | 4'],
      ['Qwen2.5-7B', 'Qwen2.5-7B', 4, 101, '7 | 101 | qwen 2.5 | MLX | 4'],
      ['Qwen2.5-7B', 'Qwen2.5-7B', 8, 58, '7 | 58 | qwen 2.5 | MLX | 8'],
      ['Mistral-Nemo-12B', 'Wayfarer-12B (Mistral-Nemo 12B)', 4, 65, '12 | 65 | wayfarer | MLX | 4'],
      ['Mistral-Nemo-12B', 'Wayfarer-12B (Mistral-Nemo 12B)', 6, 45, '12 | 45 | wayfarer | MLX | 6'],
      ['Mistral-Nemo-12B', 'Wayfarer-12B (Mistral-Nemo 12B)', 8, 36, '12 | 36 | wayfarer | MLX | 8'],
      ['Qwen2.5-14B', 'Qwen2.5-14B', 4, 52, '14 | 52 | qwen 2.5 | MLX | 4'],
      ['Qwen2.5-14B', 'Qwen2.5-14B', 8, 30, '14 | 30 | qwen 2.5 | MLX | 8'],
      ['Mistral-Small-24B', 'Mistral Small 3 24B', 4, 35, '24 | 35 | mistral small 3 | MLX | 4'],
      ['Qwen2.5-32B', 'Qwen2.5-32B', 4, 23, '32 | 23 | qwen 2.5 | MLX | 4'],
      ['Qwen2.5-32B', 'QwQ-32B (Qwen2.5-32B shapes)', 3, 25, '32 | 25 | qwq | MLX | 3'],
      ['Qwen2.5-32B', 'QwQ-32B (Qwen2.5-32B shapes)', 4, 24, '32 | 24 | qwq | MLX | 4'],
      ['Qwen2.5-32B', 'QwQ-32B (Qwen2.5-32B shapes)', 6, 16, '32 | 16 | qwq | MLX | 6'],
      ['Qwen3-32B', 'Qwen3-32B', 4, 22, '32 | 22 | qwen 3 | MLX | 4'],
      ['Llama-3.1-70B', 'Wayfarer-Large-70B (Llama-3.3-70B shapes)', 3, 15, '70 | 15 | wayfarer large | MLX | 3'],
    ] as const
  ).map(([base, model, bits, decode, row]) => mlxDense(base, { ...M4MAX, model: `${model} (LM Studio MLX)`, bits, decode, prompt: null, source: NEXV_ROW(row), build: 'LM Studio MLX engine' })),
  // LM Studio's GGUF (llama.cpp) engine, same machines.
  ...(
    [
      ['Qwen2.5-7B', 'Q4_K_M', 70, '7 | 70 | qwen 2.5 | GUFF | Q4_K_M'],
      ['Qwen2.5-14B', 'Q4_K_M', 36, '14 | 36 | qwen 2.5 | GUFF | Q4_K_M'],
      ['Qwen2.5-32B', 'Q4_K_M', 18, '32 | 18 | qwen 2.5 | GUFF | Q4_K_M'],
      ['Mistral-Nemo-12B', 'Q6_K', 35, '12 | 35 | wayfarer | GUFF | Q6_K'],
    ] as const
  ).map(([base, recipe, decode, row]) =>
    gguf({ ...M4MAX, engine: 'llama.cpp', base, model: `${base} (LM Studio GGUF)`, recipe, decode, source: NEXV_ROW(row), build: 'LM Studio llama.cpp engine', frontEnd: 'LM Studio' }),
  ),
  ...(
    [
      [M4MAX, 'Qwen2.5-7B', 71.73, 'M4 Max (128 GB RAM, 40-core GPU)'],
      [M4MAX, 'Qwen2.5-14B', 39.04, 'M4 Max (128 GB RAM, 40-core GPU)'],
      [M4MAX, 'Qwen2.5-32B', 19.56, 'M4 Max (128 GB RAM, 40-core GPU)'],
      [M4MAX, 'Qwen2.5-72B', 8.31, 'M4 Max (128 GB RAM, 40-core GPU)'],
      [M1PRO, 'Qwen2.5-7B', 26.12, 'M1 Pro (32GB RAM, 16-core GPU)'],
      [M1PRO, 'Qwen2.5-14B', 14.67, 'M1 Pro (32GB RAM, 16-core GPU)'],
      [M1PRO, 'Qwen2.5-32B', 4.53, 'M1 Pro (32GB RAM, 16-core GPU)'],
    ] as const
  ).map(([machine, base, decode, column]) =>
    gguf({
      ...machine,
      engine: 'llama.cpp',
      base,
      model: `${base}-Instruct (LM Studio GGUF 4bit)`,
      recipe: 'Q4_K_M',
      decode,
      source: ITS_README('LM Studio › GGUF models', column),
      build: 'LM Studio llama.cpp engine',
      frontEnd: 'LM Studio',
    }),
  ),

  // ─────────────── Ollama, dense ───────────────
  ...(
    [
      [M4MAX, 'Qwen2.5-7B', 'qwen2.5:7b', 72.5, 'Ollama', 'M4 Max (128 GB RAM, 40-core GPU)'],
      [M4MAX, 'Qwen2.5-14B', 'qwen2.5:14b', 38.23, 'Ollama', 'M4 Max (128 GB RAM, 40-core GPU)'],
      [M4MAX, 'Qwen2.5-32B', 'qwen2.5:32b', 19.35, 'Ollama', 'M4 Max (128 GB RAM, 40-core GPU)'],
      [M4MAX, 'Qwen2.5-72B', 'qwen2.5:72b', 8.76, 'Ollama', 'M4 Max (128 GB RAM, 40-core GPU)'],
      [M1PRO, 'Qwen2.5-7B', 'qwen2.5:7b', 26.85, 'Ollama', 'M1 Pro (32GB RAM, 16-core GPU)'],
      [M1PRO, 'Qwen2.5-14B', 'qwen2.5:14b', 14.66, 'Ollama', 'M1 Pro (32GB RAM, 16-core GPU)'],
      [M1PRO, 'Qwen2.5-32B', 'qwen2.5:32b', 6.95, 'Ollama', 'M1 Pro (32GB RAM, 16-core GPU)'],
      [M1PRO, 'Qwen3-8B', 'qwen3:8b', 18.73, 'Ollama', 'M1 Pro (16GB Ram, 16-core GPU)'],
      [M3ULTRA80, 'Llama-3.1-8B', 'llama3.1:8b', 85.02, 'Mac Studio › Ollama', 'M3 Ultra (256GB, 80-core GPU)'],
      [M3ULTRA80, 'Qwen2.5-14B', 'deepseek-r1:14b (Qwen2.5-14B shapes)', 46.5, 'Mac Studio › Ollama', 'M3 Ultra (256GB, 80-core GPU)'],
      [M3ULTRA80, 'Qwen2.5-32B', 'deepseek-r1:32b (Qwen2.5-32B shapes)', 25.58, 'Mac Studio › Ollama', 'M3 Ultra (256GB, 80-core GPU)'],
      [M3ULTRA80, 'Llama-3.1-70B', 'deepseek-r1:70b (Llama-3.3-70B shapes)', 13.16, 'Mac Studio › Ollama', 'M3 Ultra (256GB, 80-core GPU)'],
      [M3ULTRA80, 'Qwen2.5-7B', 'qwen2.5:7b', 88.87, 'Mac Studio › Ollama', 'M3 Ultra (256GB, 80-core GPU)'],
      [M3ULTRA80, 'Qwen2.5-14B', 'qwen2.5:14b', 47.25, 'Mac Studio › Ollama', 'M3 Ultra (256GB, 80-core GPU)'],
      [M3ULTRA80, 'Qwen2.5-32B', 'qwen2.5:32b', 26.02, 'Mac Studio › Ollama', 'M3 Ultra (256GB, 80-core GPU)'],
      [M3ULTRA80, 'Qwen2.5-72B', 'qwen2.5:72b (README row "Qwen2.5:70B")', 12.21, 'Mac Studio › Ollama', 'M3 Ultra (256GB, 80-core GPU)'],
    ] as const
  ).map(([machine, base, model, decode, table, column]) =>
    gguf({ ...machine, engine: 'ollama', base, model: `Ollama ${model}`, recipe: 'Q4_K_M', decode, source: ITS_README(table, column), build: 'Ollama (version not stated)' }),
  ),
  ...(
    [
      [M3ULTRA80, 'Llama-3.2-3B', 'llama3.2:3b', 154.6, 'Llama 3.2:3b', 'Mac Studio (M3 Ultra 512GB)'],
      [M3ULTRA80, 'Qwen2.5-14B', 'deepseek-r1:14b (Qwen2.5-14B shapes)', 51.85, 'DeepSeek R1 14b', 'Mac Studio (M3 Ultra 512GB)'],
      [M3ULTRA80, 'Llama-3.1-70B', 'llama3.1:70b', 14.08, 'Llama 3.1:70b', 'Mac Studio (M3 Ultra 512GB)'],
      [M3ULTRA80, 'Llama-3.1-405B', 'llama3.1:405b', 1.96, 'Llama 3.1:405b', 'Mac Studio (M3 Ultra 512GB)'],
      [M1ULTRA64, 'Llama-3.2-3B', 'llama3.2:3b', 127.6, 'Llama 3.2:3b', 'M1 Ultra (64 GPU Core) 128GB'],
      [M1ULTRA64, 'Qwen2.5-14B', 'deepseek-r1:14b (Qwen2.5-14B shapes)', 41.51, 'DeepSeek R1 14b', 'M1 Ultra (64 GPU Core) 128GB'],
      [M1ULTRA64, 'Llama-3.1-70B', 'llama3.1:70b', 9.84, 'Llama 3.1:70b', 'M1 Ultra (64 GPU Core) 128GB'],
      [M1ULTRA48, 'Llama-3.2-3B', 'llama3.2:3b', 108.67, 'Llama 3.2:3b', 'M1 Ultra (48 GPU Core) 64GB'],
      [M1ULTRA48, 'Qwen2.5-14B', 'deepseek-r1:14b (Qwen2.5-14B shapes)', 35.89, 'DeepSeek R1 14b', 'M1 Ultra (48 GPU Core) 64GB'],
      [{ chip: 'm4', gpuCores: 10, bandwidthGBps: 120 }, 'Llama-3.2-3B', 'llama3.2:3b', 41.31, 'Llama 3.2:3b', 'M4 Mac mini (10 core - 32GB)" (the Mac mini M4 has only the 10-core GPU'],
    ] as const
  ).map(([machine, base, model, decode, section, system]) =>
    gguf({ ...machine, engine: 'ollama', base, model: `Ollama ${model}`, recipe: 'Q4_K_M', decode, source: GEERLING_README(section, system), build: 'Ollama (version not stated)' }),
  ),
  ...(
    [
      ['Mistral-7B-v0.3', 'mistral:7b', 'Q4_0', 19.17],
      ['phi-4', 'phi4:14b', 'Q4_K_M', 6.83],
      ['Qwen2.5-14B', 'deepseek-r1:14b (Qwen2.5-14B shapes)', 'Q4_K_M', 5.87],
    ] as const
  ).map(([base, model, recipe, decode]) =>
    gguf({
      chip: 'm2',
      gpuCores: 8,
      bandwidthGBps: 100,
      engine: 'ollama',
      base,
      model: `Ollama ${model}`,
      recipe,
      decode,
      source: `${FREELETICS}; model_name "${model.split(' ')[0] ?? model}"`,
      build: 'Ollama 0.5.9',
      gpuBinStated: false,
    }),
  ),
  gguf({ ...M3ULTRA80, engine: 'ollama', base: 'Qwen3-32B', model: 'Ollama qwen3:32b', recipe: 'Q4_K_M', decode: 25.4, source: `${NEOBUNDY}; row "qwen3:32b"`, build: 'Ollama 0.6.6' }),

  // ─────────────── MoE, LM Studio MLX (NexVeridian) ───────────────
  ...(
    [
      ['4bit', 93, '30 - A3 | 93 | qwen 3 | MLX | 4'],
      ['6bit', 81, '30 - A3 | 81 | qwen 3 | MLX | 6'],
      ['8bit', 70, '30 - A3 | 70 | qwen 3 | MLX | 8'],
    ] as const
  ).map(([bits, decode, row]): SpeedMeasurement => ({
    ...M4MAX,
    engine: 'mlx-lm',
    model: 'Qwen3-30B-A3B (LM Studio MLX; MoE, 128 experts, top-8)',
    quant: `${bits.replace('bit', '')}-bit affine gs64`,
    modelBytes: QWEN3_30B.mlx[bits].file,
    activeParams: QWEN3_30B.activeParams,
    promptTokensPerSecond: null,
    decodeTokensPerSecond: decode,
    source: NEXV_ROW(row),
    build: 'LM Studio MLX engine',
    layers: QWEN3_30B.layers,
    moeLayers: QWEN3_30B.layers,
    activeWeightBytes: QWEN3_30B.mlx[bits].active,
  })),
]

export const MEASUREMENTS: readonly SpeedMeasurement[] = [
  llama7b('m1', 7, 68.25, 'Q8_0', 108.21, 7.92, thread4167('M1 7-core GPU', T_LINKPREVIEW)),
  llama7b('m1', 7, 68.25, 'Q4_0', 107.81, 14.19, thread4167('M1 7-core GPU', T_LINKPREVIEW)),
  llama7b('m1', 8, 68.25, 'Q8_0', 117.25, 7.91, thread4167('M1 8-core GPU', T_AB)),
  llama7b('m1', 8, 68.25, 'Q4_0', 117.96, 14.15, thread4167('M1 8-core GPU', T_AB)),
  llama7b('m1-pro', 16, 200, 'Q8_0', 270.37, 22.34, thread4167('M1 Pro 16-core GPU', T_B_E)),
  llama7b('m1-pro', 16, 200, 'Q4_0', 266.25, 36.41, thread4167('M1 Pro 16-core GPU', T_B_E)),
  llama7b('m1-max', 32, 400, 'F16', 599.53, 23.03, thread4167('M1 Max 32-core GPU', T_BC)),
  llama7b('m1-max', 32, 400, 'Q8_0', 537.37, 40.2, thread4167('M1 Max 32-core GPU', T_BC)),
  llama7b('m1-max', 32, 400, 'Q4_0', 530.06, 61.19, thread4167('M1 Max 32-core GPU', T_BC)),
  llama7b('m1-ultra', 64, 800, 'Q8_0', 1042.95, 59.87, thread4167('M1 Ultra 64-core GPU', T_B)),
  llama7b('m1-ultra', 64, 800, 'Q4_0', 1030.04, 83.73, thread4167('M1 Ultra 64-core GPU', T_B)),
  llama7b('m2', 10, 100, 'F16', 201.34, 6.72, thread4167('M2 10-core GPU', T_AB)),
  llama7b('m2', 10, 100, 'Q8_0', 181.4, 12.21, thread4167('M2 10-core GPU', T_AB)),
  llama7b('m2', 10, 100, 'Q4_0', 179.57, 21.91, thread4167('M2 10-core GPU', T_AB)),
  llama7b('m2-pro', 16, 200, 'F16', 312.65, 12.47, thread4167('M2 Pro 16-core GPU', T_A_E)),
  llama7b('m2-pro', 16, 200, 'Q8_0', null, 22.7, thread4167('M2 Pro 16-core GPU', T_A_E)),
  llama7b('m2-pro', 16, 200, 'Q4_0', 294.24, 37.87, thread4167('M2 Pro 16-core GPU', T_A_E)),
  llama7b('m2-pro', 19, 200, 'Q8_0', 344.5, 23.01, thread4167('M2 Pro 19-core GPU', T_B)),
  llama7b('m2-pro', 19, 200, 'Q4_0', 341.19, 38.86, thread4167('M2 Pro 19-core GPU', T_B)),
  llama7b('m2-max', 30, 400, 'F16', 600.46, 24.16, thread4167('M2 Max 30-core GPU', T_A)),
  llama7b('m2-max', 30, 400, 'Q8_0', null, 39.97, thread4167('M2 Max 30-core GPU', T_A)),
  llama7b('m2-max', 30, 400, 'Q4_0', 537.6, 60.99, thread4167('M2 Max 30-core GPU', T_A)),
  llama7b('m2-max', 38, 400, 'Q8_0', 677.91, 41.83, thread4167('M2 Max 38-core GPU', T_B)),
  llama7b('m2-max', 38, 400, 'Q4_0', 671.31, 65.95, thread4167('M2 Max 38-core GPU', T_B)),
  llama7b('m2-ultra', 60, 800, 'F16', 1128.59, 39.86, thread4167('M2 Ultra 60-core GPU', T_A)),
  llama7b('m2-ultra', 60, 800, 'Q8_0', null, 62.14, thread4167('M2 Ultra 60-core GPU', T_A)),
  llama7b('m2-ultra', 60, 800, 'Q4_0', 1013.81, 88.64, thread4167('M2 Ultra 60-core GPU', T_A)),
  llama7b('m2-ultra', 76, 800, 'F16', 1401.85, 41.02, thread4167('M2 Ultra 76-core GPU', T_AB)),
  llama7b('m2-ultra', 76, 800, 'Q8_0', 1248.59, 66.64, thread4167('M2 Ultra 76-core GPU', T_AB)),
  llama7b('m2-ultra', 76, 800, 'Q4_0', 1238.48, 94.27, thread4167('M2 Ultra 76-core GPU', T_AB)),
  llama7b('m3', 10, 100, 'Q8_0', 187.52, 12.27, thread4167('M3 10-core GPU', T_B_D)),
  llama7b('m3', 10, 100, 'Q4_0', 186.75, 21.34, thread4167('M3 10-core GPU', T_B_D)),
  llama7b('m3-pro', 18, 150, 'F16', 357.45, 9.89, thread4167('M3 Pro 18-core GPU', T_AB)),
  llama7b('m3-pro', 18, 150, 'Q8_0', 344.66, 17.53, thread4167('M3 Pro 18-core GPU', T_AB)),
  llama7b('m3-pro', 18, 150, 'Q4_0', 341.67, 30.74, thread4167('M3 Pro 18-core GPU', T_AB)),
  llama7b('m3-max', 30, 300, 'Q8_0', 566.4, 34.3, thread4167('M3 Max 30-core GPU', T_B)),
  llama7b('m3-max', 30, 300, 'Q4_0', 567.59, 56.58, thread4167('M3 Max 30-core GPU', T_B)),
  llama7b('m3-max', 40, 400, 'Q8_0', 757.64, 42.75, thread4167('M3 Max 40-core GPU', T_B_E)),
  llama7b('m3-max', 40, 400, 'Q4_0', 759.7, 66.31, thread4167('M3 Max 40-core GPU', T_B_E)),
  llama7b('m3-ultra', 60, 819, 'Q8_0', 1085.76, 63.55, thread4167('M3 Ultra 60-core GPU', T_B)),
  llama7b('m3-ultra', 60, 819, 'Q4_0', 1073.09, 88.4, thread4167('M3 Ultra 60-core GPU', T_B)),
  llama7b('m3-ultra', 80, 819, 'Q8_0', 1487.51, 63.93, thread4167('M3 Ultra 80-core GPU', T_B)),
  llama7b('m3-ultra', 80, 819, 'Q4_0', 1471.24, 92.14, thread4167('M3 Ultra 80-core GPU', T_B)),
  llama7b('m4', 10, 120, 'F16', 230.18, 7.43, thread4167('M4 10-core GPU', T_AB)),
  llama7b('m4', 10, 120, 'Q8_0', 223.64, 13.54, thread4167('M4 10-core GPU', T_AB)),
  llama7b('m4', 10, 120, 'Q4_0', 221.29, 24.11, thread4167('M4 10-core GPU', T_AB)),
  llama7b('m4-pro', 16, 273, 'Q8_0', 367.13, 30.54, thread4167('M4 Pro 16-core GPU', T_B)),
  llama7b('m4-pro', 16, 273, 'Q4_0', 364.06, 49.64, thread4167('M4 Pro 16-core GPU', T_B)),
  llama7b('m4-pro', 20, 273, 'F16', 464.48, 17.18, thread4167('M4 Pro 20-core GPU', T_AB)),
  llama7b('m4-pro', 20, 273, 'Q8_0', 449.62, 30.69, thread4167('M4 Pro 20-core GPU', T_AB)),
  llama7b('m4-pro', 20, 273, 'Q4_0', 439.78, 50.74, thread4167('M4 Pro 20-core GPU', T_AB)),
  llama7b('m4-max', 32, 410, 'Q8_0', 718.56, 43.87, thread4167('M4 Max 32-core GPU', T_B)),
  llama7b('m4-max', 32, 410, 'Q4_0', 713.93, 69.95, thread4167('M4 Max 32-core GPU', T_B)),
  llama7b('m4-max', 40, 546, 'F16', 922.83, 31.64, thread4167('M4 Max 40-core GPU', T_AB)),
  llama7b('m4-max', 40, 546, 'Q8_0', 891.94, 54.05, thread4167('M4 Max 40-core GPU', T_AB)),
  llama7b('m4-max', 40, 546, 'Q4_0', 885.68, 83.06, thread4167('M4 Max 40-core GPU', T_AB)),
  llama7b('m5', 10, 153, 'Q8_0', 264.15, 16.62, thread4167Newer('M5 10-core GPU', T_B)),
  llama7b('m5', 10, 153, 'Q4_0', 247.68, 29.62, thread4167Newer('M5 10-core GPU', T_B)),
  llama7b('m5-pro', 16, 307, 'Q8_0', 431.14, 35.86, thread4167Newer('M5 Pro 16-core GPU', T_B)),
  llama7b('m5-pro', 16, 307, 'Q4_0', 403.19, 60.04, thread4167Newer('M5 Pro 16-core GPU', T_B)),
  llama7b('m5-max', 40, 614, 'Q8_0', 1051.59, 64.61, thread4167Newer('M5 Max 40-core GPU (first of two M5 Max 40-core rows)', T_B)),
  llama7b('m5-max', 40, 614, 'Q4_0', 987.1, 102.93, thread4167Newer('M5 Max 40-core GPU (first of two M5 Max 40-core rows)', T_B)),
  llama7b('m5-max', 40, 614, 'Q8_0', 1054.83, 65.11, thread4167Newer('M5 Max 40-core GPU (second of two M5 Max 40-core rows)', T_B)),
  llama7b('m5-max', 40, 614, 'Q4_0', 990.53, 104.03, thread4167Newer('M5 Max 40-core GPU (second of two M5 Max 40-core rows)', T_B)),

  // ─────────────── llama.cpp, newer builds and other models (out of the 8e672ef fit) ───────────────
  {
    chip: 'm2-ultra',
    gpuCores: 76,
    bandwidthGBps: 800,
    engine: 'llama.cpp',
    model: 'LLaMA-2 7B',
    quant: 'Q4_0',
    modelBytes: LLAMA7B_BYTES.Q4_0,
    activeParams: LLAMA7B_PARAMS,
    promptTokensPerSecond: null,
    decodeTokensPerSecond: 108.8,
    source: `${T4167} — opening post, performance-over-time note for the M2 Ultra row: Q4_0 TG 94.27 t/s with build ${LEGACY_BUILD} → 108.80 t/s with the 2024-11-12 build and flash attention (94.27 is the 76-core row of the table); ${T_A}`,
    build: '2024-11-12 master, -fa 1',
    layers: 32,
  },
  {
    chip: 'm1-ultra',
    gpuCores: 64,
    bandwidthGBps: 800,
    engine: 'llama.cpp',
    model: 'TinyLlama 1.1B (tinyllama-1.1b-1t-openorca)',
    quant: 'Q4_K_M',
    modelBytes: mib(636.18),
    activeParams: 1.1e9,
    promptTokensPerSecond: 5587.84,
    decodeTokensPerSecond: 242.56,
    source:
      'https://github.com/geerlingguy/ai-benchmarks/issues/48 — indgy, Mac Studio M1 Ultra 64-core GPU 128 GB, macOS 14.8.3; llama-bench "llama 1B Q4_K - Medium | 636.18 MiB | 1.10 B", pp512 and tg128',
    build: 'e9fd8dc (7825)',
    layers: 22,
    // token_embd 32000 × 2048 in Q4_K (4.5 bpw) in a Q4_K_M file. Derived.
    embeddingBytes: ggufEmbeddingBytes(32000 * 2048, 'Q4_K_M'),
  },
  {
    chip: 'm3-ultra',
    gpuCores: 80,
    bandwidthGBps: 819,
    engine: 'llama.cpp',
    model: 'Llama 3.3 70B Instruct',
    quant: 'Q4_K_M',
    modelBytes: gib(39.59),
    activeParams: 70.55e9,
    promptTokensPerSecond: 162.3,
    decodeTokensPerSecond: 14.41,
    source:
      'https://github.com/geerlingguy/beowulf-ai-cluster/issues/17 — geerlingguy 2025-12-10, "Single node" llama-bench -fa 1 -mmp 0, "llama 70B Q4_K - Medium | 39.59 GiB | 70.55 B", pp512 and tg128; the node is the M3 Ultra 32/80-core 512 GB loaner of https://github.com/geerlingguy/sbc-reviews/issues/95 (llama-bench ran 24 threads = its 24 P-cores)',
    build: '4d3726278 (7315)',
    layers: 80,
    embeddingBytes: ggufEmbeddingBytes(EMB.llama3_70b, 'Q4_K_M'),
  },
  {
    chip: 'm4',
    gpuCores: 10,
    bandwidthGBps: 120,
    engine: 'llama.cpp',
    model: 'Llama 3.1 8B',
    quant: 'Q4_K_M',
    // Not printed by the source: llama.cpp's quantize tool lists Q4_K_M as "4.58G" (GiB) for Llama-3-8B (sizing.md §3.7).
    modelBytes: gib(4.58),
    activeParams: 8.03e9,
    promptTokensPerSecond: 224.81,
    decodeTokensPerSecond: 20.87,
    source:
      'https://github.com/brand-o/normiebench/issues/3 — JB, "Mac Mini M4" (10-core CPU, 16 GB), backend "llama.cpp / metal", llama3.1-8b q4_k_m, pp512 224.81, tg128 20.87; the Mac mini M4 ships only with the 10-core GPU',
    layers: 32,
    embeddingBytes: ggufEmbeddingBytes(EMB.llama3_8b, 'Q4_K_M'),
  },
  {
    chip: 'm2-ultra',
    gpuCores: 76,
    bandwidthGBps: 800,
    engine: 'llama.cpp',
    model: 'Qwen3-Coder 30B-A3B (MoE, 128 experts, top-8)',
    quant: 'Q8_0',
    modelBytes: gib(30.25),
    // Derived from the Qwen3-30B-A3B config (48 layers, d 2048, 32/4 heads × 128, 8 of 128 experts × 3 × 2048 × 768,
    // router 2048 × 128, untied 151936 × 2048 output): 3.042e9 params used per token, input embedding excluded.
    activeParams: QWEN3_30B.activeParams,
    promptTokensPerSecond: 2045.19,
    decodeTokensPerSecond: 76.31,
    source:
      'https://github.com/ggml-org/llama.cpp/pull/15616 — ggerganov 2025-08-27, "Perf M2 Ultra" llama-bench table, "qwen3moe 30B.A3B Q8_0 | 30.25 GiB", n_ubatch 2048, fa 1, pp512 and tg128; 76-core bin inferred: the same table\'s qwen2 7B Q8_0 pp512 of 1419.54 t/s would need 101% of a 60-core M2 Ultra\'s FP32 peak',
    build: 'master 2025-08-27 (PR #15616)',
    layers: 48,
    moeLayers: 48,
    // As fleet computes it for the catalog config in the Q8_0 layout (whose file size, 30.25 GiB, matches the source).
    activeWeightBytes: QWEN3_30B.gguf.Q8_0.active,
  },

  // ─────────────── MLX ───────────────
  mlx({
    chip: 'm3-ultra',
    gpuCores: 60,
    bandwidthGBps: 819,
    model: 'mlx-community/Qwen3-0.6B-4bit',
    bits: 4,
    params: 0.6e9,
    layers: 28,
    decode: 387.64,
    prompt: null,
    source: RAPID(633, 'community-bench qwen3-0.6b-4bit') + ';' + RAPID_CORES,
    build: 'rapid-mlx 0.7.26 / mlx 0.31.2',
  }),
  mlx({
    chip: 'm3-ultra',
    gpuCores: 60,
    bandwidthGBps: 819,
    model: 'Phi-4-mini 4-bit (Rapid-MLX alias phi-4-mini-4bit)',
    bits: 4,
    params: 3.8e9,
    layers: 32,
    decode: 167.93,
    prompt: 2197.19,
    source: RAPID(585, 'community-bench phi-4-mini-4bit, "Apple M3 Ultra, 256 GB RAM, 28 CPU cores, 60 GPU cores", macOS 26.3.1, prefill 2197.19 tok/s on the 512-token prompt'),
    build: 'rapid-mlx 0.7.9 / mlx 0.31.2',
  }),
  mlx({
    chip: 'm3-ultra',
    gpuCores: 60,
    bandwidthGBps: 819,
    model: 'mlx-community/Meta-Llama-3.1-8B-Instruct-4bit',
    embeddingParams: EMB.llama3_8b,
    bits: 4,
    params: 8.03e9,
    layers: 32,
    decode: 119.39,
    prompt: null,
    source: RAPID(586, 'community-bench llama-3.1-8b-4bit, maintainer self-test') + ';' + RAPID_CORES,
    build: 'rapid-mlx 0.7.9 / mlx 0.31.2',
  }),
  mlx({
    chip: 'm3-ultra',
    gpuCores: 60,
    bandwidthGBps: 819,
    model: 'mlx-community/Qwen3-8B-4bit',
    embeddingParams: EMB.qwen3_8b,
    bits: 4,
    params: 8.2e9,
    layers: 36,
    decode: 112.89,
    prompt: null,
    source: RAPID(636, 'community-bench qwen3-8b-4bit') + ';' + RAPID_CORES,
    build: 'rapid-mlx 0.7.26 / mlx 0.31.2',
  }),
  mlx({
    chip: 'm3-ultra',
    gpuCores: 60,
    bandwidthGBps: 819,
    model: 'mlx-community/Qwen2.5-14B-Instruct-4bit',
    embeddingParams: EMB.qwen25_14b,
    bits: 4,
    params: 14.7e9,
    layers: 48,
    decode: 66.36,
    prompt: null,
    source: RAPID(630, 'community-bench qwen2.5-14b-4bit') + ';' + RAPID_CORES,
    build: 'rapid-mlx 0.7.26 / mlx 0.31.2',
  }),
  mlx({
    chip: 'm4-max',
    gpuCores: 40,
    bandwidthGBps: 546,
    model: 'mlx-community/Qwen3-8B-4bit',
    embeddingParams: EMB.qwen3_8b,
    bits: 4,
    params: 8.2e9,
    layers: 36,
    decode: 95.88,
    prompt: null, // 16-token prompt: its rate (233.59) is not a prefill throughput
    source:
      'https://github.com/itsmostafa/inference-speed-tests/blob/10f0b50c0cb4d153239dd6e64f9df233bd7303a5/results/macbook-pro-m4-max-128gb-40-core-gpu/Qwen3-8B-4bit.md — itsmostafa 2026-03-30, "Apple M4 Max | 128 GB RAM | 40-core GPU", macOS 26.2, mlx_lm stream_generate, 16-token prompt, 512 max tokens, mean of 6 runs',
  }),
  mlx({
    chip: 'm4-max',
    gpuCores: 40,
    bandwidthGBps: 546,
    model: 'Qwen2.5-7B-Instruct (MLX 4bit)',
    embeddingParams: EMB.qwen25_7b,
    bits: 4,
    params: 7.61e9,
    layers: 28,
    decode: 101.87,
    prompt: null,
    source: `${LMS}, column "M4 Max (128 GB RAM, 40-core GPU)"`,
  }),
  mlx({
    chip: 'm4-max',
    gpuCores: 40,
    bandwidthGBps: 546,
    model: 'Qwen2.5-14B-Instruct (MLX 4bit)',
    embeddingParams: EMB.qwen25_14b,
    bits: 4,
    params: 14.7e9,
    layers: 48,
    decode: 52.22,
    prompt: null,
    source: `${LMS}, column "M4 Max (128 GB RAM, 40-core GPU)"`,
  }),
  mlx({
    chip: 'm4-max',
    gpuCores: 40,
    bandwidthGBps: 546,
    model: 'Qwen2.5-32B-Instruct (MLX 4bit)',
    embeddingParams: EMB.qwen25_32b,
    bits: 4,
    params: 32.5e9,
    layers: 64,
    decode: 24.46,
    prompt: null,
    source: `${LMS}, column "M4 Max (128 GB RAM, 40-core GPU)"`,
  }),
  mlx({
    chip: 'm4-max',
    gpuCores: 40,
    bandwidthGBps: 546,
    model: 'Qwen2.5-32B-Instruct (MLX 8bit)',
    embeddingParams: EMB.qwen25_32b,
    bits: 8,
    params: 32.5e9,
    layers: 64,
    decode: 13.75,
    prompt: null,
    source: `${LMS}, column "M4 Max (128 GB RAM, 40-core GPU)"`,
  }),
  mlx({
    chip: 'm4-max',
    gpuCores: 40,
    bandwidthGBps: 546,
    model: 'Qwen2.5-72B-Instruct (MLX 4bit)',
    embeddingParams: EMB.qwen25_72b,
    bits: 4,
    params: 72.7e9,
    layers: 80,
    decode: 10.86,
    prompt: null,
    source: `${LMS}, column "M4 Max (128 GB RAM, 40-core GPU)"`,
  }),
  mlx({
    chip: 'm1-pro',
    gpuCores: 16,
    bandwidthGBps: 200,
    model: 'Qwen2.5-7B-Instruct (MLX 4bit)',
    embeddingParams: EMB.qwen25_7b,
    bits: 4,
    params: 7.61e9,
    layers: 28,
    decode: 38.99,
    prompt: null,
    source: `${LMS}, column "M1 Pro (32GB RAM, 16-core GPU)"`,
  }),
  mlx({
    chip: 'm1-pro',
    gpuCores: 16,
    bandwidthGBps: 200,
    model: 'Qwen2.5-14B-Instruct (MLX 4bit)',
    embeddingParams: EMB.qwen25_14b,
    bits: 4,
    params: 14.7e9,
    layers: 48,
    decode: 18.88,
    prompt: null,
    source: `${LMS}, column "M1 Pro (32GB RAM, 16-core GPU)"`,
  }),
  mlx({
    chip: 'm1-pro',
    gpuCores: 16,
    bandwidthGBps: 200,
    model: 'Qwen2.5-32B-Instruct (MLX 4bit)',
    embeddingParams: EMB.qwen25_32b,
    bits: 4,
    params: 32.5e9,
    layers: 64,
    decode: 9.1,
    prompt: null,
    source: `${LMS}, column "M1 Pro (32GB RAM, 16-core GPU)"`,
  }),

  // ─────────────── MoE, mlx-lm ───────────────
  ...(['4bit', '5bit', '6bit', '8bit'] as const).map((bits): SpeedMeasurement => ({
    chip: 'm4-max',
    gpuCores: 40,
    bandwidthGBps: 546,
    engine: 'mlx-lm',
    model: `mlx-community/Qwen3-30B-A3B-Instruct-2507-${bits} (MoE, 128 experts, top-8)`,
    quant: `${bits.replace('bit', '')}-bit affine gs64`,
    modelBytes: QWEN3_30B.mlx[bits].file,
    activeParams: QWEN3_30B.activeParams,
    promptTokensPerSecond: { '4bit': 1753.9, '5bit': 1664.24, '6bit': 1667.45, '8bit': 1719.47 }[bits],
    decodeTokensPerSecond: { '4bit': 113.33, '5bit': 101.0, '6bit': 94.14, '8bit': 83.16 }[bits],
    source: `${MLX_BENCHMARKS_MD}, row "q${bits.replace('bit', '')}"`,
    build: 'mlx 0.29.2.dev20251008 / mlx-lm 0.28.2',
    layers: QWEN3_30B.layers,
    moeLayers: QWEN3_30B.layers,
    activeWeightBytes: QWEN3_30B.mlx[bits].active,
    // Mean context while generating: 2048 + 64 tokens.
    kvBytesRead: QWEN3_30B.kvBytesPerToken * 2112,
  })),
  ...(
    [
      ['m4-max', 546, '10f0b50c0cb4d153239dd6e64f9df233bd7303a5', 'macbook-pro-m4-max-128gb-40-core-gpu', '20b', 121.02, 'macOS 26.2'],
      ['m4-max', 546, '10f0b50c0cb4d153239dd6e64f9df233bd7303a5', 'macbook-pro-m4-max-128gb-40-core-gpu', '120b', 81.34, 'macOS 26.2'],
      ['m5-max', 614, '6488fe616e96262c172fe12fa80460153e92573e', 'macbook-pro-m5-max-128gb-40-core-gpu', '20b', 137.76, 'macOS 26.4'],
      ['m5-max', 614, '6488fe616e96262c172fe12fa80460153e92573e', 'macbook-pro-m5-max-128gb-40-core-gpu', '120b', 92.95, 'macOS 26.4'],
    ] as const
  ).map(([chip, bandwidthGBps, commit, device, size, decode, os]): SpeedMeasurement => ({
    chip,
    gpuCores: 40,
    bandwidthGBps,
    engine: 'mlx-lm',
    model: `gpt-oss-${size}-MXFP4-Q8 (the results file's model name; MoE, ${size === '20b' ? 32 : 128} experts, top-4)`,
    quant: 'MXFP4 experts + 8-bit affine gs64',
    modelBytes: GPT_OSS[size].file,
    activeParams: GPT_OSS[size].activeParams,
    promptTokensPerSecond: null, // 73-token prompt: not a prefill throughput
    decodeTokensPerSecond: decode,
    source: `${ITSMOSTAFA(commit, device, `gpt-oss-${size}-MXFP4-Q8.md`)}; device line "Apple ${chip === 'm4-max' ? 'M4' : 'M5'} Max | 128 GB RAM | 40-core GPU", ${os}`,
    build: `mlx_lm stream_generate, ${os}`,
    layers: GPT_OSS[size].layers,
    moeLayers: GPT_OSS[size].layers,
    activeWeightBytes: GPT_OSS[size].active,
    // Mean context 73 + 256 tokens.
    kvBytesRead: GPT_OSS.kvBytesRead(GPT_OSS[size].layers, 329),
  })),
  {
    chip: 'm2-ultra',
    gpuCores: 76,
    bandwidthGBps: 800,
    engine: 'mlx-lm',
    model: 'lmstudio-community/Qwen3-Coder-30B-A3B-Instruct-MLX-4bit (MoE, 128 experts, top-8)',
    quant: '4-bit affine gs64',
    modelBytes: QWEN3_30B.mlx['4bit'].file,
    activeParams: QWEN3_30B.activeParams,
    promptTokensPerSecond: null,
    decodeTokensPerSecond: 86.8,
    source: `${MLX_STUDIO}; MLX backend = mlx-omni-server (runs 87.1 / 87.3 / 85.9). Same machine and server: dense mlx-community/Qwen3-4B-4bit 144.6 and Qwen3-1.7B-4bit 252.7 t/s, 13 % and 9 % below the dense ultra-tier constants (4.0B / 1.7B model-card params, tied embeddings)`,
    build: 'mlx-omni-server (MLX Studio), 2025-12',
    layers: QWEN3_30B.layers,
    moeLayers: QWEN3_30B.layers,
    activeWeightBytes: QWEN3_30B.mlx['4bit'].active,
    // Mean context assumed ≈ 300 tokens (short prompt + half of ≤ 512 generated); 1.7 % of the bytes.
    kvBytesRead: QWEN3_30B.kvBytesPerToken * 300,
  },
  {
    chip: 'm3-ultra',
    gpuCores: 80,
    bandwidthGBps: 819,
    engine: 'mlx-lm',
    model: 'mlx-community/MiniMax-M2.1-4bit (MoE, 256 experts, top-8)',
    quant: '4-bit affine gs64',
    modelBytes: MINIMAX_M2_1_4BIT.file,
    activeParams: MINIMAX_M2_1_4BIT.activeParams,
    promptTokensPerSecond: null,
    decodeTokensPerSecond: 48.93,
    source:
      'https://github.com/newbdez33/llm-mac-512/blob/103da4f21d59bebcb80b2cba83438614c381f6da/docs/benchmark-results.md — newbdez33 2026-02-02, Mac Studio (Mac15,14) M3 Ultra 512 GB (512 GB exists only with the 80-core GPU), macOS 26.2, MLX 0.30.4, mlx-lm 0.30.5; MiniMax-M2.1-4bit, test "medium" (500 tokens, 48.93 t/s; the first "short" test, 27.61 t/s, is the warm-up and the other warm tests give 47.99–48.32)',
    build: 'mlx 0.30.4 / mlx-lm 0.30.5',
    layers: MINIMAX_M2_1_4BIT.layers,
    moeLayers: MINIMAX_M2_1_4BIT.layers,
    activeWeightBytes: MINIMAX_M2_1_4BIT.active,
    // Mean context assumed ≈ 280 tokens (short prompt + 250); 1.2 % of the bytes.
    kvBytesRead: MINIMAX_M2_1_4BIT.kvBytesPerToken * 280,
  },

  // ─────────────── MoE, llama.cpp and Ollama (Qwen3-Coder Q8_0 on M2 Ultra is in the current-build block above) ───────────────
  ...(
    [
      ['Q4_K_M', 76.0, '75.3 / 76.3 / 76.3'],
      ['Q6_K', 75.3, '74.4 / 75.8 / 75.6'],
    ] as const
  ).map(([quant, decode, runs]): SpeedMeasurement => ({
    chip: 'm2-ultra',
    gpuCores: 76,
    bandwidthGBps: 800,
    engine: 'llama.cpp',
    model: 'lmstudio-community/Qwen3-Coder-30B-A3B-Instruct-GGUF (MoE, 128 experts, top-8)',
    quant,
    modelBytes: QWEN3_30B.gguf[quant].file,
    activeParams: QWEN3_30B.activeParams,
    promptTokensPerSecond: null,
    decodeTokensPerSecond: decode,
    source: `${MLX_STUDIO}; GGUF backend = llama-server \`--jinja -ngl 99 -fa auto -c 32768\` (runs ${runs}). Same machine and server: dense Qwen3-4B-Instruct-2507 Q4_K_M 116.0 t/s, 4–7 % below the dense current-build constants for the 2.3 GB the repo's CLAUDE.md gives for that file`,
    build: 'llama-server (Homebrew llama.cpp, build not printed), 2025-12',
    layers: QWEN3_30B.layers,
    moeLayers: QWEN3_30B.layers,
    activeWeightBytes: QWEN3_30B.gguf[quant].active,
    kvBytesRead: QWEN3_30B.kvBytesPerToken * 300,
  })),
  {
    chip: 'm3-ultra',
    gpuCores: 80,
    bandwidthGBps: 819,
    engine: 'ollama',
    model: 'Ollama qwen3:30b-a3b (Qwen3-30B-A3B, MoE, 128 experts, top-8)',
    quant: 'Q4_K_M',
    modelBytes: QWEN3_30B.gguf.Q4_K_M.file,
    activeParams: QWEN3_30B.activeParams,
    promptTokensPerSecond: null,
    decodeTokensPerSecond: 72.1,
    source: `${NEOBUNDY}; row "qwen3:30b-a3b"`,
    build: 'Ollama 0.6.6',
    layers: QWEN3_30B.layers,
    moeLayers: QWEN3_30B.layers,
    activeWeightBytes: QWEN3_30B.gguf.Q4_K_M.active,
  },
  {
    chip: 'm3-ultra',
    gpuCores: 80,
    bandwidthGBps: 819,
    engine: 'ollama',
    model: 'Ollama qwen3:235b-a22b (Qwen3-235B-A22B, MoE, 128 experts, top-8)',
    quant: 'Q4_K_M',
    modelBytes: QWEN3_235B_Q4_K_M.file,
    activeParams: QWEN3_235B_Q4_K_M.activeParams,
    promptTokensPerSecond: null,
    decodeTokensPerSecond: 23.3,
    source: `${NEOBUNDY}; row "qwen3:235b-a22b"`,
    build: 'Ollama 0.6.6',
    layers: QWEN3_235B_Q4_K_M.layers,
    moeLayers: QWEN3_235B_Q4_K_M.layers,
    activeWeightBytes: QWEN3_235B_Q4_K_M.active,
  },

  ...ADDED_2026,
]
