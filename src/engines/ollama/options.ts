/** Ollama's deployment options in fleet.yaml and how they are read. */
import type { KvCacheType } from '../../catalog/engines.ts'
import type { OptionIssue, OptionReader } from '../module.ts'

export interface OllamaOptions {
  readonly engine: 'ollama'
  readonly keepAlive: string
  readonly flashAttention: boolean
}

/** A fleet deployment is meant to stay resident: OLLAMA_KEEP_ALIVE=-1 keeps the model loaded forever. */
export const OLLAMA_OPTION_DEFAULTS = { keepAlive: '-1', flashAttention: true } as const satisfies Omit<OllamaOptions, 'engine'>

export function normalizeOllamaOptions(read: OptionReader): OllamaOptions {
  const d = OLLAMA_OPTION_DEFAULTS
  return { engine: 'ollama', keepAlive: read.str('keepAlive') ?? d.keepAlive, flashAttention: read.bool('flashAttention') ?? d.flashAttention }
}

export function checkOllamaOptions(d: { readonly kvCache: KvCacheType; readonly options: OllamaOptions }): OptionIssue[] {
  if (d.options.flashAttention || d.kvCache === 'f16') return []
  return [
    { field: 'kvCache', severity: 'warning', code: 'kv-type-ignored', message: `Ollama ignores kvCache ${d.kvCache} without flash attention and uses f16`, hint: 'Set options.flashAttention: true' },
  ]
}
