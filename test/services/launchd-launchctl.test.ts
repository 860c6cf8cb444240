/**
 * The launchctl adapter: argv per verb, the gui/user domain probe, the execa runner, and the exit-code table
 * checked against the recorded messages.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { LAUNCHCTL_EXIT, Launchctl, domainFor, programAt, type CommandRunner } from '../../src/services/launchctl.ts'
import { launchctlFailure } from '../../src/services/launchd-lifecycle.ts'

const recorded = (name: string): string => readFileSync(new URL(`../fixtures/launchctl/${name}`, import.meta.url), 'utf8')

function recorder(answer: (args: readonly string[]) => number = () => 0) {
  const calls: string[][] = []
  const run: CommandRunner = async (args) => {
    calls.push([...args])
    return { exitCode: answer(args), stdout: '', stderr: '' }
  }
  return { calls, run }
}

test('argv of each verb', async () => {
  const { calls, run } = recorder()
  const ctl = new Launchctl(run)
  await ctl.print('gui/501/dev.fleet.chat')
  await ctl.bootstrap('gui/501', '/Users/ada/Library/LaunchAgents/dev.fleet.chat.plist')
  await ctl.bootout('gui/501/dev.fleet.chat')
  await ctl.enable('gui/501/dev.fleet.chat')
  await ctl.kickstart('gui/501/dev.fleet.chat', { kill: true })
  await ctl.kickstart('gui/501/dev.fleet.chat', { kill: false })
  expect(calls).toEqual([
    ['print', 'gui/501/dev.fleet.chat'],
    ['bootstrap', 'gui/501', '/Users/ada/Library/LaunchAgents/dev.fleet.chat.plist'],
    // Never `bootout --wait`: a usage error (64) on releases without it (bootout-64-wait-unsupported.txt).
    ['bootout', 'gui/501/dev.fleet.chat'],
    ['enable', 'gui/501/dev.fleet.chat'],
    ['kickstart', '-k', 'gui/501/dev.fleet.chat'],
    ['kickstart', 'gui/501/dev.fleet.chat'],
  ])
})

describe('domainFor', () => {
  test('gui/<uid> when `print gui/<uid>` succeeds', async () => {
    const { calls, run } = recorder()
    expect(await domainFor(run, 501)).toBe('gui/501')
    expect(calls).toEqual([['print', 'gui/501']])
  })

  test.each([125, 112, 113, 1])('user/<uid> when the probe exits %d (ssh, headless, no GUI login)', async (code) => {
    const { run } = recorder(() => code)
    expect(await domainFor(run, 503)).toBe('user/503')
  })
})

describe('exit codes agree with the recorded messages', () => {
  test.each([
    ['bootstrap-5-eio.txt', LAUNCHCTL_EXIT.ioError, /^Bootstrap failed: 5: Input\/output error\n/],
    ['bootstrap-125-no-gui-domain.txt', LAUNCHCTL_EXIT.domainUnsupported, /^Bootstrap failed: 125: Domain does not support specified action\n$/],
    ['bootout-3-not-loaded.txt', LAUNCHCTL_EXIT.noSuchProcess, /^Boot-out failed: 3: No such process\n$/],
    ['bootout-36-in-progress.txt', LAUNCHCTL_EXIT.inProgress, /^Boot-out failed: 36: Operation now in progress\n$/],
    ['print-gui-domain-headless.txt', LAUNCHCTL_EXIT.domainUnsupported, /^Could not print domain: 125: /],
    ['kickstart-113-not-found.txt', LAUNCHCTL_EXIT.serviceNotFound, /^Could not find service "org\.nixos\.darwin-store" in domain for system\n$/],
    ['bootstrap-37-already-loaded.txt', LAUNCHCTL_EXIT.alreadyInProgress, /: service already loaded\n$/],
    ['bootout-64-wait-unsupported.txt', LAUNCHCTL_EXIT.usage, /^Unrecognized target specifier\.\n/],
  ])('%s', (name, code, message) => {
    expect(recorded(name)).toMatch(message)
    expect(recorded(name.replace('.txt', '.source'))).toContain(`exit: ${code}\n`)
  })
})

test('failures quote the command, the status and launchctl, with a hint for the known codes', () => {
  const error = launchctlFailure(['bootstrap', 'user/501', '/p.plist'], { exitCode: 125, stdout: '', stderr: recorded('bootstrap-125-no-gui-domain.txt') })
  expect(error.message).toBe('launchctl bootstrap user/501 /p.plist failed with exit 125: Bootstrap failed: 125: Domain does not support specified action')
  expect(error.hint).toMatch(/Headless Macs/)
  expect(launchctlFailure(['print', 'x'], { exitCode: 9, stdout: '', stderr: '' }).hint).toBeUndefined()
})

describe('programAt', () => {
  test('non-zero exits are results, with stdout and stderr', async () => {
    const run = programAt('/bin/sh')
    expect(await run(['-c', 'echo out; echo err >&2; exit 113'])).toEqual({ exitCode: 113, stdout: 'out', stderr: 'err' })
  })

  test('a missing program is exit 127 with the reason, not an exception', async () => {
    const result = await programAt('/nonexistent/launchctl')(['print', 'gui/501'])
    expect(result.exitCode).toBe(127)
    expect(result.stderr).toMatch(/ENOENT|not found|no such file/i)
  })
})
