import { describe, expect, it } from 'vitest'
import { runPrivileged, commandsFor } from '../../src/apply/wired-limit.ts'
import type { Machine } from '../../src/config/types.ts'
import { wiredLimitChange } from '../../src/plan/diff.ts'
import type { Change, ChangeStep } from '../../src/plan/types.ts'

const stepOf = (change: Change | null): Extract<ChangeStep, { step: 'wiredLimit' }> => {
  const step = change?.steps[0]
  if (step?.step !== 'wiredLimit') throw new Error('expected a wiredLimit step')
  return step
}

const machine = (gib: number | null): Machine => ({ name: 'studio', gpuWiredLimitBytes: gib === null ? null : gib * 2 ** 30 }) as Machine

describe('the gpuWiredLimit resource', () => {
  it('creates the daemon and sets the value when neither is in place', () => {
    expect(wiredLimitChange(machine(480), { inForceMiB: 0, daemonInstalled: false })).toEqual({
      kind: 'machine',
      name: 'wired-limit',
      machine: 'studio',
      action: 'create',
      reasons: ['iogpu.wired_limit_mb is 0, declared 491520', 'boot-time LaunchDaemon not installed'],
      steps: [{ step: 'wiredLimit', declaredMiB: 491520, inForceMiB: 0, daemonInstalled: false }],
      service: null,
      installed: null,
    })
  })

  it('does nothing when the value in force and the daemon match', () => {
    expect(wiredLimitChange(machine(480), { inForceMiB: 491520, daemonInstalled: true })).toBeNull()
    expect(wiredLimitChange(machine(null), { inForceMiB: 0, daemonInstalled: false })).toBeNull()
  })

  it('updates after a reboot lost the value, and removes a daemon no longer declared', () => {
    expect(wiredLimitChange(machine(480), { inForceMiB: 0, daemonInstalled: true })!.action).toBe('update')
    expect(wiredLimitChange(machine(null), { inForceMiB: 491520, daemonInstalled: true })).toMatchObject({ action: 'delete', reasons: ['gpuWiredLimit no longer declared'] })
    expect(commandsFor(stepOf(wiredLimitChange(machine(null), { inForceMiB: 491520, daemonInstalled: true }))).some((c) => c.argv.includes('bootout'))).toBe(true)
    expect(wiredLimitChange(machine(480), null)).toBeNull() // nothing to observe off macOS
  })

  it("shows the exact commands, asks, and runs them in order, retrying launchd's transient statuses", async () => {
    const ran: string[] = []
    let bootstrapTries = 0
    let shown = ''
    const commands = commandsFor(stepOf(wiredLimitChange(machine(480), { inForceMiB: 0, daemonInstalled: false })))
    await runPrivileged(
      commands,
      async (text) => ((shown = text), true),
      async (file, args) => {
        ran.push([file, ...args].join(' '))
        if (args.includes('bootstrap') && bootstrapTries++ === 0) return { exitCode: 5, stdout: '', stderr: 'Bootstrap failed: 5: Input/output error' }
        return { exitCode: 0, stdout: '', stderr: '' }
      },
      async () => {},
    )
    expect(shown).toContain('sudo sysctl -w iogpu.wired_limit_mb=491520')
    expect(ran.at(-1)).toBe('sudo sysctl -w iogpu.wired_limit_mb=491520')
    expect(ran.filter((c) => c.includes('bootstrap'))).toHaveLength(2)
    expect(ran.some((c) => c.includes('disable'))).toBe(false)
  })

  it('changes nothing when not confirmed', async () => {
    const ran: string[] = []
    await expect(
      runPrivileged(
        commandsFor(stepOf(wiredLimitChange(machine(480), { inForceMiB: 0, daemonInstalled: false }))),
        async () => false,
        async (file, args) => (ran.push([file, ...args].join(' ')), { exitCode: 0, stdout: '', stderr: '' }),
      ),
    ).rejects.toThrow(/not confirmed/)
    expect(ran).toEqual([])
  })
})
