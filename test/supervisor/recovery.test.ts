/**
 * When the supervisor itself dies (kill -9): reads fall back to the state directory, the next change starts a new
 * supervisor that stops the orphaned process groups before starting fresh processes; and two fleet commands racing
 * to start a supervisor end up with one.
 */
import { spawn } from 'node:child_process'
import { beforeAll, describe, expect, it } from 'vitest'
import { ProcessBackend } from '../../src/services/process-backend.ts'
import { ping } from '../../src/supervisor/lock.ts'
import { stopOrphan } from '../../src/supervisor/orphans.ts'
import { isLive } from '../../src/supervisor/processes.ts'
import { bootTime, readPidFile } from '../../src/supervisor/store.ts'
import { fixtureSpec, getJson, logLines, requireBuild, SUPERVISOR_ENTRY, tempState, waitForReport, waitGone, type TempState } from './helpers.ts'

beforeAll(requireBuild)

function supervisorPid(state: TempState): number {
  const pid = readPidFile(state.paths)
  if (pid === null) throw new Error('no supervisor pid')
  return pid
}

describe.concurrent('process backend: recovery', () => {
  it('after kill -9 of the supervisor, the next install starts a new one that stops the orphans and starts afresh', async ({ onTestFinished }) => {
    const state = tempState(onTestFinished)
    const backend = new ProcessBackend({ root: state.root, supervisorEntry: SUPERVISOR_ENTRY })
    // The grandchild ignores SIGTERM, so the orphaned group only goes with SIGKILL, after exitTimeoutSeconds.
    const spec = fixtureSpec(state, 'web', 'http-server.mjs', { env: { STATE_FILE: `${state.root}/web.state.json`, GRANDCHILD: '1' }, exitTimeoutSeconds: 1 })
    await backend.install(spec)
    const first = await waitForReport(state, spec)
    const dead = supervisorPid(state)

    process.kill(dead, 'SIGKILL')
    expect(await waitGone(dead)).toBe(true)
    // Its service keeps running, unsupervised; reads now come from the state directory.
    expect(isLive(first.pid)).toBe(true)
    expect(await backend.state(spec.label)).toMatchObject({ loaded: false, running: false, pid: null, restarts: 0 })
    expect(await backend.list()).toEqual([spec.label])
    expect(await backend.installedSpec(spec.label)).toEqual(spec)

    await backend.install(spec)
    const second = await waitForReport(state, spec, { not: first.pid })
    expect(supervisorPid(state)).not.toBe(dead)
    expect(isLive(first.pid)).toBe(false)
    expect(await waitGone(first.grandchild ?? 0)).toBe(true)
    expect(await getJson(second.port)).toMatchObject({ pid: second.pid })
    expect(await backend.state(spec.label)).toMatchObject({ loaded: true, running: true, pid: second.pid, restarts: 1 })
  })

  it('remove with no supervisor running stops the orphan and starts nothing', async ({ onTestFinished }) => {
    const state = tempState(onTestFinished)
    const backend = new ProcessBackend({ root: state.root, supervisorEntry: SUPERVISOR_ENTRY })
    const spec = fixtureSpec(state, 'web', 'http-server.mjs')
    await backend.install(spec)
    const first = await waitForReport(state, spec)
    const dead = supervisorPid(state)
    process.kill(dead, 'SIGKILL')
    expect(await waitGone(dead)).toBe(true)

    await backend.remove(spec.label)
    expect(isLive(first.pid)).toBe(false)
    expect(await backend.list()).toEqual([])
    // The dead supervisor's socket file is still there, but nothing answers on it.
    expect(await ping(state.paths.socket)).toBeNull()
  })

  it('leaves a recorded pid alone when it is not the process that was started (pid reuse)', async () => {
    const stranger = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { detached: true, stdio: 'ignore' })
    const pid = stranger.pid ?? 0
    try {
      const record = { label: 'dev.fleet.web', pid, starts: 1, lastExitCode: null, bootTime: bootTime(), supervisorPid: 1 }
      expect(await stopOrphan({ ...record, startedAt: new Date(Date.now() - 3_600_000).toISOString() }, 1000)).toBe('not-ours')
      expect(isLive(pid)).toBe(true)
      // The same record from before a reboot is ignored outright.
      expect(await stopOrphan({ ...record, startedAt: new Date().toISOString(), bootTime: bootTime() - 86_400_000 }, 1000)).toBe('none')
      expect(isLive(pid)).toBe(true)
      expect(await stopOrphan({ ...record, startedAt: new Date().toISOString() }, 1000)).toBe('stopped')
      expect(await waitGone(pid)).toBe(true)
    } finally {
      stranger.kill('SIGKILL')
    }
  })

  it('two fleet commands starting a supervisor at the same time end up with one', async ({ onTestFinished }) => {
    const state = tempState(onTestFinished)
    const a = new ProcessBackend({ root: state.root, supervisorEntry: SUPERVISOR_ENTRY })
    const b = new ProcessBackend({ root: state.root, supervisorEntry: SUPERVISOR_ENTRY })
    const one = fixtureSpec(state, 'one', 'http-server.mjs')
    const two = fixtureSpec(state, 'two', 'http-server.mjs')
    await Promise.all([a.install(one), b.install(two)])
    const [r1, r2] = await Promise.all([waitForReport(state, one), waitForReport(state, two)])
    const stateOne = await b.state(one.label)
    const stateTwo = await a.state(two.label)
    expect(stateOne).toMatchObject({ running: true, pid: r1.pid })
    expect(stateTwo).toMatchObject({ running: true, pid: r2.pid })
    expect(await a.list()).toEqual([one.label, two.label])
    // Each supervisor that got the lock logs "supervising …"; a loser logs that another one runs, and exits.
    const winners = new Set(
      logLines(state.paths.log)
        .filter((l) => l.includes(' supervising '))
        .map((l) => l.split(' ')[1]),
    )
    expect(winners.size).toBe(1)
  })
})
