/**
 * LaunchdBackend against a simulated Mac (test/fixtures/launchctl/simulated-mac.ts): the exact launchctl argv
 * sequences for install (fresh, update of a loaded job, unchanged), remove (loaded, absent), restart and state,
 * with the real exit codes (5 while a bootout settles, 36 before 3, 113, 125 without a GUI session).
 */
import { afterEach, describe, expect, test } from 'vitest'
import { UserError } from '../../src/errors.ts'
import type { CommandRunner } from '../../src/services/launchctl.ts'
import { LaunchdBackend } from '../../src/services/launchd-backend.ts'
import { agentLogPaths, renderAgentPlist } from '../../src/services/plist.ts'
import type { ServiceSpec } from '../../src/services/types.ts'
import { SimulatedMac, type SimulatedMacOptions } from '../fixtures/launchctl/simulated-mac.ts'

const HOME = '/Users/ada'
const PLIST = `${HOME}/Library/LaunchAgents/dev.fleet.chat.plist`
const GUI = 'gui/501/dev.fleet.chat'
const USER = 'user/501/dev.fleet.chat'

const CHAT: ServiceSpec = {
  label: 'dev.fleet.chat',
  deployment: 'chat',
  program: '/opt/homebrew/bin/mlx_lm.server',
  args: ['--model', 'mlx-community/Qwen3-32B-8bit', '--port', '8080'],
  env: { PATH: '/opt/homebrew/bin:/usr/bin:/bin', HF_HOME: `${HOME}/.cache/huggingface` },
  workingDirectory: `${HOME}/.local/share/fleet`,
  ...agentLogPaths(HOME, 'chat'),
  throttleSeconds: 10,
  exitTimeoutSeconds: 30,
  numberOfFiles: 8192,
}
const CHAT_V2: ServiceSpec = { ...CHAT, args: [...CHAT.args, '--max-tokens', '4096'] }

const macs: SimulatedMac[] = []

function setup(options: SimulatedMacOptions = {}, extra: { plutil?: CommandRunner; domain?: string } = {}) {
  const mac = new SimulatedMac(options)
  macs.push(mac)
  const backend = new LaunchdBackend({ home: HOME, uid: 501, runner: mac.run, fs: mac.fs, sleep: mac.sleep, ...extra })
  return { mac, backend }
}

/** Installs `spec` and forgets the calls it took, to look at what the next operation does. */
async function installed(options: SimulatedMacOptions = {}, spec = CHAT) {
  const { mac, backend } = setup(options)
  await backend.install(spec)
  mac.calls.length = 0
  return { mac, backend }
}

afterEach(() => {
  // `disable` persists across reboots and blocks later bootstraps: fleet must never call it.
  for (const mac of macs) expect(mac.calls.filter((c) => c.startsWith('disable'))).toEqual([])
  macs.length = 0
})

