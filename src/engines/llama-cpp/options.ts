/** llama.cpp's deployment options in fleet.yaml, the llama-server defaults they start from, and how they are read. */
import type { KvCacheType } from '../../catalog/engines.ts'
import type { FlashAttention } from '../../config/written.ts'
import type { OptionIssue, OptionReader } from '../module.ts'

export interface LlamaCppOptions {
  readonly engine: 'llama.cpp'
  readonly flashAttention: FlashAttention
  readonly batch: number
  readonly ubatch: number
  readonly kvUnified: boolean
  readonly swaFull: boolean
  /** --cache-ram in bytes (0 disables the host prompt cache); null lets fleet pass the budget it plans. */
  readonly cacheRamBytes: number | null
  /** Across machines: the port each worker's rpc-server listens on (rpc-server -p, default 50052). */
  readonly rpcPort: number
  readonly args: readonly string[]
}

/**
 * llama-server defaults (tools/server/README.md): -fa auto (on for Metal), -b 2048, -ub 512; fleet passes -np
 * explicitly, which turns the unified KV cache off.
 */
export const LLAMA_CPP_OPTION_DEFAULTS = { flashAttention: 'auto', batch: 2048, ubatch: 512, kvUnified: false, swaFull: false, cacheRamBytes: null, rpcPort: 50052, args: [] } as const satisfies Omit<
  LlamaCppOptions,
  'engine'
>

const FLASH_ATTENTION: readonly FlashAttention[] = ['on', 'off', 'auto']

export function normalizeLlamaCppOptions(read: OptionReader): LlamaCppOptions {
  const d = LLAMA_CPP_OPTION_DEFAULTS
  const fa = read.str('flashAttention')
  return {
    engine: 'llama.cpp',
    flashAttention: FLASH_ATTENTION.find((v) => v === fa) ?? d.flashAttention,
    batch: read.int('batch') ?? d.batch,
    ubatch: read.int('ubatch') ?? d.ubatch,
    kvUnified: read.bool('kvUnified') ?? d.kvUnified,
    swaFull: read.bool('swaFull') ?? d.swaFull,
    cacheRamBytes: read.size('cacheRam') ?? d.cacheRamBytes,
    rpcPort: read.int('rpcPort') ?? d.rpcPort,
    args: read.strings('args'),
  }
}

/** Cache types llama.cpp stores unquantized: only these work as V without flash attention. */
const FLOAT_CACHE_TYPES: readonly KvCacheType[] = ['f16', 'f32', 'bf16']

export function checkLlamaCppOptions(d: { readonly kvCache: KvCacheType; readonly options: LlamaCppOptions }): OptionIssue[] {
  if (d.options.flashAttention !== 'off' || FLOAT_CACHE_TYPES.includes(d.kvCache)) return []
  return [
    {
      field: 'kvCache',
      severity: 'error',
      code: 'quantized-v-needs-flash-attention',
      message: `llama-server cannot use a ${d.kvCache} V cache with flash attention off`,
      hint: 'Set options.flashAttention: on (or auto), or use kvCache: f16',
    },
  ]
}
