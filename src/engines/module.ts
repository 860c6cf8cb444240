/**
 * The contract every engine folder (src/engines/<engine>/) fulfils, and the one table (src/engines/index.ts) that lists
 * them. An engine is its facts, its option defaults and how fleet.yaml's `options:` become typed options, its memory
 * model and speed family, its launch as data (argv, env, readiness probe, warm-up) and the limits it passes to the
 * server. Everything here is pure: finding executables, polling readiness and creating Ollama models live in
 * src/engines/runtime/.
 */
import type { EngineId, EngineInfo, KvCacheType } from '../catalog/engines.ts'
import type { Deployment, EngineOptions, Machine } from '../config/types.ts'
import type { Architecture } from '../model/architecture.ts'
import type { MemoryEstimate } from './shared/memory-estimate.ts'
import type { EngineInputs, EngineLaunch } from './types.ts'

export type OptionsOf<E extends EngineId> = Extract<EngineOptions, { engine: E }>

/**
 * Typed reads of one deployment's `options:` mapping, as validation's meaning layer does them: a value of the wrong
 * type reads as undefined (the schema layer reported it), a size or count that fails to parse is reported at its key.
 */
export interface OptionReader {
  int(key: string): number | undefined
  bool(key: string): boolean | undefined
  str(key: string): string | undefined
  /** A size ("4GiB", bytes), reported at the key when it does not parse; undefined when absent or invalid. */
  size(key: string): number | undefined
  /** A list of strings (extra arguments, a command line); [] when absent. */
  strings(key: string): string[]
  /** A mapping of strings (environment variables); undefined when absent. */
  stringMap(key: string): Record<string, string> | undefined
}

/** A finding of an engine's own cross-field check, reported at `deployments.<name>.<field>`. */
export interface OptionIssue {
  readonly field: 'kvCache' | 'options'
  readonly severity: 'error' | 'warning'
  readonly code: string
  readonly message: string
  readonly hint: string
}

/** Where an engine comes from unless fleet.yaml's `engines:` says otherwise. */
export type DefaultSource = { readonly python: string } | { readonly brew: string }

export interface MemoryInputs {
  readonly deployment: Deployment
  readonly machine: Machine
  readonly architecture: Architecture
  readonly weightsBytes: number
  /** The engine version fleet installs (a pinned pip requirement), or null when it cannot know (brew, a path). */
  readonly engineVersion?: string | null
}

/**
 * Which fitted speed constants apply (src/sizing/speed-constants.ts): the llama.cpp kernels (llama-server), MLX's
 * (mlx_lm.server and vllm-mlx, which serves through mlx-lm), or Ollama (llama.cpp kernels plus Ollama's own fitted
 * per-token overhead).
 */
export type SpeedFamily = 'llama.cpp' | 'mlx-lm' | 'ollama'

/**
 * How an engine lays out its caches, for the bytes a decoded token reads: ggml rows (llama.cpp, Ollama) or MLX arrays
 * in the activation dtype (mlx-lm, vllm-mlx).
 */
export type CacheLayout = 'ggml' | 'mlx'

export interface EngineSizing {
  /** Everything the engine allocates beyond the weights, and the limits fleet passes to its server. */
  memory(inputs: MemoryInputs): MemoryEstimate
  readonly cacheLayout: CacheLayout
  readonly speedFamily: SpeedFamily
}

export interface EngineModule<E extends EngineId> {
  readonly info: EngineInfo & { readonly id: E }
  /** Default executable source, and the program name it installs (Homebrew's bin/ name, the Python console script). */
  readonly executable: { readonly source: DefaultSource; readonly binary: string } | null
  /**
   * fleet.yaml `options:` → typed options, every default applied, plus what only this engine can find wrong across the
   * deployment's fields (e.g. a quantized V cache needs flash attention).
   */
  readOptions(read: OptionReader, kvCache: KvCacheType): { readonly options: OptionsOf<E>; readonly issues: readonly OptionIssue[] }
  /** How fleet sizes it; null for an engine that serves nothing fleet can size (a user's `command`). */
  readonly sizing: EngineSizing | null
  /** The program, arguments, environment, readiness probe and warm-up of one deployment. Pure: reads no files. */
  launch(inputs: EngineInputs): EngineLaunch
}

/** The type the table is checked against: one module per engine id, each typed by its own id. */
export type EngineTable = { readonly [E in EngineId]: EngineModule<E> }
