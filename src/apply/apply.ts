/**
 * Executes one change of the plan on this machine, step by step as the plan document lists them: pull what is
 * missing, write (or restart) the service definition, wait until the server answers, warm it up. A server that does
 * not become ready — or a start interrupted by Ctrl-C — is rolled back to the definition that ran before (or removed,
 * if it is new), and the error carries the last lines of its log. Side effects go through ports (adapters), so this is
 * the same code under launchd, under the supervisor, and in tests. Nothing here reads a change's `reasons`.
 */
import { UserError } from '../errors.ts'
import type { Change, ChangeStep, PlannedModel, PlannedService, PreflightCheck, ServiceFile } from '../plan/types.ts'
import type { ServiceBackend, ServiceSpec } from '../services/types.ts'

export type ApplyStep = 'pull' | 'preflight' | 'install' | 'ready' | 'warmup' | 'rollback' | 'remove'

export interface ApplyPorts {
  readonly backend: ServiceBackend
  /** Brings the model's files into the cache (resumable, verified). */
  pull(model: PlannedModel, onProgress: (message: string) => void, signal?: AbortSignal): Promise<void>
  /** Runs a distributed head's checks (each rank reachable over ssh, the engine there); returns what failed. */
  preflight(checks: readonly PreflightCheck[], signal?: AbortSignal): Promise<string[]>
  /** Writes the files a service reads at start (atomically: write, then rename). */
  writeFiles(files: readonly ServiceFile[]): void
  waitUntilReady(service: PlannedService, options: { timeoutMs: number; signal?: AbortSignal }): Promise<{ ok: true } | { ok: false; reason: string }>
  warmup(service: PlannedService, signal?: AbortSignal): Promise<void>
  /** Current sizes of the service's log files, so an error shows only what this start wrote. */
  logOffsets(spec: ServiceSpec): Readonly<Record<string, number>>
  /** The last lines the service's logs gained since `offsets`, for error messages. */
  logTail(spec: ServiceSpec, lines: number, offsets: Readonly<Record<string, number>>): string
  /** Creates directories the service writes to (its working directory and log directory). */
  prepareDirectories(spec: ServiceSpec): void
}

export interface StepEvent {
  readonly deployment: string
  readonly step: ApplyStep
  readonly message: string
}

export class ApplyFailure extends UserError {
  readonly deployment: string
  constructor(deployment: string, message: string, hint: string) {
    super(message, { hint })
    this.deployment = deployment
  }
}

function stepOf<K extends ChangeStep['step']>(change: Change, kind: K): Extract<ChangeStep, { step: K }> | undefined {
  return change.steps.find((s): s is Extract<ChangeStep, { step: K }> => s.step === kind)
}

