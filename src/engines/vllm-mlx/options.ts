/** vllm-mlx's deployment options in fleet.yaml and how they are read. */
import type { OptionReader } from '../module.ts'

export interface VllmMlxOptions {
  readonly engine: 'vllm-mlx'
  readonly continuousBatching: boolean
  /** --cache-memory-mb in bytes; null for vllm-mlx's own 20 % of available memory. */
  readonly cacheMemoryBytes: number | null
  readonly args: readonly string[]
}

/** Continuous batching on: without it vllm-mlx serves one request at a time, whatever `parallel` says. */
export const VLLM_MLX_OPTION_DEFAULTS = { continuousBatching: true, cacheMemoryBytes: null, args: [] } as const satisfies Omit<VllmMlxOptions, 'engine'>

export function normalizeVllmMlxOptions(read: OptionReader): VllmMlxOptions {
  const d = VLLM_MLX_OPTION_DEFAULTS
  return {
    engine: 'vllm-mlx',
    continuousBatching: read.bool('continuousBatching') ?? d.continuousBatching,
    cacheMemoryBytes: read.size('cacheMemory') ?? d.cacheMemoryBytes,
    args: read.strings('args'),
  }
}
