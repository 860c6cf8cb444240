/**
 * The plan is data: a versioned JSON document that `fleet plan --json` prints and `fleet apply` consumes.
 * README §"plan --json" documents this shape; additions are backwards compatible, removals bump `version`.
 */
import type { EngineId, KvCacheType, ModelFormat } from '../catalog/engines.ts'
import type { Diagnostic } from '../config/diagnostics.ts'
import type { EngineLaunch, ReadinessProbe } from '../engines/types.ts'
import type { FactsSource, WeightFile } from '../resolve/facts.ts'
import type { ServiceSpec } from '../services/types.ts'
import type { FitOn } from '../config/written.ts'
import type { DistributedSizing } from '../sizing/distributed.ts'
import type { RankPart } from './ranks.ts'

export const PLAN_VERSION = 1

export interface PlanDocument {
  readonly version: typeof PLAN_VERSION
  readonly fleetFile: string
  /** When the plan was made (an input: planning itself never reads the clock). */
  readonly createdAt: string
  readonly machines: readonly MachinePlan[]
  readonly deployments: readonly DeploymentPlan[]
  readonly models: readonly ModelPlan[]
  readonly diagnostics: readonly Diagnostic[]
  /** What apply would change, on every machine observed (each change names its machine). */
  readonly changes: readonly Change[]
  /** The machine plan ran on, else the first machine observed over ssh; null when nothing was observed. */
  readonly observation: Observation | null
  /** Every machine observed (this one and those reached over ssh), each with its fingerprint for `apply PLANFILE`. */
  readonly observations: readonly Observation[]
  readonly summary: PlanSummary
}

export interface MachinePlan {
  readonly name: string
  readonly chip: string
  readonly chipName: string
  readonly gpuCores: number
  readonly memoryBytes: number
  readonly bandwidthBytesPerSecond: number
  readonly reserveBytes: number
  readonly gpuWorkingSetBytes: number
  readonly gpuWorkingSetSource: 'default' | 'declared' | 'measured'
  readonly budgetBytes: number
  readonly budget: { readonly limitedBy: 'ram-minus-reserve' | 'gpu-working-set'; readonly derivation: string }
  /** What the fit rules judge: usedPeakBytes, or usedAtLoadBytes with rules.fitOn: load. */
  readonly usedBytes: number
  /** Sum of the deployments' atLoadBytes. */
  readonly usedAtLoadBytes: number
  /** Sum of the deployments' peakBytes. */
  readonly usedPeakBytes: number
  readonly fitOn: FitOn
  readonly pools: { readonly weights: PoolUse | null; readonly kvCache: PoolUse | null; readonly buffers: PoolUse | null }
  readonly deployments: readonly string[]
}

export interface PoolUse {
  readonly limitBytes: number
  readonly usedBytes: number
}

export interface MemoryBreakdown {
  readonly weightsBytes: number
  readonly kvCacheBytes: number
  /** Everything else the engine allocates: recurrent state, compute/output buffers, prefill transients, runtime. */
  readonly overheadBytes: number
  /**
   * Started, every slot at full context: weights, KV, recurrent state, compute/output buffers, runtime. llama.cpp
   * allocates all of it at start-up; MLX grows into it as contexts fill.
   */
  readonly atLoadBytes: number
  /** atLoadBytes plus what a busy server reaches lazily: prompt caches (--cache-ram, mlx-lm's LRU), prefill transients. */
  readonly peakBytes: number
  /** = peakBytes (kept for readers of plan version 1). */
  readonly totalBytes: number
  /** False when fleet knew only the weights (an architecture it could not read): the figures are a lower bound. */
  readonly complete: boolean
  readonly overhead: {
    /** Fixed per-sequence state of linear-attention / Mamba layers. */
    readonly stateBytes: number
    /** Finished conversations' caches the server keeps for prefix reuse, at their budgeted maximum. */
    readonly promptCacheBytes: number
    /** Compute graph and output/logits buffers. */
    readonly computeBytes: number
    /** Prefill working memory reached only during long prompts (MLX); in the peak, not at load. */
    readonly transientBytes: number
    /** Process, runtime and Metal context. */
    readonly runtimeBytes: number
  }
}

