/**
 * fleet.yaml as users write it (file format version 1): optional fields and shorthands allowed.
 * `schemas/fleet.schema.json` is the source of truth; `*_KEYS` below list each object's keys so a test can hold
 * these types and the schema in sync (TypeScript checks each list against its interface, the test against the schema).
 */
import type { EngineId, KvCacheType, ModelFormat } from '../catalog/engines.ts'
import type { RuleId, RuleSeverity } from '../rules/catalog.ts'

export type WrittenSize = string | number
export type WrittenContext = string | number
export type ServiceManager = 'auto' | 'launchd' | 'process'
export type FlashAttention = 'on' | 'off' | 'auto'

export interface WrittenFleet {
  $schema?: string
  version: 1
  defaults?: WrittenDefaults
  engines?: WrittenEngines
  machines: Record<string, WrittenMachine>
  models?: Record<string, WrittenModel>
  deployments?: Record<string, WrittenDeployment>
  links?: Record<string, WrittenLink>
  rules?: WrittenRules
}

export interface WrittenLink {
  between: string[]
  kind: string
  bandwidth?: string | number
  addresses?: Record<string, string>
  rdmaDevices?: Record<string, string>
}

export type ServedEngineId = Exclude<EngineId, 'command'>
export type WrittenEngines = { [K in ServedEngineId]?: WrittenEngineSource }
export interface WrittenEngineSource {
  path?: string
  brew?: string
  python?: string
}

export interface WrittenDefaults {
  reserve?: WrittenSize
  context?: WrittenContext
  parallel?: number
  bind?: string
  serviceManager?: ServiceManager
  hfCache?: string
  restartThrottle?: number
}

export interface WrittenMachine {
  chip: string
  memory: WrittenSize
  gpuCores?: number
  bandwidth?: string | number
  host?: string
  fleetPath?: string
  reserve?: WrittenSize
  gpuWiredLimit?: WrittenSize
  pools?: WrittenPools
  hfCache?: string
  serviceManager?: ServiceManager
}

export interface WrittenPools {
  weights?: WrittenSize
  kvCache?: WrittenSize
  buffers?: WrittenSize
}

export interface WrittenRopeScaling {
  type: 'yarn' | 'linear' | 'dynamic'
  factor: number
}

export interface WrittenModel {
  source: string
  quant?: string
  format?: ModelFormat
  ropeScaling?: WrittenRopeScaling
}

export interface WrittenDeployment {
  machine?: string
  machines?: string[]
  model?: string
  engine: EngineId
  port: number
  bind?: string
  context?: WrittenContext
  parallel?: number
  parallelism?: Parallelism
  kvCache?: KvCacheType
  options?: WrittenEngineOptions
}

export type Parallelism = 'pipeline' | 'tensor'

export interface WrittenMlxLmOptions {
  promptCacheBytes?: WrittenSize
  promptCacheSize?: number
  prefillStepSize?: number
  maxTokens?: number
  startingPort?: number
  args?: string[]
}

export interface WrittenLlamaCppOptions {
  flashAttention?: FlashAttention
  batch?: number
  ubatch?: number
  kvUnified?: boolean
  swaFull?: boolean
  cacheRam?: WrittenSize
  rpcPort?: number
  args?: string[]
}

export interface WrittenOllamaOptions {
  keepAlive?: string
  flashAttention?: boolean
}

export interface WrittenVllmMlxOptions {
  continuousBatching?: boolean
  cacheMemory?: WrittenSize
  args?: string[]
}

export interface WrittenCommandOptions {
  command: string[]
  healthUrl?: string
  env?: Record<string, string>
  cwd?: string
  memory?: WrittenSize
}

export type WrittenEngineOptions = WrittenMlxLmOptions | WrittenLlamaCppOptions | WrittenOllamaOptions | WrittenVllmMlxOptions | WrittenCommandOptions

/**
 * Which memory figure the fit rules judge: `peak` (default) counts the caches a busy server fills lazily (prompt
 * caches, --cache-ram, prefill transients); `load` counts only what is allocated when the server starts.
 */
export const FIT_ON = ['peak', 'load'] as const
export type FitOn = (typeof FIT_ON)[number]

export type WrittenRuleSetting = RuleSeverity | { severity?: RuleSeverity; value?: number }

export type WrittenRules = {
  maxMemoryFraction?: number
  minDecodeTokensPerSecond?: number
  fitOn?: FitOn
} & { [K in RuleId]?: WrittenRuleSetting }

// Key lists: `satisfies Record<keyof T, true>` makes TypeScript reject a missing or an extra key.
export const FLEET_KEYS = { $schema: true, version: true, defaults: true, engines: true, machines: true, models: true, deployments: true, links: true, rules: true } satisfies Record<
  keyof WrittenFleet,
  true
>
export const LINK_KEYS = { between: true, kind: true, bandwidth: true, addresses: true, rdmaDevices: true } satisfies Record<keyof WrittenLink, true>
export const ENGINES_KEYS = { 'mlx-lm': true, 'llama.cpp': true, ollama: true, 'vllm-mlx': true } satisfies Record<keyof WrittenEngines, true>
export const ENGINE_SOURCE_KEYS = { path: true, brew: true, python: true } satisfies Record<keyof WrittenEngineSource, true>
export const DEFAULTS_KEYS = { reserve: true, context: true, parallel: true, bind: true, serviceManager: true, hfCache: true, restartThrottle: true } satisfies Record<keyof WrittenDefaults, true>
export const MACHINE_KEYS = {
  chip: true,
  memory: true,
  gpuCores: true,
  bandwidth: true,
  host: true,
  fleetPath: true,
  reserve: true,
  gpuWiredLimit: true,
  pools: true,
  hfCache: true,
  serviceManager: true,
} satisfies Record<keyof WrittenMachine, true>
export const POOLS_KEYS = { weights: true, kvCache: true, buffers: true } satisfies Record<keyof WrittenPools, true>
export const MODEL_KEYS = { source: true, quant: true, format: true, ropeScaling: true } satisfies Record<keyof WrittenModel, true>
export const ROPE_SCALING_KEYS = { type: true, factor: true } satisfies Record<keyof WrittenRopeScaling, true>
export const DEPLOYMENT_KEYS = {
  machine: true,
  machines: true,
  model: true,
  engine: true,
  port: true,
  bind: true,
  context: true,
  parallel: true,
  parallelism: true,
  kvCache: true,
  options: true,
} satisfies Record<keyof WrittenDeployment, true>
export const ENGINE_OPTION_KEYS = {
  'mlx-lm': { promptCacheBytes: true, promptCacheSize: true, prefillStepSize: true, maxTokens: true, startingPort: true, args: true } satisfies Record<keyof WrittenMlxLmOptions, true>,
  'llama.cpp': { flashAttention: true, batch: true, ubatch: true, kvUnified: true, swaFull: true, cacheRam: true, rpcPort: true, args: true } satisfies Record<keyof WrittenLlamaCppOptions, true>,
  ollama: { keepAlive: true, flashAttention: true } satisfies Record<keyof WrittenOllamaOptions, true>,
  'vllm-mlx': { continuousBatching: true, cacheMemory: true, args: true } satisfies Record<keyof WrittenVllmMlxOptions, true>,
  command: { command: true, healthUrl: true, env: true, cwd: true, memory: true } satisfies Record<keyof WrittenCommandOptions, true>,
} satisfies Record<EngineId, object>
