/**
 * The ServiceBackend for machines without launchd: fleet's own supervisor (src/supervisor/) runs the services. This
 * adapter talks to it over its socket and starts it when a change needs it (install, restart). Reads — state, list,
 * installedSpec — never start anything: without a supervisor they come from the state directory, with running=false
 * and loaded=false (a definition on disk that nothing runs, like a plist in LaunchAgents that is not bootstrapped).
 */
import { InternalError, UserError } from '../errors.ts'
import { call, SupervisorUnreachable } from '../supervisor/client.ts'
import { defaultSupervisorEntry, ensureSupervisor, type Launched } from '../supervisor/launch.ts'
import { ping } from '../supervisor/lock.ts'
import { stopOrphan } from '../supervisor/orphans.ts'
import { isLive } from '../supervisor/processes.ts'
import { isServiceState, notInstalledState, type Request, type Response } from '../supervisor/protocol.ts'
import { exitTimeoutMs, labelProblem, parseSpec } from '../supervisor/spec.ts'
import { deleteService, listSpecLabels, readRuntime, readSpec } from '../supervisor/store.ts'
import { pollUntil } from '../supervisor/timing.ts'
import { stateRoot, supervisorPaths, type SupervisorPaths } from './state-dir.ts'
import type { ServiceBackend, ServiceSpec, ServiceState } from './types.ts'

export interface ProcessBackendOptions {
  readonly env?: NodeJS.ProcessEnv
  /** The state root; by default stateRoot(env). */
  readonly root?: string
  /** The compiled supervisor entry point; by default dist/supervisor/main.js. */
  readonly supervisorEntry?: string
}

/** launchd's default ExitTimeOut, for a label whose definition is gone. */
const DEFAULT_EXIT_TIMEOUT_MS = 20_000
/** Beyond the exit timeouts a command may wait for: spawning, file writes, the socket. */
const MARGIN_MS = 15_000

export class ProcessBackend implements ServiceBackend {
  readonly kind = 'process' as const
  readonly paths: SupervisorPaths
  private readonly env: NodeJS.ProcessEnv
  private readonly entry: string

  constructor(options: ProcessBackendOptions = {}) {
    this.env = options.env ?? process.env
    this.paths = supervisorPaths(options.root ?? stateRoot(this.env))
    this.entry = options.supervisorEntry ?? defaultSupervisorEntry()
  }

  async install(spec: ServiceSpec): Promise<void> {
    const checked = parseSpec(spec)
    // fleet built this definition itself: one the supervisor would refuse is a bug, not something the user can fix.
    if (typeof checked === 'string') throw new InternalError(`cannot install ${spec.label}: ${checked}`)
    await this.command({ op: 'install', spec: checked }, Math.max(exitTimeoutMs(checked), this.longestExitTimeout()))
  }

  async remove(label: string): Promise<void> {
    if (labelProblem(label)) return
    const timeout = this.exitTimeoutOf(label)
    const holder = await ping(this.paths.socket)
    if (holder && !holder.closing) {
      try {
        // Queued behind a boot that may be stopping orphans, then its own stop: both bounded by exit timeouts.
        const response = await call(this.paths.socket, { op: 'remove', label }, 2 * Math.max(timeout, this.longestExitTimeout()) + MARGIN_MS)
        if (response.ok) return
        if (response.code !== 'closing') throw new UserError(`supervisor: remove failed: ${response.message}`, { hint: `Read ${this.paths.log}` })
      } catch (error) {
        if (!(error instanceof SupervisorUnreachable)) throw error instanceof UserError ? error : this.failure('remove', error)
      }
    }
    // A supervisor on its way out stops every service itself; wait for it, so that nothing races the files below.
    if (holder) await pollUntil(() => !isLive(holder.pid), this.longestExitTimeout() + MARGIN_MS, 100)
    // No supervisor: stop what a dead one may have left running, then forget the definition.
    const record = readRuntime(this.paths, label)
    if (record) await stopOrphan(record, timeout)
    deleteService(this.paths, label)
  }

