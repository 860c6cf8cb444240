/**
 * The normalized fleet the rest of fleet sees: every default applied, every size in bytes, every context in tokens.
 * No optional fields are left to guess; `null` means "not set, and there is no default" (e.g. no ssh host).
 */
import type { EngineId, KvCacheType, ModelFormat } from '../catalog/engines.ts'
import type { RuleId, RuleSeverity } from '../rules/catalog.ts'
import type { FitOn, Parallelism } from './written.ts'
import type { LinkKind } from '../catalog/links.ts'
import type { ServedEngineId, ServiceManager } from './written.ts'
import type { CommandOptions } from '../engines/command/options.ts'
import type { LlamaCppOptions } from '../engines/llama-cpp/options.ts'
import type { MlxLmOptions } from '../engines/mlx-lm/options.ts'
import type { OllamaOptions } from '../engines/ollama/options.ts'
import type { VllmMlxOptions } from '../engines/vllm-mlx/options.ts'

/** Where an engine's executable comes from (fleet.yaml `engines:`, or the defaults in src/config/defaults.ts). */
export type EngineSource =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'brew'; readonly formula: string }
  /** A pinned pip requirement (name==version), installed into a virtual environment fleet manages. */
  | { readonly kind: 'python'; readonly requirement: string; readonly package: string; readonly version: string }

export interface Fleet {
  /** Path of the fleet.yaml it came from, as the user named it (diagnostics print it). */
  readonly file: string
  readonly machines: readonly Machine[]
  readonly models: readonly Model[]
  readonly deployments: readonly Deployment[]
  /** How machines are connected (fleet.yaml links:), for deployments on several machines. */
  readonly links: readonly Link[]
  readonly rules: Readonly<Record<RuleId, RuleSetting>>
  /** Which memory figure the fit rules judge (rules.fitOn): the peak by default, or what is allocated at load. */
  readonly fitOn: FitOn
  readonly engines: Readonly<Record<ServedEngineId, EngineSource>>
  /** Seconds between two starts of a crashed server. */
  readonly restartThrottleSeconds: number
}

export interface Machine {
  readonly name: string
  readonly chip: string
  readonly chipName: string
  readonly memoryBytes: number
  readonly gpuCores: number
  readonly cpuCores: number
  readonly bandwidthBytesPerSecond: number
  /** Whether bandwidth came from the catalog or the user's override. */
  readonly bandwidthSource: 'catalog' | 'declared'
  readonly gpuClockGHz: number
  /** ssh target, or null for the machine fleet runs on. */
  readonly host: string | null
  /** The fleet program on that machine (host: set); null: `fleet` on its PATH. */
  readonly fleetPath: string | null
  readonly reserveBytes: number
  readonly gpuWiredLimitBytes: number | null
  /** Declared memory pools (bytes), or null where the machine declares none. */
  readonly pools: { readonly weights: number | null; readonly kvCache: number | null; readonly buffers: number | null }
  /** Hugging Face hub cache directory on that machine, or null for the standard location. */
  readonly hfCache: string | null
  readonly serviceManager: ServiceManager
}

export interface HfSource {
  readonly kind: 'hf'
  readonly repo: string
  /** Branch, tag or commit as written after @, or null (the repo's default branch, "main"). */
  readonly revision: string | null
}

export interface Model {
  readonly name: string
  readonly source: HfSource
  readonly quant: string | null
  /** Declared or inferred from quant and repo name; null when only the files can tell. */
  readonly format: ModelFormat | null
  readonly formatSource: 'declared' | 'inferred' | 'unknown'
  readonly ropeScaling: { readonly type: 'yarn' | 'linear' | 'dynamic'; readonly factor: number } | null
}

/** Each engine's options, as its folder defines and normalizes them (src/engines/<engine>/options.ts). */
export type EngineOptions = MlxLmOptions | LlamaCppOptions | OllamaOptions | VllmMlxOptions | CommandOptions
export type { MlxLmOptions, LlamaCppOptions, OllamaOptions, VllmMlxOptions, CommandOptions }

export interface Deployment {
  readonly name: string
  /** The machine that runs it; for a multi-machine placement, the first of `machines`. */
  readonly machine: string
  /** All machines it spans; one element unless placed across several. */
  readonly machines: readonly string[]
  readonly model: string | null
  readonly engine: EngineId
  readonly port: number
  readonly bind: string
  /** Tokens per slot. */
  readonly context: number
  readonly parallel: number
  /** How a deployment on several machines is split (pipeline unless it says tensor). */
  readonly parallelism: Parallelism
  readonly kvCache: KvCacheType
  readonly options: EngineOptions
}

export interface Link {
  readonly name: string
  readonly between: readonly [string, string]
  readonly kind: LinkKind
  readonly bytesPerSecond: number
  readonly latencySeconds: number
  /** Each machine's address on this link (for the hostfile / RPC endpoints). */
  readonly addresses: Readonly<Record<string, string>>
  /** Each machine's RDMA device toward the other on this link (JACCL's hostfile `rdma` entries, e.g. rdma_en3). */
  readonly rdmaDevices: Readonly<Record<string, string>>
}

export interface RuleSetting {
  readonly severity: RuleSeverity
  readonly value: number | null
}
