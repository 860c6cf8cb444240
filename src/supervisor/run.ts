/**
 * Runs a supervisor in this process until it is told to stop: takes the lock, serves the socket, starts the installed
 * services, and turns SIGINT/SIGTERM into an orderly stop (a second signal kills the services at once). Shared by the
 * background daemon (main.ts) and `fleet up` (foreground), which differ only in `background`.
 */
import type { SupervisorPaths } from '../services/state-dir.ts'
import type { SupervisorEvent } from './events.ts'
import { acquireLock, type SupervisorLock } from './lock.ts'
import type { PingResult } from './protocol.ts'
import { connectionHandler } from './server.ts'
import { Supervisor } from './supervisor.ts'

export interface RunOptions {
  readonly paths: SupervisorPaths
  /** Background: exits once nothing is installed, ignores SIGHUP. Foreground (`fleet up`): runs until stopped. */
  readonly background: boolean
  readonly emit: (event: SupervisorEvent) => void
  /** Called once the lock is held and the services are starting. */
  readonly onReady?: (info: { services: number }) => void
}

export type RunResult =
  /** Another supervisor holds the state directory. */
  | { readonly kind: 'held'; readonly holder: PingResult }
  /** Stopped every service and exited cleanly. */
  | { readonly kind: 'stopped' }
  /** Another supervisor took the lock (this one was unresponsive); it stopped its services and left the files alone. */
  | { readonly kind: 'taken-over' }

/** How often a running supervisor checks that supervisor.pid still names it. */
const OWNERSHIP_CHECK_MS = 2000

export async function runSupervisor(options: RunOptions): Promise<RunResult> {
  let lock: SupervisorLock | null = null
  const supervisor = new Supervisor({
    paths: options.paths,
    exitWhenIdle: options.background,
    emit: options.emit,
    ownsLock: () => lock?.ownsLock() ?? false,
  })
  const acquired = await acquireLock(
    options.paths,
    connectionHandler((request) => supervisor.handle(request)),
    (message) => options.emit({ kind: 'info', message }),
  )
  if (acquired.kind === 'held') return { kind: 'held', holder: acquired.holder }
  lock = acquired.lock
  const held = lock

  let takenOver = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!supervisor.isClosing) {
      options.emit({ kind: 'info', message: `${signal}: stopping ${supervisor.serviceCount} service${supervisor.serviceCount === 1 ? '' : 's'} (${signal} again kills them at once)` })
      void supervisor.shutdown()
    } else {
      options.emit({ kind: 'info', message: `${signal} again: killing every service now` })
      supervisor.killAll()
    }
  }
  const ignore = (): void => {}
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // Detached, the daemon has no terminal; a stray SIGHUP (its session leader going away) must not kill it.
  if (options.background) process.on('SIGHUP', ignore)
  const watchdog = setInterval(() => {
    if (takenOver || held.ownsLock()) return
    takenOver = true
    options.emit({ kind: 'error', message: `${options.paths.pidFile} no longer names this supervisor (pid ${process.pid}); another one took over, stopping` })
    void supervisor.shutdown()
  }, OWNERSHIP_CHECK_MS)

  try {
    await supervisor.boot()
    options.onReady?.({ services: supervisor.serviceCount })
    await supervisor.done
  } catch (error) {
    // Never leave the lock (and services) behind on a failure of the supervisor itself.
    await supervisor.shutdown()
    await held.release()
    throw error
  } finally {
    clearInterval(watchdog)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('SIGHUP', ignore)
  }
  if (takenOver) {
    // Closing the server would unlink the socket path, which is the new supervisor's now: just stop listening for
    // the event loop's sake and let the process end.
    held.server.unref()
    return { kind: 'taken-over' }
  }
  await held.release()
  options.emit({ kind: 'info', message: 'supervisor stopped' })
  return { kind: 'stopped' }
}