  async restart(label: string): Promise<void> {
    if (!this.readInstalled(label)) throw new UserError(`${label} is not installed`, { hint: 'Run fleet apply to install it' })
    await this.command({ op: 'restart', label }, this.exitTimeoutOf(label), { skipIfLaunched: true })
  }

  async state(label: string): Promise<ServiceState> {
    if (await ping(this.paths.socket)) {
      try {
        const response = await call(this.paths.socket, { op: 'state', label }, this.longestExitTimeout() + MARGIN_MS)
        if (response.ok && isServiceState(response.result)) return response.result
      } catch (error) {
        if (!(error instanceof SupervisorUnreachable)) throw this.failure('state', error)
      }
    }
    return this.stateFromFiles(label)
  }

  async list(): Promise<string[]> {
    return listSpecLabels(this.paths)
  }

  async installedSpec(label: string): Promise<ServiceSpec | null> {
    return this.readInstalled(label)
  }

  /** What the state directory says when no supervisor runs. */
  private stateFromFiles(label: string): ServiceState {
    if (!this.readInstalled(label)) return notInstalledState(label)
    const record = readRuntime(this.paths, label)
    return {
      label,
      loaded: false,
      running: false,
      pid: null,
      lastExitCode: record?.lastExitCode ?? null,
      startedAt: null,
      restarts: record ? Math.max(0, record.starts - 1) : 0,
    }
  }

  /**
   * Sends a command that changes something, starting the supervisor first when none runs. One retry
   * covers a supervisor that exited between the ping and the command (its last service was just removed).
   */
  private async command(request: Request, exitTimeout: number, options: { skipIfLaunched?: boolean } = {}): Promise<unknown> {
    const timeoutMs = 2 * exitTimeout + MARGIN_MS
    for (let attempt = 1; ; attempt += 1) {
      const launched: Launched = await ensureSupervisor({ paths: this.paths, entry: this.entry, env: this.env, closingWaitMs: this.longestExitTimeout() + MARGIN_MS })
      // A supervisor that has just started has just started every installed service: nothing left to restart.
      if (launched.launched && options.skipIfLaunched) return null
      let response: Response
      try {
        response = await call(this.paths.socket, request, timeoutMs)
      } catch (error) {
        if (error instanceof SupervisorUnreachable && attempt === 1) continue
        throw this.failure(request.op, error)
      }
      if (response.ok) return response.result
      if (response.code === 'closing' && attempt === 1) continue
      throw new UserError(`supervisor: ${request.op} failed: ${response.message}`, { hint: `Read ${this.paths.log}` })
    }
  }

  private failure(op: string, error: unknown): UserError {
    return new UserError(`supervisor: ${op} failed: ${(error as Error).message}`, { hint: `Read ${this.paths.log}`, cause: error })
  }

  private readInstalled(label: string): ServiceSpec | null {
    try {
      return readSpec(this.paths, label)
    } catch (error) {
      throw new UserError(`the installed definition of ${label} is unreadable: ${(error as Error).message}`, {
        hint: 'Run fleet apply to write it again (or delete the file)',
        cause: error,
      })
    }
  }

  private exitTimeoutOf(label: string): number {
    let spec: ServiceSpec | null = null
    try {
      spec = readSpec(this.paths, label)
    } catch {
      // Unreadable: fall back to the default.
    }
    return spec ? exitTimeoutMs(spec) : DEFAULT_EXIT_TIMEOUT_MS
  }

  /** A freshly started supervisor first stops what a dead one left running, in parallel, each within its timeout. */
  private longestExitTimeout(): number {
    return listSpecLabels(this.paths).reduce((longest, label) => Math.max(longest, this.exitTimeoutOf(label)), DEFAULT_EXIT_TIMEOUT_MS)
  }
}
