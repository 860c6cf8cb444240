/**
 * How each engine is launched and how fleet tells it is ready. Each engine's launch.ts (src/engines/<engine>/)
 * builds the real command line from the deployment, following the engine's current flags (shared reference
 * protocols.md §6, cited per flag in each module).
 */
import type { Deployment, Model } from '../config/types.ts'
import type { ModelFacts } from '../resolve/facts.ts'
import type { ServerLimits } from './shared/memory-estimate.ts'

/** How to know a started server can answer requests. Polled until it passes or the readiness timeout ends. */
export type ReadinessProbe =
  /**
   * GET url answers `okStatus` (llama-server /health turns 503 → 200; vllm-mlx /health; a command's health URL: any 2xx
   * when okStatus is 0). With `jsonField`, the JSON body must also carry that value (vllm-mlx: `model_loaded: true`).
   */
  | { readonly kind: 'http'; readonly url: string; readonly okStatus: number; readonly jsonField?: JsonFieldCheck }
  /** Something accepts TCP connections on host:port (llama.cpp's rpc-server, which speaks no HTTP). */
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  /** POST a one-token completion (mlx_lm.server answers /health before the model is loaded). */
  | { readonly kind: 'completion'; readonly url: string; readonly body: Readonly<Record<string, unknown>> }
  /**
   * Ollama: /api/version answers, then the model is created (from `create`, when given) and preloaded with
   * `keepAlive`, and /api/ps lists it.
   */
  | {
      readonly kind: 'ollama'
      readonly baseUrl: string
      readonly model: string
      readonly create?: OllamaModelSource | null
      /** keep_alive sent with the preload (OLLAMA_KEEP_ALIVE syntax: a Go duration or integer seconds; negative = forever). */
      readonly keepAlive?: string
    }

/** A top-level field of a JSON response body and the value it must have. */
export interface JsonFieldCheck {
  readonly name: string
  readonly equals: string | number | boolean
}

/** What fleet creates an Ollama model from: the pulled GGUF file(s), pushed as blobs, plus Modelfile parameters. */
export interface OllamaModelSource {
  /** In part order. `name` is the file name Ollama sees (split GGUFs must keep llama.cpp's -0000N-of-0000M naming). */
  readonly files: readonly { readonly name: string; readonly path: string; readonly sha256: string | null }[]
  /** Modelfile parameters, e.g. { num_ctx: 8192 }. */
  readonly parameters: Readonly<Record<string, string | number>>
}

export interface EngineLaunch {
  readonly program: string
  readonly args: readonly string[]
  /** Engine-specific variables; the service layer adds PATH, HOME, HF_HOME and HF_HUB_OFFLINE. */
  readonly env: Readonly<Record<string, string>>
  readonly readiness: ReadinessProbe
  /** One request sent after readiness so the first real request does not pay for compilation and cache warm-up. */
  readonly warmup: { readonly url: string; readonly body: Readonly<Record<string, unknown>> } | null
}

export interface EnginePaths {
  /** The Hugging Face hub cache the weights are in. */
  readonly hubCache: string
  /** HF_HOME (parent of the hub cache in the standard layout). */
  readonly hfHome: string
  /** Absolute snapshots/<commit> directory of the model, or null for a command deployment without a model. */
  readonly snapshotDir: string | null
  /** Absolute paths (inside snapshotDir) of the files the engine loads: the GGUF file(s), in part order. */
  readonly modelFiles: readonly string[]
  /** fleet's per-deployment state directory (e.g. Ollama's model store). */
  readonly stateDir: string
}

export interface EngineInputs {
  readonly deployment: Deployment
  readonly model: Model | null
  readonly facts: ModelFacts | null
  readonly paths: EnginePaths
  /** Absolute path of the engine's executable, resolved from fleet.yaml `engines:`. */
  readonly executable: string
  /**
   * The limits the plan sized the server with (the retained prompt-cache budget: mlx-lm --prompt-cache-bytes,
   * llama-server --cache-ram), passed so the server cannot grow past the plan; null when the deployment was not sized.
   */
  readonly limits: ServerLimits | null
}
