/**
 * Shared pieces of the supervisor tests: a temporary state directory per test (FLEET_STATE_DIR), service specs that
 * run the fixtures under test/supervisor/fixtures/ with the node running the tests, bounded waits, and a cleanup that
 * leaves no process behind even when a test fails halfway.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'vitest'
import { supervisorPaths, type SupervisorPaths } from '../../src/services/state-dir.ts'
import type { ServiceSpec } from '../../src/services/types.ts'
import { isLive, signalGroup } from '../../src/supervisor/processes.ts'
import { readPidFile } from '../../src/supervisor/store.ts'
import { pollUntil } from '../../src/supervisor/timing.ts'

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
export const SUPERVISOR_ENTRY = fileURLToPath(new URL('../../dist/supervisor/main.js', import.meta.url))

export function requireBuild(): void {
  if (!existsSync(SUPERVISOR_ENTRY)) throw new Error(`${SUPERVISOR_ENTRY} is missing: run npm run build before these tests`)
}

export interface TempState {
  readonly root: string
  readonly paths: SupervisorPaths
  /** Every pid a test saw, so cleanup can make sure none survives. */
  readonly pids: Set<number>
}

/**
 * A fresh state root, cleaned up (supervisor stopped, every process killed) when the test ends. Takes the test's
 * own onTestFinished: the tests run concurrently, and only the context's hook knows which test it belongs to.
 */
export function tempState(onTestFinished: TestContext['onTestFinished']): TempState {
  const root = mkdtempSync(join(tmpdir(), 'fleet-sup-'))
  const state: TempState = { root, paths: supervisorPaths(root), pids: new Set() }
  onTestFinished(async () => {
    const supervisor = readPidFile(state.paths)
    if (supervisor !== null && isLive(supervisor)) {
      process.kill(supervisor, 'SIGTERM')
      await pollUntil(() => !isLive(supervisor), 5000)
      if (isLive(supervisor)) process.kill(supervisor, 'SIGKILL')
    }
    for (const pid of [...state.pids, ...recordedPids(state.paths)]) signalGroup(pid, 'SIGKILL')
    rmSync(root, { recursive: true, force: true })
  })
  return state
}

function recordedPids(paths: SupervisorPaths): number[] {
  if (!existsSync(paths.runtimeDir)) return []
  return readdirSync(paths.runtimeDir).flatMap((name) => {
    try {
      const pid = (JSON.parse(readFileSync(join(paths.runtimeDir, name), 'utf8')) as { runtime?: { pid?: unknown } }).runtime?.pid
      return typeof pid === 'number' ? [pid] : []
    } catch {
      return []
    }
  })
}

/** A spec running fixtures/<fixture> with node; STATE_FILE is where the fixture reports its pid (and port). */
export function fixtureSpec(state: TempState, name: string, fixture: string, overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    label: `dev.fleet.${name}`,
    deployment: name,
    program: process.execPath,
    args: [join(FIXTURES, fixture)],
    env: { STATE_FILE: join(state.root, `${name}.state.json`) },
    workingDirectory: state.root,
    stdoutPath: join(state.root, 'logs', `${name}.out.log`),
    stderrPath: join(state.root, 'logs', `${name}.err.log`),
    throttleSeconds: 1,
    exitTimeoutSeconds: 2,
    numberOfFiles: 0,
    ...overrides,
  }
}

export interface FixtureReport {
  readonly pid: number
  readonly port: number
  readonly grandchild: number | null
}

/** Waits until the fixture of `spec` reports a process other than `not` (after a restart), within `timeoutMs`. */
export async function waitForReport(state: TempState, spec: ServiceSpec, options: { not?: number; timeoutMs?: number } = {}): Promise<FixtureReport> {
  const file = spec.env.STATE_FILE ?? ''
  const seen: { report: FixtureReport | null } = { report: null }
  const ok = await pollUntil(() => {
    try {
      seen.report = JSON.parse(readFileSync(file, 'utf8')) as FixtureReport
    } catch {
      return false
    }
    return seen.report.pid !== options.not
  }, options.timeoutMs ?? 5000)
  const report = seen.report
  if (!ok || report === null) throw new Error(`${spec.label} did not report a new process in ${file}`)
  state.pids.add(report.pid)
  if (report.grandchild !== null) state.pids.add(report.grandchild)
  return report
}

export async function getJson(port: number, path = '/'): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) })
  return (await response.json()) as Record<string, unknown>
}

export function waitGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  return pollUntil(() => !isLive(pid), timeoutMs)
}

export function logLines(path: string): string[] {
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : []
}