export interface DeploymentPlan {
  readonly name: string
  readonly machine: string
  readonly machines: readonly string[]
  /** 'single' for one machine; 'multi-machine': split across `machines` as `distributed` says. */
  readonly placement: 'single' | 'multi-machine'
  readonly model: string | null
  readonly repo: string | null
  readonly quant: string | null
  readonly format: ModelFormat | null
  readonly engine: EngineId
  readonly port: number
  readonly context: number
  readonly parallel: number
  readonly kvCache: KvCacheType
  /** Null when the deployment could not be sized (see diagnostics). */
  readonly memory: MemoryBreakdown | null
  readonly decodeTokensPerSecond: { readonly empty: number; readonly typical: number; readonly full: number } | null
  /** The decode figures' expected error: p80 of the held-out error for the engine's speed family (docs/speed.md). */
  readonly decodeError: { readonly fraction: number; readonly basis: string } | null
  readonly prefillTokensPerSecond: number | null
  /** Seconds to the first token for a prompt that fills the context. */
  readonly timeToFirstTokenSeconds: number | null
  readonly facts: { readonly source: FactsSource; readonly weights: 'files' | 'computed'; readonly citation: string } | null
  /** Engine-specific numbers behind the memory figures (cells, n_ctx, bytes per token …), for reviewers. */
  readonly details: Readonly<Record<string, number | string>>
  readonly notes: readonly string[]
  /**
   * A multi-machine deployment: each machine's share (its layers, memory and part of a token), the links a token
   * crosses, and the decode speed with them (decodeTokensPerSecond is that figure). `memory` stays the whole model.
   * Null for single-machine deployments, and when the model could not be split (its architecture is unknown).
   */
  readonly distributed: DistributedSizing | null
  /** What the model would decode at on its first machine alone (were it to fit), to compare with the split. */
  readonly singleMachineDecodeTokensPerSecond: { readonly empty: number; readonly typical: number; readonly full: number } | null
}

export interface ModelPlan {
  readonly name: string
  readonly repo: string
  readonly revision: string | null
  readonly commit: string | null
  readonly format: ModelFormat | null
  readonly quant: string | null
  readonly weightsBytes: number | null
  readonly downloadBytes: number | null
  readonly trainedContext: number | null
  readonly factsSource: FactsSource | null
}

export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'noop'

/**
 * One change of one resource on one machine. `steps` is what apply executes, with the values that differ; `reasons`
 * are rendered from the steps for people (src/plan/reasons.ts) and never read by apply. `service` and `installed`
 * carry the definitions apply writes and restores, so apply consumes the plan document rather than recomputing it.
 */
export interface Change {
  readonly kind: 'deployment' | 'machine'
  /** Deployment (or machine-level resource) name. */
  readonly name: string
  readonly machine: string
  readonly action: ChangeAction
  /** Why, in words a person reads: "engine flags changed", "crashed (last exit code 1)", "no longer declared". */
  readonly reasons: readonly string[]
  /** What apply does, in order of kind: delete, wiredLimit, pull, then install / replace / restart. Empty for noop. */
  readonly steps: readonly ChangeStep[]
  /** The definition to run (deployments that are created, updated or replaced; also noop ones), or null. */
  readonly service: PlannedService | null
  /** The definition installed now: what a failed start is rolled back to (null: the service is new, or machine-level). */
  readonly installed: ServiceSpec | null
  /**
   * A deployment on several machines: this machine's part. The head's change runs the launcher (its `service`); a
   * rank's change only brings the model into that machine's cache (`service` null, `model` set), and is applied first.
   */
  readonly rank?: RankPart
  /** A rank's files to pull (service null). */
  readonly model?: PlannedModel
}