describe('install', () => {
  test('fresh, in the gui domain: enable, print (113), bootstrap; RunAtLoad starts it', async () => {
    const { mac, backend } = setup()
    await backend.install(CHAT)
    expect(mac.calls).toEqual(['print gui/501', `enable ${GUI}`, `print ${GUI}`, `print ${USER}`, `bootstrap gui/501 ${PLIST}`])
    expect(mac.files.get(PLIST)).toBe(renderAgentPlist(CHAT))
    expect(mac.files.has(`${PLIST}.tmp`)).toBe(false)
    expect(mac.sleeps).toEqual([])
    expect(await backend.state('dev.fleet.chat')).toEqual({
      label: 'dev.fleet.chat',
      loaded: true,
      running: true,
      pid: 4242,
      lastExitCode: null,
      startedAt: null,
      restarts: 0,
    })
  })

  test('creates the folders launchd will not: LaunchAgents, the log folder, the working directory', async () => {
    const { mac, backend } = setup()
    await backend.install(CHAT)
    for (const dir of [`${HOME}/Library/LaunchAgents`, `${HOME}/Library/Logs/fleet`, `${HOME}/.local/share/fleet`]) expect(mac.dirs).toContain(dir)
  })

  test('update of a loaded job: bootout answers 36 until the job is gone, bootstrap answers 5 while launchd lets go', async () => {
    const { mac, backend } = await installed({ stopCalls: 3, bootoutAnswers36: true, eioAfterBootout: 2 })
    await backend.install(CHAT_V2)
    expect(mac.calls).toEqual([
      `enable ${GUI}`,
      `print ${GUI}`, // loaded: replace it
      `print ${USER}`, // not also loaded in the user domain
      `bootout ${GUI}`, // 36
      `print ${GUI}`, // still loaded (stopping)
      `bootout ${GUI}`, // 36 again: asked again, like brew services stop
      `print ${GUI}`, // 113: gone
      `bootstrap gui/501 ${PLIST}`, // 5
      `print ${GUI}`, // 113: not loaded, retry
      `bootstrap gui/501 ${PLIST}`, // 5
      `print ${GUI}`,
      `bootstrap gui/501 ${PLIST}`, // 0
    ])
    expect(mac.sleeps).toEqual([1000, 1000, 1000])
    expect(mac.files.get(PLIST)).toBe(renderAgentPlist(CHAT_V2))
    expect(mac.job(GUI)?.argv).toContain('--max-tokens')
  })

  test('update where bootout returns 0 and the job stops in the background', async () => {
    const { mac, backend } = await installed({ stopCalls: 2 })
    await backend.install(CHAT_V2)
    expect(mac.calls).toEqual([`enable ${GUI}`, `print ${GUI}`, `print ${USER}`, `bootout ${GUI}`, `print ${GUI}`, `print ${GUI}`, `bootstrap gui/501 ${PLIST}`])
  })

  test('unchanged and running: nothing is reloaded (a model reload takes minutes)', async () => {
    const { mac, backend } = await installed()
    await backend.install(CHAT)
    expect(mac.calls).toEqual([`enable ${GUI}`, `print ${GUI}`, `print ${USER}`])
  })

  test('unchanged but stopped (a clean exit KeepAlive does not restart): kickstart, without -k', async () => {
    const { mac, backend } = await installed()
    mac.crash(GUI, 0)
    await backend.install(CHAT)
    expect(mac.calls).toEqual([`enable ${GUI}`, `print ${GUI}`, `print ${USER}`, `kickstart ${GUI}`])
    expect((await backend.state('dev.fleet.chat')).running).toBe(true)
  })

  test('plist on disk newer than the loaded job (a run killed before the reload): reloaded anyway', async () => {
    const { mac, backend } = await installed()
    mac.files.set(PLIST, renderAgentPlist(CHAT_V2))
    await backend.install(CHAT_V2)
    expect(mac.calls).toEqual([`enable ${GUI}`, `print ${GUI}`, `print ${USER}`, `bootout ${GUI}`, `print ${GUI}`, `bootstrap gui/501 ${PLIST}`])
    expect(mac.job(GUI)?.argv).toContain('--max-tokens')
  })

  test('plist on disk but not loaded (after a bootout by hand): bootstrap only', async () => {
    const { mac, backend } = await installed()
    await mac.run(['bootout', GUI])
    mac.calls.length = 0
    await backend.install(CHAT)
    expect(mac.calls).toEqual([`enable ${GUI}`, `print ${GUI}`, `print ${USER}`, `bootstrap gui/501 ${PLIST}`])
  })

  test('a label someone disabled is enabled first, so the bootstrap succeeds', async () => {
    const { mac, backend } = setup()
    mac.disabled.add(GUI)
    await backend.install(CHAT)
    expect(mac.job(GUI)?.running).toBe(true)
  })

  test('headless (ssh, nobody at the screen): print gui/501 exits 125, everything goes to user/501', async () => {
    const { mac, backend } = setup({ gui: false })
    await backend.install(CHAT)
    expect(mac.calls).toEqual(['print gui/501', 'enable user/501/dev.fleet.chat', 'print user/501/dev.fleet.chat', `bootstrap user/501 ${PLIST}`])
    expect(await backend.domain()).toBe('user/501')
    expect((await backend.state('dev.fleet.chat')).running).toBe(true)
  })

  test('installed over ssh (user/501), installed again from the desktop (gui/501): the user/ copy is unloaded', async () => {
    const mac = new SimulatedMac()
    macs.push(mac)
    const options = { home: HOME, uid: 501, runner: mac.run, fs: mac.fs, sleep: mac.sleep }
    await new LaunchdBackend({ ...options, domain: 'user/501' }).install(CHAT)
    mac.calls.length = 0
    const desktop = new LaunchdBackend(options)
    await desktop.install(CHAT)
    expect(mac.calls).toEqual(['print gui/501', `enable ${GUI}`, `print ${GUI}`, `print ${USER}`, `bootout ${USER}`, `print ${USER}`, `bootstrap gui/501 ${PLIST}`])
    expect(mac.job(USER)).toBeUndefined()
    expect(mac.job(GUI)?.running).toBe(true)
  })

  test('the domain is probed once per backend', async () => {
    const { mac, backend } = setup()
    await backend.install(CHAT)
    await backend.state('dev.fleet.chat')
    await backend.restart('dev.fleet.chat')
    expect(mac.calls.filter((c) => c === 'print gui/501')).toHaveLength(1)
  })

  test('a fixed domain skips the probe', async () => {
    const { mac, backend } = setup({}, { domain: 'user/501' })
    await backend.install(CHAT)
    expect(mac.calls[0]).toBe('enable user/501/dev.fleet.chat')
  })

  test('bounded: a job that never unloads fails after ExitTimeOut + 5 s of polling, with a hint', async () => {
    const { mac, backend } = await installed({ stopCalls: 1000 })
    const error = await backend.install(CHAT_V2).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).message).toBe(`${GUI} is still loaded 35 s after launchctl bootout`)
    expect(mac.sleeps).toHaveLength(35)
    expect(mac.calls.filter((c) => c.startsWith('bootstrap'))).toEqual([])
  })

  test('bounded: bootstrap answering 5 every time fails after 10 attempts, quoting launchctl', async () => {
    const { mac, backend } = setup({ eioAfterBootout: 1000 })
    await backend.install(CHAT)
    await backend.remove('dev.fleet.chat')
    mac.calls.length = 0
    mac.sleeps.length = 0
    const error = await backend.install(CHAT).catch((e: unknown) => e)
    expect((error as UserError).message).toBe(
      `launchctl bootstrap gui/501 ${PLIST} failed with exit 5 (10 attempts): Bootstrap failed: 5: Input/output error / Try re-running the command as root for richer errors.`,
    )
    expect((error as UserError).hint).toMatch(/sudo/)
    expect(mac.calls.filter((c) => c.startsWith('bootstrap'))).toHaveLength(10)
    expect(mac.sleeps).toHaveLength(9)
  })

  test('plutil -lint runs on the .tmp before the rename; a rejection leaves the installed plist alone', async () => {
    const lint: string[][] = []
    const plutil: CommandRunner = async (args) => {
      lint.push([...args])
      return { exitCode: 1, stdout: `${args[1] ?? ''}: Encountered unexpected element at line 3`, stderr: '' }
    }
    const { mac, backend } = setup({}, { plutil })
    mac.files.set(PLIST, 'previous')
    mac.dirs.add(`${HOME}/Library/LaunchAgents`)
    await expect(backend.install(CHAT)).rejects.toThrow(/plutil rejected the LaunchAgent rendered for dev\.fleet\.chat/)
    expect(lint).toEqual([['-lint', `${PLIST}.tmp`]])
    expect(mac.files.get(PLIST)).toBe('previous')
    expect(mac.files.has(`${PLIST}.tmp`)).toBe(false)
    expect(mac.calls).toEqual([])
  })
})

