/**
 * Makes sure a supervisor answers on the socket, starting the background one when none does: `node main.js`,
 * detached (its own session, so it outlives the fleet command and its terminal), output appended to supervisor.log.
 * Two fleet commands may race here; the supervisor's lock lets one win and the other exits with
 * EXIT_ALREADY_RUNNING, after which both talk to the winner.
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { UserError } from '../errors.ts'
import type { SupervisorPaths } from '../services/state-dir.ts'
import { ping } from './lock.ts'
import { isLive } from './processes.ts'
import { EXIT_ALREADY_RUNNING, PROTOCOL_VERSION } from './protocol.ts'
import { ensureDirs } from './store.ts'
import { pollUntil } from './timing.ts'

export interface LaunchOptions {
  readonly paths: SupervisorPaths
  /** The compiled supervisor entry point (main.js). */
  readonly entry: string
  readonly env: NodeJS.ProcessEnv
  /** How long to wait for a supervisor that is stopping its services to be gone (its longest exit timeout + margin). */
  readonly closingWaitMs: number
}

export interface Launched {
  readonly pid: number
  /** This call started it: it has just started every installed service itself. */
  readonly launched: boolean
}

/** A daemon that started answers within this; it pings before it boots, and taking over a silent holder takes 5 s. */
const START_WAIT_MS = 12_000
const LOG_ROTATE_BYTES = 5 * 1024 * 1024

/** Compiled, main.js sits next to this module; run from source (vitest), the compiled copy in dist/ is used. */
export function defaultSupervisorEntry(): string {
  const fromSource = import.meta.url.endsWith('.ts')
  return fileURLToPath(new URL(fromSource ? '../../dist/supervisor/main.js' : './main.js', import.meta.url))
}

export async function ensureSupervisor(options: LaunchOptions): Promise<Launched> {
  const { paths } = options
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const holder = await ping(paths.socket)
    if (holder && holder.protocol !== PROTOCOL_VERSION) {
      throw new UserError(`the supervisor running (pid ${holder.pid}) speaks protocol ${holder.protocol}; this fleet speaks ${PROTOCOL_VERSION}`, {
        hint: `It predates an upgrade of fleet. Stop it with kill ${holder.pid} (it stops its services cleanly), then run the command again`,
      })
    }
    if (holder && !holder.closing) return { pid: holder.pid, launched: false }
    if (holder) {
      // It is stopping its services to exit (SIGTERM, or its last service was removed): wait until it is gone.
      if (!(await pollUntil(() => !isLive(holder.pid), options.closingWaitMs, 100))) break
      continue
    }
    const started = await launch(options)
    if (started) return started
  }
  throw new UserError(`could not start the fleet supervisor for ${paths.root}`, { hint: `Read ${paths.log}` })
}

/** Starts a daemon and waits until a supervisor answers; null when another one won the race and answers instead. */
async function launch(options: LaunchOptions): Promise<Launched | null> {
  const { paths } = options
  if (!existsSync(options.entry)) {
    throw new UserError(`the supervisor program ${options.entry} is missing`, { hint: 'Build fleet first: npm run build' })
  }
  ensureDirs(paths)
  rotateLog(paths.log)
  const log = openSync(paths.log, 'a')
  // Written from callbacks, read after the wait: an object, so the type checker does not narrow it to null.
  const seen: { exit: { code: number | null } | null; answer: Launched | null } = { exit: null, answer: null }
  try {
    const child = spawn(process.execPath, [options.entry], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...options.env, FLEET_STATE_DIR: paths.root },
      // Not the caller's directory: a daemon must not pin a directory the user may want to delete or unmount.
      cwd: paths.dir,
    })
    child.once('exit', (code) => {
      seen.exit = { code }
    })
    child.once('error', () => {
      seen.exit = { code: null }
    })
    child.unref()
    await pollUntil(
      async () => {
        const holder = await ping(paths.socket, 1000)
        if (holder && !holder.closing) seen.answer = { pid: holder.pid, launched: holder.pid === child.pid }
        return seen.answer !== null || seen.exit !== null
      },
      START_WAIT_MS,
      50,
    )
    child.removeAllListeners()
    if (seen.answer) return seen.answer
    // Lost the race to another fleet command: the winner answers on the next attempt.
    if (seen.exit?.code === EXIT_ALREADY_RUNNING) return null
    const how = seen.exit ? `exited with code ${seen.exit.code ?? 'none'}` : `did not answer within ${START_WAIT_MS / 1000} s`
    throw new UserError(`the fleet supervisor ${how}`, { hint: `Its log (${paths.log}) ends with:\n${tail(paths.log, 10)}` })
  } finally {
    closeSync(log)
  }
}

/** Keeps one previous log: the daemon appends for as long as it lives, and it may live for months. */
function rotateLog(path: string): void {
  try {
    if (statSync(path).size > LOG_ROTATE_BYTES) renameSync(path, `${path}.1`)
  } catch {
    // No log yet.
  }
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}
