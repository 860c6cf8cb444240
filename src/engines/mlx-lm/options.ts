/** mlx-lm's deployment options in fleet.yaml, the server defaults they start from, and how they are read. */
import type { OptionReader } from '../module.ts'

/** mlx_lm.server argparse defaults (mlx-lm 0.32.0 server.py main()): the one place fleet writes them down. */
export const MLX_LM_SERVER_DEFAULTS = { promptCacheSize: 10, promptConcurrency: 8, prefillStepSize: 2048, maxTokens: 512 } as const

export interface MlxLmOptions {
  readonly engine: 'mlx-lm'
  /** --prompt-cache-bytes; null lets fleet pass the budget it plans. */
  readonly promptCacheBytes: number | null
  readonly promptCacheSize: number
  readonly prefillStepSize: number
  readonly maxTokens: number
  /** Across machines: mlx.launch --starting-port (the ring backend's first port, JACCL's coordinator port). */
  readonly startingPort: number
  readonly args: readonly string[]
}

/** mlx.launch's --starting-port default (mlx python/mlx/_distributed_utils/launch.py main()). */
export const MLX_LAUNCH_STARTING_PORT = 32323

export const MLX_LM_OPTION_DEFAULTS = {
  promptCacheBytes: null,
  promptCacheSize: MLX_LM_SERVER_DEFAULTS.promptCacheSize,
  prefillStepSize: MLX_LM_SERVER_DEFAULTS.prefillStepSize,
  maxTokens: MLX_LM_SERVER_DEFAULTS.maxTokens,
  startingPort: MLX_LAUNCH_STARTING_PORT,
  args: [],
} as const satisfies Omit<MlxLmOptions, 'engine'>

export function normalizeMlxLmOptions(read: OptionReader): MlxLmOptions {
  const d = MLX_LM_OPTION_DEFAULTS
  return {
    engine: 'mlx-lm',
    promptCacheBytes: read.size('promptCacheBytes') ?? d.promptCacheBytes,
    promptCacheSize: read.int('promptCacheSize') ?? d.promptCacheSize,
    prefillStepSize: read.int('prefillStepSize') ?? d.prefillStepSize,
    maxTokens: read.int('maxTokens') ?? d.maxTokens,
    startingPort: read.int('startingPort') ?? d.startingPort,
    args: read.strings('args'),
  }
}