describe('remove', () => {
  test('loaded: bootout, poll print until 113, then delete the plist', async () => {
    const { mac, backend } = await installed({ stopCalls: 2 })
    await backend.remove('dev.fleet.chat')
    expect(mac.calls).toEqual([`bootout ${GUI}`, `print ${GUI}`, `print ${GUI}`, `print ${USER}`])
    expect(mac.files.has(PLIST)).toBe(false)
    expect(await backend.list()).toEqual([])
  })

  test('loaded, with 36 before 3: bootout is asked again until it says 3', async () => {
    const { mac, backend } = await installed({ stopCalls: 4, bootoutAnswers36: true })
    await backend.remove('dev.fleet.chat')
    expect(mac.calls).toEqual([`bootout ${GUI}`, `print ${GUI}`, `bootout ${GUI}`, `print ${GUI}`, `bootout ${GUI}`, `print ${USER}`])
    expect(mac.sleeps).toEqual([1000, 1000])
  })

  test('absent: bootout answers 3 and nothing else happens; a no-op, not an error', async () => {
    const { mac, backend } = setup()
    await backend.remove('dev.fleet.chat')
    expect(mac.calls).toEqual(['print gui/501', `bootout ${GUI}`, `print ${USER}`])
  })

  test('plist present but not loaded: the plist is still deleted', async () => {
    const { mac, backend } = await installed()
    await mac.run(['bootout', GUI])
    mac.calls.length = 0
    await backend.remove('dev.fleet.chat')
    expect(mac.calls).toEqual([`bootout ${GUI}`, `print ${USER}`])
    expect(mac.files.has(PLIST)).toBe(false)
  })
})

