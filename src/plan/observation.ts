/**
 * What plan knows about the machine it runs on, as data: read by the observation adapter (src/observe/) before planning,
 * so that planning itself stays pure. Desired state comes from fleet.yaml; this is only what is there now.
 */
import type { EngineId } from '../catalog/engines.ts'
import type { Machine } from '../config/types.ts'
import type { ServiceSpec, ServiceState } from '../services/types.ts'

export interface ObservedService {
  readonly label: string
  readonly state: ServiceState
  /** The definition installed now (read back from the plist or the supervisor), or null. */
  readonly installed: ServiceSpec | null
  /** The readiness probe's liveness check passed just now; null when the service is not running (not probed). */
  readonly healthy: boolean | null
}

export interface WiredLimitObservation {
  /** MB in force now (0 = macOS default), or null when the sysctl does not exist (Intel, macOS before 14). */
  readonly inForceMiB: number | null
  readonly daemonInstalled: boolean
}

export interface MachineObservation {
  readonly machine: string
  readonly backend: 'launchd' | 'process'
  /** By label: every fleet service installed, plus the desired ones (installed or not). */
  readonly services: ReadonlyMap<string, ObservedService>
  /** Bytes still missing from the cache, per model as `repo@commit` (only models this machine's services need). */
  readonly missingBytes: ReadonlyMap<string, number>
  /** Free bytes on the volume of the Hugging Face cache. */
  readonly freeBytes: number
  /** The GPU wired limit; null where there is none to observe (not macOS). */
  readonly wiredLimit: WiredLimitObservation | null
}

/** The key of a model in MachineObservation.missingBytes. */
export function modelKey(repo: string, commit: string): string {
  return `${repo}@${commit}`
}

/** An engine (or a command's program) that is not on this machine. */
export interface MissingEngine {
  readonly engine: EngineId
  /** For a command deployment, which one (each names its own program). */
  readonly deployment?: string
  readonly reason: string
  readonly hint: string
  /** apply installs it itself (a pinned Python environment); the deployment is planned with its future path. */
  readonly installable: boolean
}

/** The machine fleet runs on: its paths and the executables found there. Inputs of the desired state. */
export interface LocalContext {
  readonly machine: Machine
  readonly home: string
  /** fleet's state directory on this machine (per-deployment state lives under it). */
  readonly stateRoot: string
  readonly logsDir: string
  readonly hubCache: string
  readonly hfHome: string
  /** snapshots/<commit> of a repo in that cache (the layout src/pull writes). */
  readonly snapshotDir: (repo: string, commit: string) => string
  /** Resolved executables; an engine missing here cannot be deployed (plan reports why). */
  readonly executables: ReadonlyMap<EngineId, string>
  /** Absolute programs of command deployments, by deployment name. */
  readonly commandPrograms: ReadonlyMap<string, string>
  readonly missingEngines: readonly MissingEngine[]
  /** llama.cpp's rpc-server next to llama-server, when it is there (a worker of a deployment across machines runs it). */
  readonly rpcServer?: string | null
}