/** Applies one deployment change. Throws ApplyFailure (after rolling back) when the deployment cannot be brought up. */
export async function applyChange(change: Change, ports: ApplyPorts, emit: (event: StepEvent) => void, signal?: AbortSignal): Promise<void> {
  const name = change.name
  if (change.steps.length === 0) return
  const removal = stepOf(change, 'delete')
  if (removal) {
    emit({ deployment: name, step: 'remove', message: `stopping and removing ${removal.label}` })
    await ports.backend.remove(removal.label)
    return
  }
  const service = change.service
  const pull = stepOf(change, 'pull')
  // A rank of a deployment across machines: its part is the model in this machine's cache; the head starts it.
  if (!service && change.rank && change.model) {
    if (pull) {
      emit({ deployment: name, step: 'pull', message: `pulling ${pull.repo}@${pull.commit.slice(0, 12)} for rank ${change.rank.rank} of ${change.rank.of} (started by ${change.rank.head})` })
      await ports.pull(change.model, (message) => emit({ deployment: name, step: 'pull', message }), signal)
    }
    return
  }
  if (!service) throw new ApplyFailure(name, `deployment ${name} has no definition to apply`, 'Run fleet plan to see why')
  const previous = change.installed

  if (pull && service.model) {
    emit({ deployment: name, step: 'pull', message: `pulling ${pull.repo}@${pull.commit.slice(0, 12)}` })
    await ports.pull(service.model, (message) => emit({ deployment: name, step: 'pull', message }), signal)
  }
  // The head of a deployment across machines: every rank must be reachable before anything here changes.
  if (service.preflight && service.preflight.length > 0) {
    emit({ deployment: name, step: 'preflight', message: `checking ${service.preflight.map((c) => c.machine).join(', ')} over ssh` })
    const problems = await ports.preflight(service.preflight, signal).catch((error: unknown) => {
      if (signal?.aborted) throw new ApplyFailure(name, `${name} was not changed: interrupted`, 'Run fleet apply again to finish')
      throw error
    })
    if (problems.length > 0) {
      throw new ApplyFailure(
        name,
        `${name} was not changed: ${problems.join('; ')}`,
        service.preflight.some((c) => c.kind === 'ssh')
          ? 'mlx.launch starts every rank with ssh HOST from the head: set up passwordless ssh (ssh-copy-id) from the head to each rank, and install the same engine at the same path there (fleet apply does, for a pinned Python engine)'
          : "Each worker's rpc-server must be running and reachable from the head on the cluster link: run fleet apply for that machine and check the link's addresses",
      )
    }
  }
  // Nothing has been changed yet: an interrupt before this point leaves the machine as it was.
  if (signal?.aborted) throw new ApplyFailure(name, `${name} was not changed: interrupted`, 'Run fleet apply again to finish')
  if (service.files) ports.writeFiles(service.files)

  const spec = service.spec
  ports.prepareDirectories(spec)
  const offsets = ports.logOffsets(spec)
  const failed = async (reason: string): Promise<never> => {
    const tail = ports.logTail(spec, 20, offsets)
    const restored = await rollback(name, spec, previous, ports, emit)
    const what = restored ? (previous ? '; rolled back to the definition that was running before' : '; removed it again') : '; rolling back failed too, see the messages above'
    const verb = signal?.aborted ? 'was interrupted before it became ready' : `did not become ready: ${reason}`
    throw new ApplyFailure(
      name,
      `${name} ${verb}${what}${tail ? `\nlast log lines:\n${tail}` : ''}`,
      signal?.aborted ? 'Run fleet apply again to finish' : `Read the whole log with fleet logs ${name}; fix the deployment, then run fleet apply again`,
    )
  }
  try {
    const restartOnly = stepOf(change, 'restart') !== undefined && !stepOf(change, 'install') && !stepOf(change, 'replace')
    if (restartOnly && previous) {
      emit({ deployment: name, step: 'install', message: `restarting ${spec.label} (${ports.backend.kind})` })
      // Same definition, not running or not answering: a restart is enough.
      await ports.backend.restart(spec.label)
    } else {
      emit({ deployment: name, step: 'install', message: `${previous ? 'updating' : 'installing'} ${spec.label} (${ports.backend.kind})` })
      await ports.backend.install(spec)
    }
    emit({ deployment: name, step: 'ready', message: `waiting for ${name} to answer (up to ${Math.round(service.readinessTimeoutMs / 1000)} s)` })
    const ready = await ports.waitUntilReady(service, { timeoutMs: service.readinessTimeoutMs, ...(signal ? { signal } : {}) })
    if (!ready.ok) return await failed(ready.reason)
    if (signal?.aborted) return await failed('interrupted')
    // Something else may have answered on the port (an old server not yet gone): the new one must still be running.
    const state = await ports.backend.state(spec.label)
    if (!state.running)
      return await failed(
        `the port answered, but ${spec.label} is not running${state.lastExitCode !== null ? ` (last exit code ${state.lastExitCode})` : ''}; is another program using port ${service.port}?`,
      )
  } catch (error) {
    if (error instanceof ApplyFailure) throw error
    return await failed(error instanceof Error ? error.message : String(error))
  }
  if (service.warmup && !signal?.aborted) {
    emit({ deployment: name, step: 'warmup', message: `warming up ${name}` })
    // A failed warm-up costs the first user a slower request, not the deployment: report it, do not roll back.
    try {
      await ports.warmup(service, signal)
    } catch (error) {
      emit({ deployment: name, step: 'warmup', message: `warm-up request failed: ${(error as Error).message}` })
    }
  }
}

/** Restores the previous definition (or removes a new service); says whether that worked. */
async function rollback(name: string, failed: ServiceSpec, previous: ServiceSpec | null, ports: ApplyPorts, emit: (event: StepEvent) => void): Promise<boolean> {
  emit({ deployment: name, step: 'rollback', message: previous ? `restoring the previous definition of ${failed.label}` : `removing ${failed.label}` })
  try {
    if (previous) await ports.backend.install(previous)
    else await ports.backend.remove(failed.label)
    return true
  } catch (error) {
    emit({ deployment: name, step: 'rollback', message: `rollback failed: ${(error as Error).message}` })
    return false
  }
}