describe('restart, state, list, installedSpec', () => {
  test('restart is kickstart -k: same definition, new process', async () => {
    const { mac, backend } = await installed()
    const before = await backend.state('dev.fleet.chat')
    await backend.restart('dev.fleet.chat')
    expect(mac.calls).toEqual([`print ${GUI}`, `kickstart -k ${GUI}`])
    const after = await backend.state('dev.fleet.chat')
    expect(after.pid).not.toBe(before.pid)
    expect(after.restarts).toBe(1)
  })

  test('restart of a job that is not loaded is a UserError (kickstart answered 113)', async () => {
    const { backend } = setup()
    await expect(backend.restart('dev.fleet.chat')).rejects.toThrow('dev.fleet.chat is not loaded in gui/501, so it cannot be restarted')
  })

  test('state: 113 means not loaded', async () => {
    const { backend } = setup()
    expect(await backend.state('dev.fleet.chat')).toEqual({
      label: 'dev.fleet.chat',
      loaded: false,
      running: false,
      pid: null,
      lastExitCode: null,
      startedAt: null,
      restarts: null,
    })
  })

  test('state: a crashed job KeepAlive has not restarted yet', async () => {
    const { mac, backend } = await installed()
    mac.crash(GUI, 1)
    expect(await backend.state('dev.fleet.chat')).toMatchObject({ loaded: true, running: false, pid: null, lastExitCode: 1 })
  })

  test('state: any other launchctl failure is reported, not read as "not loaded"', async () => {
    const runner: CommandRunner = async (args) => (args[1] === 'gui/501' ? { exitCode: 0, stdout: '', stderr: '' } : { exitCode: 1, stdout: '', stderr: 'Operation not permitted\n' })
    const backend = new LaunchdBackend({ home: HOME, uid: 501, runner, fs: new SimulatedMac().fs, sleep: async () => {} })
    await expect(backend.state('dev.fleet.chat')).rejects.toThrow(`launchctl print ${GUI} failed with exit 1: Operation not permitted`)
  })

  test('list: dev.fleet.* plists in ~/Library/LaunchAgents, sorted, nothing else', async () => {
    const { mac, backend } = await installed()
    await backend.install({ ...CHAT, label: 'dev.fleet.embed', deployment: 'embed' })
    mac.files.set(`${HOME}/Library/LaunchAgents/homebrew.mxcl.ollama.plist`, '')
    mac.files.set(`${HOME}/Library/LaunchAgents/dev.fleet.reason.plist.tmp`, '')
    expect(await backend.list()).toEqual(['dev.fleet.chat', 'dev.fleet.embed'])
  })

  test('installedSpec: the plist read back, or null', async () => {
    const { backend } = await installed()
    expect(await backend.installedSpec('dev.fleet.chat')).toEqual(CHAT)
    expect(await backend.installedSpec('dev.fleet.nope')).toBeNull()
  })
})
