/**
 * Apple Silicon Mac chips, M1 through M5, as data with sources.
 *
 * Scope and conventions (see docs/chips.md for the full table and provenance notes):
 * - Mac bins only. iPad-only bins (e.g. the 9-core-CPU M4 of the 256/512 GB iPad Pro) are left out.
 * - `variants` lists every CPU/GPU-core bin Apple sold in a Mac, each with the RAM options offered with it.
 *   Where Apple gated a RAM size to the bigger bin, only the bigger bin lists it.
 * - `bandwidthGBps` is Apple's quoted peak figure in decimal GB/s (Apple's "1.2TB/s" for M5 Ultra is 1200).
 * - `released` is the month the chip first shipped in a Mac (not the announcement day, not an iPad).
 * - `gpuClockGHz` is the top GPU DVFS state, used for peak FP32 = gpuCores × 128 ALUs × 2 (FMA) × clock.
 *   The 128 FP32 ALUs per core come from Wikipedia "Apple M1" (16 execution units × 8 ALUs per core) and
 *   reproduce Apple's own TFLOPS claims: M1 8-core 2.6, M1 Max 32-core 10.4, M2 Max 38-core 13.6,
 *   M2 Ultra 76-core 27.2. Apple does not publish GPU clocks; the sources are powermetrics DVFS tables.
 * - No M4 Ultra exists: Apple told Ars Technica not every generation gets an Ultra (see the `m3-ultra` sources).
 * - M5 Ultra is included: Apple announced it on 2026-08-25 (newsroom) and it shipped in September 2026.
 * - M6 (first shipped in the Mac mini, September 2026) is outside the `generation: 1..5` range of this type and
 *   is deliberately not listed.
 */

export type ChipTier = 'base' | 'pro' | 'max' | 'ultra'

export interface ChipVariant {
  readonly cpuCores: number
  readonly gpuCores: number
  /** Peak unified-memory bandwidth as Apple quotes it, decimal GB/s (e.g. 819). */
  readonly bandwidthGBps: number
  /** RAM options sold with this variant, in Apple's (binary) GB, e.g. [96, 256, 512]. */
  readonly memoryGB: readonly number[]
}

export interface Chip {
  /** Kebab id: 'm1', 'm1-pro', 'm1-max', 'm1-ultra', ..., 'm5-ultra'. */
  readonly id: string
  /** Marketing name, e.g. 'M3 Ultra'. */
  readonly name: string
  readonly generation: 1 | 2 | 3 | 4 | 5
  readonly tier: ChipTier
  /** Every CPU/GPU-core bin Apple sold in a Mac, each with its bandwidth and memory options. */
  readonly variants: readonly ChipVariant[]
  /**
   * GPU clock in GHz used for peak FP32 FLOPS = gpuCores × 128 ALUs × 2 × clock.
   * Source and confidence are noted per chip.
   */
  readonly gpuClockGHz: number
  /** 'YYYY-MM': first month the chip shipped in a Mac. */
  readonly released: string
  /** URLs of the Apple, Wikipedia and other pages used for this entry. */
  readonly sources: readonly string[]
}

// Shared source URLs.
const WIKI_M1 = 'https://en.wikipedia.org/wiki/Apple_M1'
const WIKI_M2 = 'https://en.wikipedia.org/wiki/Apple_M2'
const WIKI_M3 = 'https://en.wikipedia.org/wiki/Apple_M3'
const WIKI_M4 = 'https://en.wikipedia.org/wiki/Apple_M4'
const WIKI_M5 = 'https://en.wikipedia.org/wiki/Apple_M5'
/** philipturner/applegpuinfo: per-generation GPU clock table (M1 1.278, M1 Pro/Max/Ultra 1.296, M2 1.398, M3 1.380). */
const GPUINFO_SRC = 'https://github.com/philipturner/applegpuinfo/blob/main/Sources/AppleGPUInfo/AppleGPUInfo.swift'
const MAC_STUDIO_SPECS = 'https://www.apple.com/mac-studio/specs/'