/** Why a service whose definition is unchanged must be (re)started. */
export type RestartCause = 'not-loaded' | 'not-running' | 'crashed' | 'not-answering' | 'files-missing'

/** A field of the service definition that differs between what is installed and what is declared. */
export type SpecDifference =
  | { readonly field: 'args'; readonly before: readonly string[]; readonly after: readonly string[] }
  | { readonly field: 'env'; readonly keys: readonly string[] }
  | { readonly field: 'paths' }
  | { readonly field: 'restart-policy' }

export type ChangeStep =
  /** Bring the model's pinned files into the cache (resumable, verified) before the server starts. */
  | { readonly step: 'pull'; readonly repo: string; readonly commit: string; readonly why: 'not-cached' | 'files-missing' }
  /** Write the definition and (re)load it: a new service (`differences` empty) or one whose definition changed. */
  | { readonly step: 'install'; readonly label: string; readonly fresh: boolean; readonly differences: readonly SpecDifference[] }
  /** Write a definition that runs a different engine or model revision: the old server is stopped, not updated. */
  | { readonly step: 'replace'; readonly label: string; readonly what: 'engine' | 'model-revision'; readonly before: string; readonly after: string }
  /** Restart the installed, unchanged definition. */
  | { readonly step: 'restart'; readonly label: string; readonly cause: RestartCause; readonly lastExitCode: number | null; readonly port: number }
  /** Stop the service and remove its definition. */
  | { readonly step: 'delete'; readonly label: string }
  /** Set the GPU wired limit (iogpu.wired_limit_mb) now and at boot, or remove the boot daemon (declaredMiB null). */
  | { readonly step: 'wiredLimit'; readonly declaredMiB: number | null; readonly inForceMiB: number | null; readonly daemonInstalled: boolean }

/** A service as the plan wants it: the definition, how to tell it is ready, and the files it needs first. */
export interface PlannedService {
  readonly spec: ServiceSpec
  /** sha256 of the definition: a change of any argument, variable or path is a change of the service. */
  readonly hash: string
  readonly port: number
  readonly readiness: ReadinessProbe
  /** One request sent after readiness so the first real request does not pay for compilation and cache warm-up. */
  readonly warmup: EngineLaunch['warmup']
  /** How long a start may take before it counts as failed: a base plus loading time for the weights. */
  readonly readinessTimeoutMs: number
  /** The model's pinned files, to pull before start (null for a command deployment without a model). */
  readonly model: PlannedModel | null
  /** Files written before the service is installed or restarted (a distributed launcher's hostfile). */
  readonly files?: readonly ServiceFile[]
  /** Checked on this machine before anything changes (a distributed head: every rank reachable and ready). */
  readonly preflight?: readonly PreflightCheck[]
}

export interface ServiceFile {
  readonly path: string
  readonly content: string
}

/**
 * The head of a distributed deployment reaches a rank by `ssh HOST` without a password (mlx.launch's way in) and finds
 * the engine there at the same path (mlx.launch runs the same command on every rank).
 */
export type PreflightCheck =
  | { readonly kind: 'ssh'; readonly machine: string; readonly host: string; readonly executables: readonly string[] }
  /** llama.cpp: each worker's rpc-server accepts connections from the head. */
  | { readonly kind: 'tcp'; readonly machine: string; readonly host: string; readonly port: number }

export interface PlannedModel {
  readonly name: string
  readonly repo: string
  readonly commit: string
  readonly revision: string | null
  readonly files: readonly WeightFile[]
}

/** What plan observed on the machine it ran on; `apply PLANFILE` refuses a plan whose observation no longer holds. */
export interface Observation {
  readonly machine: string
  readonly backend: 'launchd' | 'process'
  /** sha256 over the observed services and the desired definitions. */
  readonly fingerprint: string
}

export interface PlanSummary {
  readonly errors: number
  readonly warnings: number
  readonly fits: boolean
  readonly toAdd: number
  readonly toChange: number
  readonly toDestroy: number
  readonly downloadBytes: number
}