export const CHIPS: readonly Chip[] = [
  // ───────────────────────────── M1 ─────────────────────────────
  {
    id: 'm1',
    name: 'M1',
    generation: 1,
    tier: 'base',
    // LPDDR4X-4266 on a 128-bit bus = 68.25 GB/s, the figure Apple quotes. The 7-core GPU bin was the base
    // MacBook Air and base 24-inch iMac; both bins came with 8 or 16 GB.
    variants: [
      { cpuCores: 8, gpuCores: 7, bandwidthGBps: 68.25, memoryGB: [8, 16] },
      { cpuCores: 8, gpuCores: 8, bandwidthGBps: 68.25, memoryGB: [8, 16] },
    ],
    // 1278 MHz top GPU state (applegpuinfo); 8 × 128 × 2 × 1.278 = 2.62 TFLOPS, matching Apple's "2.6 TFLOPS".
    gpuClockGHz: 1.278,
    released: '2020-11',
    sources: [
      WIKI_M1,
      'https://www.macrumors.com/2020/11/10/apple-announces-m1-chip-for-the-mac/',
      'https://notebookcheck.com/M1-Pro-16-Core-GPU-vs-M1-8-Core-GPU-vs-M1-Max-24-Core-GPU_10963_10552_10967.247532.0.html',
      GPUINFO_SRC,
    ],
  },
  {
    id: 'm1-pro',
    name: 'M1 Pro',
    generation: 1,
    tier: 'pro',
    // 8-core CPU/14-core GPU was the base 14-inch MacBook Pro; all bins 16 or 32 GB, 200 GB/s.
    variants: [
      { cpuCores: 8, gpuCores: 14, bandwidthGBps: 200, memoryGB: [16, 32] },
      { cpuCores: 10, gpuCores: 14, bandwidthGBps: 200, memoryGB: [16, 32] },
      { cpuCores: 10, gpuCores: 16, bandwidthGBps: 200, memoryGB: [16, 32] },
    ],
    // powermetrics DVFS states for M1 Pro/Max: 389 … 1296 MHz (notebookcheck; applegpuinfo issue #7).
    gpuClockGHz: 1.296,
    released: '2021-10',
    sources: [
      WIKI_M1,
      'https://www.notebookcheck.net/M3-Max-40-Core-GPU-vs-M1-Pro-14-Core-GPU-vs-M3-Max-30-Core-GPU_11636_10965_12034.247598.0.html',
      'https://github.com/philipturner/applegpuinfo/issues/7',
      GPUINFO_SRC,
    ],
  },
  {
    id: 'm1-max',
    name: 'M1 Max',
    generation: 1,
    tier: 'max',
    variants: [
      { cpuCores: 10, gpuCores: 24, bandwidthGBps: 400, memoryGB: [32, 64] },
      { cpuCores: 10, gpuCores: 32, bandwidthGBps: 400, memoryGB: [32, 64] },
    ],
    // 32 × 128 × 2 × 1.296 = 10.6 TFLOPS (Apple: "10.4 TFLOPS").
    gpuClockGHz: 1.296,
    released: '2021-10',
    sources: [
      WIKI_M1,
      'https://notebookcheck.com/M1-Pro-16-Core-GPU-vs-M1-8-Core-GPU-vs-M1-Max-24-Core-GPU_10963_10552_10967.247532.0.html',
      'https://github.com/philipturner/applegpuinfo/issues/2',
      GPUINFO_SRC,
    ],
  },
  {
    id: 'm1-ultra',
    name: 'M1 Ultra',
    generation: 1,
    tier: 'ultra',
    // Two M1 Max dies. Apple quotes 800 GB/s (LPDDR5-6400 × 1024 bit is 819.2; Apple's figure is kept).
    variants: [
      { cpuCores: 20, gpuCores: 48, bandwidthGBps: 800, memoryGB: [64, 128] },
      { cpuCores: 20, gpuCores: 64, bandwidthGBps: 800, memoryGB: [64, 128] },
    ],
    gpuClockGHz: 1.296,
    released: '2022-03',
    sources: [
      WIKI_M1,
      'https://www.notebookcheck.net/Apple-M1-Ultra-revealed-with-UltraFusion-architecture-a-20-core-CPU-and-up-to-a-64-core-GPU.607117.0.html',
      'https://www.iol.co.za/technology/gadgets/apple-launches-mac-studio-studio-display-for-creators-84ddb9fd-6402-5a4b-a0ab-6b62e60063dd',
      'https://github.com/philipturner/applegpuinfo/issues/1',
      GPUINFO_SRC,
    ],
  },

  // ───────────────────────────── M2 ─────────────────────────────
  {
    id: 'm2',
    name: 'M2',
    generation: 2,
    tier: 'base',
    // 8-core GPU bin: base MacBook Air (M2). 10-core GPU: 13-inch MacBook Pro, Mac mini, upper MacBook Airs.
    variants: [
      { cpuCores: 8, gpuCores: 8, bandwidthGBps: 100, memoryGB: [8, 16, 24] },
      { cpuCores: 8, gpuCores: 10, bandwidthGBps: 100, memoryGB: [8, 16, 24] },
    ],
    // 1398 MHz observed in powermetrics (asitop issue #47); 10 × 128 × 2 × 1.398 = 3.58 TFLOPS (Apple: 3.6).
    gpuClockGHz: 1.398,
    released: '2022-06',
    sources: [WIKI_M2, 'https://newatlas.com/computers/apple-mac-mini-m2-pro/', 'https://github.com/tlkh/asitop/issues/47', GPUINFO_SRC],
  },
  {
    id: 'm2-pro',
    name: 'M2 Pro',
    generation: 2,
    tier: 'pro',
    variants: [
      { cpuCores: 10, gpuCores: 16, bandwidthGBps: 200, memoryGB: [16, 32] },
      { cpuCores: 12, gpuCores: 19, bandwidthGBps: 200, memoryGB: [16, 32] },
    ],
    gpuClockGHz: 1.398,
    released: '2023-01',
    sources: [WIKI_M2, 'https://newatlas.com/computers/apple-mac-mini-m2-pro/', GPUINFO_SRC],
  },
  {
    id: 'm2-max',
    name: 'M2 Max',
    generation: 2,
    tier: 'max',
    // 96 GB was only offered with the 38-core GPU.
    variants: [
      { cpuCores: 12, gpuCores: 30, bandwidthGBps: 400, memoryGB: [32, 64] },
      { cpuCores: 12, gpuCores: 38, bandwidthGBps: 400, memoryGB: [32, 64, 96] },
    ],
    // 38 × 128 × 2 × 1.398 = 13.6 TFLOPS, Apple's figure (applegpuinfo issue #10 reports the same).
    gpuClockGHz: 1.398,
    released: '2023-01',
    sources: [WIKI_M2, 'https://www.techspot.com/news/98961-apple-launches-new-mac-studio-m2-max-m2.html', 'https://github.com/philipturner/applegpuinfo/issues/10', GPUINFO_SRC],
  },
  {
    id: 'm2-ultra',
    name: 'M2 Ultra',
    generation: 2,
    tier: 'ultra',
    variants: [
      { cpuCores: 24, gpuCores: 60, bandwidthGBps: 800, memoryGB: [64, 128, 192] },
      { cpuCores: 24, gpuCores: 76, bandwidthGBps: 800, memoryGB: [64, 128, 192] },
    ],
    // 76 × 128 × 2 × 1.398 = 27.2 TFLOPS, Apple's figure.
    gpuClockGHz: 1.398,
    released: '2023-06',
    sources: [WIKI_M2, 'https://www.techspot.com/news/98961-apple-launches-new-mac-studio-m2-max-m2.html', GPUINFO_SRC],
  },

  // ───────────────────────────── M3 ─────────────────────────────
  {
    id: 'm3',
    name: 'M3',
    generation: 3,
    tier: 'base',
    // 8-core GPU bin: base MacBook Air (M3) and base iMac. 8/16/24 GB on both bins (8 GB kept because it was
    // sold, although later M3 Airs started at 16 GB).
    variants: [
      { cpuCores: 8, gpuCores: 8, bandwidthGBps: 100, memoryGB: [8, 16, 24] },
      { cpuCores: 8, gpuCores: 10, bandwidthGBps: 100, memoryGB: [8, 16, 24] },
    ],
    // Top GPU DVFS state 1338 MHz in powermetrics on an M3 MacBook Air (applegpuinfo issue #15).
    // UNCERTAIN: applegpuinfo itself uses 1.380 GHz for the whole M3 generation (measured on an M3 Max).
    gpuClockGHz: 1.338,
    released: '2023-11',
    sources: [WIKI_M3, 'https://pcextreme.com.br/apple-announces-m3-soc-family-m3-m3-pro-and-m3-max-make-their-marks/', 'https://github.com/philipturner/applegpuinfo/issues/15'],
  },
  {
    id: 'm3-pro',
    name: 'M3 Pro',
    generation: 3,
    tier: 'pro',
    // 192-bit bus, 150 GB/s (down from 200 on M1/M2 Pro). 18 or 36 GB on both bins.
    variants: [
      { cpuCores: 11, gpuCores: 14, bandwidthGBps: 150, memoryGB: [18, 36] },
      { cpuCores: 12, gpuCores: 18, bandwidthGBps: 150, memoryGB: [18, 36] },
    ],
    // 1.380 GHz as for M3 Max (applegpuinfo). UNCERTAIN: not measured on an M3 Pro by any source found.
    gpuClockGHz: 1.38,
    released: '2023-11',
    sources: [
      WIKI_M3,
      'https://www.macrumors.com/2023/10/31/apple-m3-pro-less-memory-bandwidth/',
      'https://gigazine.net/gsc_news/en/20231101-apple-m3-pro-memory-bandwidth',
      'https://pcextreme.com.br/apple-announces-m3-soc-family-m3-m3-pro-and-m3-max-make-their-marks/',
      GPUINFO_SRC,
    ],
  },
  {
    id: 'm3-max',
    name: 'M3 Max',
    generation: 3,
    tier: 'max',
    // The binned 30-core part has a 384-bit bus (300 GB/s) and different RAM sizes (36/96 GB) from the
    // full 40-core part (512-bit, 400 GB/s, 48/64/128 GB).
    variants: [
      { cpuCores: 14, gpuCores: 30, bandwidthGBps: 300, memoryGB: [36, 96] },
      { cpuCores: 16, gpuCores: 40, bandwidthGBps: 400, memoryGB: [48, 64, 128] },
    ],
    // 1.380 GHz from M3 Max powermetrics (applegpuinfo issue #4).
    gpuClockGHz: 1.38,
    released: '2023-11',
    sources: [
      WIKI_M3,
      'https://www.macrumors.com/2023/10/31/apple-m3-pro-less-memory-bandwidth/',
      'https://www.notebookcheck.net/M3-Max-40-Core-GPU-vs-M1-Pro-14-Core-GPU-vs-M3-Max-30-Core-GPU_11636_10965_12034.247598.0.html',
      'https://macmegasite.com/2024/10/30/m4-max-chip-has-16-core-cpu-40-core-gpu-and-35-increase-in-memory-bandwidth',
      'https://github.com/philipturner/applegpuinfo/issues/4',
      GPUINFO_SRC,
    ],
  },
  {
    id: 'm3-ultra',
    name: 'M3 Ultra',
    generation: 3,
    tier: 'ultra',
    // Mac Studio (2025). Both bins 819 GB/s. 256 GB was available on the 60-core bin (a 60-core/256 GB
    // machine appears in antirez/ds4 PR #324); 512 GB only on the 80-core bin. Note: third-party data says the
    // 512 GB option was withdrawn around March 2026; it is kept here because it was sold.
    variants: [
      { cpuCores: 28, gpuCores: 60, bandwidthGBps: 819, memoryGB: [96, 256] },
      { cpuCores: 32, gpuCores: 80, bandwidthGBps: 819, memoryGB: [96, 256, 512] },
    ],
    // Two M3 Max dies; same clock as M3 Max (1.380 GHz, applegpuinfo).
    gpuClockGHz: 1.38,
    released: '2025-03',
    sources: [
      'https://512pixels.net/2025/03/mac-studio-what-is-happening',
      'https://www.xda-developers.com/apples-mac-studio-m3-ultra/',
      'https://techpowerup.com/news-tags/Mac%20Studio',
      'https://english.worldmagazine.it/431260',
      'https://inforeader.com/i/?a=reader&rid=67c916097fa95&search=%23m3%2Bultra',
      'https://github.com/geerlingguy/sbc-reviews/issues/95',
      'https://github.com/antirez/ds4/pull/324',
      GPUINFO_SRC,
    ],
  },

  // ───────────────────────────── M4 ─────────────────────────────
  {
    id: 'm4',
    name: 'M4',
    generation: 4,
    tier: 'base',
    // Mac bins: 8-core CPU/8-core GPU (two-port iMac, 16 or 24 GB), 10-core CPU/8-core GPU (base MacBook Air,
    // March 2025), 10-core CPU/10-core GPU (MacBook Pro, Mac mini, iMac, upper MacBook Airs). 120 GB/s.
    variants: [
      { cpuCores: 8, gpuCores: 8, bandwidthGBps: 120, memoryGB: [16, 24] },
      { cpuCores: 10, gpuCores: 8, bandwidthGBps: 120, memoryGB: [16, 24, 32] },
      { cpuCores: 10, gpuCores: 10, bandwidthGBps: 120, memoryGB: [16, 24, 32] },
    ],
    // 1578 MHz = top state of the M4 (AGX G16G) GPU DVFS table in powermetrics dumps posted on GitHub.
    // UNCERTAIN: hmc-tech lists 1470 MHz for the M4 GPU; the powermetrics table is preferred.
    gpuClockGHz: 1.578,
    released: '2024-11',
    sources: [
      WIKI_M4,
      'https://huggingface.co/datasets/Yinxing/LLM_Dataset/blob/main/MacPro.txt',
      'https://aggregoctt.github.io/new-apple-m5-is-the-centerpiece-of-an-updated-14-i-ZjzAPBk0EfBff8iKVL3C7w',
      'https://raw.githubusercontent.com/rlindsey2/sunkcost/main/data/hardware.json',
    ],
  },
  {
    id: 'm4-pro',
    name: 'M4 Pro',
    generation: 4,
    tier: 'pro',
    // 273 GB/s on both bins. MacBook Pro offered 24/48 GB; Mac mini also 64 GB (on either bin).
    variants: [
      { cpuCores: 12, gpuCores: 16, bandwidthGBps: 273, memoryGB: [24, 48, 64] },
      { cpuCores: 14, gpuCores: 20, bandwidthGBps: 273, memoryGB: [24, 48, 64] },
    ],
    // UNCERTAIN: assumed equal to M4/M4 Max (1578 MHz top state); no M4 Pro DVFS table was found.
    gpuClockGHz: 1.578,
    released: '2024-11',
    sources: [
      WIKI_M4,
      'https://huggingface.co/datasets/Yinxing/LLM_Dataset/blob/main/MacPro.txt',
      'http://www.notebookcheck.net/Apple-M4-Max-official-with-incremental-upgrades-over-the-M3-Max.911098.0.html',
      'https://raw.githubusercontent.com/rlindsey2/sunkcost/main/data/hardware.json',
    ],
  },
  {
    id: 'm4-max',
    name: 'M4 Max',
    generation: 4,
    tier: 'max',
    // The 14-core/32-core bin came with 36 GB only (410 GB/s); 48/64/128 GB needed the 16-core/40-core bin (546).
    variants: [
      { cpuCores: 14, gpuCores: 32, bandwidthGBps: 410, memoryGB: [36] },
      { cpuCores: 16, gpuCores: 40, bandwidthGBps: 546, memoryGB: [48, 64, 128] },
    ],
    // 1578 MHz measured at full load on an M4 Max Mac Studio (powermetrics, several public GitHub reports).
    // UNCERTAIN: hmc-tech lists 1678 MHz.
    gpuClockGHz: 1.578,
    released: '2024-11',
    sources: [
      WIKI_M4,
      'http://www.notebookcheck.net/Apple-M4-Max-official-with-incremental-upgrades-over-the-M3-Max.911098.0.html',
      'https://macmegasite.com/2024/10/30/m4-max-chip-has-16-core-cpu-40-core-gpu-and-35-increase-in-memory-bandwidth',
      'https://english.worldmagazine.it/431260',
      'https://huggingface.co/datasets/Yinxing/LLM_Dataset/blob/main/MacPro.txt',
    ],
  },

  // ───────────────────────────── M5 ─────────────────────────────
  {
    id: 'm5',
    name: 'M5',
    generation: 5,
    tier: 'base',
    // 10-core CPU/10-core GPU in the 14-inch MacBook Pro (Oct 2025) and MacBook Air (Mar 2026);
    // 10-core CPU/8-core GPU in the base MacBook Air (Mar 2026). 153 GB/s; 16/24/32 GB.
    // UNCERTAIN: that the 8-core-GPU Air offers 32 GB, and that Apple quotes 153 GB/s for that bin too.
    variants: [
      { cpuCores: 10, gpuCores: 8, bandwidthGBps: 153, memoryGB: [16, 24, 32] },
      { cpuCores: 10, gpuCores: 10, bandwidthGBps: 153, memoryGB: [16, 24, 32] },
    ],
    // LOW CONFIDENCE: 1740 MHz is hmc-tech's figure (4.45 TFLOPS); no powermetrics table for the base M5 was
    // found. (The M5 Max's measured top state is 1620 MHz, see `m5-max`.)
    gpuClockGHz: 1.74,
    released: '2025-10',
    sources: [
      WIKI_M5,
      'https://www.finanznachrichten.de/nachrichten-2025-10/66704648-apple-unveils-m5-adding-more-capabilities-to-macbook-pro-ipad-pro-apple-vision-pro-020.htm',
      'https://www.tomshardware.com/pc-components/cpus/apple-unveils-m5-chip-with-10-core-cpu-and-10-core-gpu-company-says-3nm-chip-offers-4x-peak-gpu-performance-over-m4-for-ai-45-percent-graphics-uplift',
      'https://aggregoctt.github.io/new-apple-m5-is-the-centerpiece-of-an-updated-14-i-ZjzAPBk0EfBff8iKVL3C7w',
      'https://smartchunks.com/apple-m5-macbook-air-ai-performance-march-2026/',
      'https://hmc-tech.com/gpu/apple-10-core-m4-fl-vs-apple-10-core-m5-fl',
    ],
  },
  {
    id: 'm5-pro',
    name: 'M5 Pro',
    generation: 5,
    tier: 'pro',
    // Fusion Architecture (CPU die + 20-core GPU die). 15-core CPU/16-core GPU and 18-core CPU/20-core GPU,
    // both 307 GB/s (Apple quotes 307 GB/s for the 15/16 Mac mini too).
    // UNCERTAIN: 64 GB listed only on the 18/20 bin per one catalog built from Apple's tech-spec pages; another
    // third-party dataset lists a 15/16 Mac mini with 64 GB.
    variants: [
      { cpuCores: 15, gpuCores: 16, bandwidthGBps: 307, memoryGB: [24, 48] },
      { cpuCores: 18, gpuCores: 20, bandwidthGBps: 307, memoryGB: [24, 48, 64] },
    ],
    // UNCERTAIN: assumed equal to the M5 Max's measured top GPU state (1620 MHz); not measured on an M5 Pro.
    gpuClockGHz: 1.62,
    released: '2026-03',
    sources: [
      WIKI_M5,
      'https://www.apple.com.cn/newsroom/2026/03/apple-debuts-m5-pro-and-m5-max-to-supercharge-the-most-demanding-pro-workflows/',
      'https://www.macrumors.com/2026/03/03/apple-unveils-macbook-pro-with-m5-pro-and-m5-max-chips-with-neural-accelerators/',
      'https://hothardware.com/news/apple-unveils-macbook-pro-m5-pro-m5-max',
      'https://raw.githubusercontent.com/rlindsey2/sunkcost/main/data/hardware.json',
    ],
  },
  {
    id: 'm5-max',
    name: 'M5 Max',
    generation: 5,
    tier: 'max',
    // Apple Mac Studio tech specs: "36GB unified memory. Configurable to: 48GB, 64GB, or 128GB (M5 Max with
    // 18-core CPU and 40-core GPU)"; 460 GB/s on the 32-core GPU, 614 GB/s on the 40-core GPU.
    variants: [
      { cpuCores: 18, gpuCores: 32, bandwidthGBps: 460, memoryGB: [36] },
      { cpuCores: 18, gpuCores: 40, bandwidthGBps: 614, memoryGB: [48, 64, 128] },
    ],
    // 1620 MHz = top GPU DVFS state reported by powermetrics on an M5 Max (feedback-assistant/reports #830).
    gpuClockGHz: 1.62,
    released: '2026-03',
    sources: [
      WIKI_M5,
      'https://www.apple.com.cn/newsroom/2026/03/apple-debuts-m5-pro-and-m5-max-to-supercharge-the-most-demanding-pro-workflows/',
      'https://www.macrumors.com/2026/03/03/apple-unveils-macbook-pro-with-m5-pro-and-m5-max-chips-with-neural-accelerators/',
      MAC_STUDIO_SPECS,
      'https://raw.githubusercontent.com/rlindsey2/sunkcost/main/data/hardware.json',
      'https://github.com/feedback-assistant/reports/issues/830',
    ],
  },
  {
    id: 'm5-ultra',
    name: 'M5 Ultra',
    generation: 5,
    tier: 'ultra',
    // Announced 2026-08-25 with the new Mac Studio (two dual-die M5 Max joined by UltraFusion); orders shipped
    // 2026-09-22. Apple quotes "1.2TB/s" for both bins. Tech specs: "96GB unified memory. Configurable to: 256GB
    // or 512GB (M5 Ultra with 36-core CPU and 80-core GPU)"; the 512 GB option was announced for late October 2026.
    // UNCERTAIN: whether 256 GB is orderable on the 30/64 bin. A published benchmark machine is a 30/64 with
    // 256 GB, so it is listed; 512 GB is listed only on the 36/80 bin.
    variants: [
      { cpuCores: 30, gpuCores: 64, bandwidthGBps: 1200, memoryGB: [96, 256] },
      { cpuCores: 36, gpuCores: 80, bandwidthGBps: 1200, memoryGB: [96, 256, 512] },
    ],
    // UNCERTAIN: assumed equal to the M5 Max (1620 MHz); not measured on an M5 Ultra.
    gpuClockGHz: 1.62,
    released: '2026-09',
    sources: [
      'https://www.apple.com/newsroom/2026/08/apple-introduces-m6-and-m5-ultra-for-a-big-leap-in-performance-and-ai-compute/',
      'https://www.apple.com/newsroom/2026/08/apple-introduces-new-mac-studio-with-m5-max-and-m5-ultra/',
      MAC_STUDIO_SPECS,
      'https://www.macrumors.com/2026/08/25/apple-debuts-m5-ultra/',
      'https://github.com/midudev/canirun.ai/pull/26',
      'https://raw.githubusercontent.com/rlindsey2/sunkcost/main/data/hardware.json',
    ],
  },
]

/** Looks a chip up by its kebab id ('m3-ultra'); `undefined` when the id is unknown. */
export function findChip(id: string): Chip | undefined {
  return CHIPS.find((chip) => chip.id === id)
}
