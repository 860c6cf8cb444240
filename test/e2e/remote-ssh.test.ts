/**
 * One control point, three real ssh hosts (Debian sshd on 127.0.0.1 ports, test/support/ssh-hosts.ts), each with its
 * own fleet state and cache and the built fleet of this checkout as its `fleet`. Through the built CLI: plan shows
 * all three, apply brings engine-shaped servers up on all three with weights pulled by each host from the local Hub,
 * re-apply is a no-op, a port change restarts one deployment on one host; an unreachable host and a host killed mid
 * apply leave the others converged and the next apply converges the rest; a different fleet version is refused
 * before anything changes; a hostile path runs nothing; the token is in no remote argv, file or log.
 */
import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, runCliAsync } from '../support/cli.ts'
import { FIXTURE_SCRIPTS, fixtureExecutable, freePort } from '../support/engine-fixtures/index.ts'
import { startTestHub, type TestHub } from '../support/hub-server.ts'
import { fleetShim, processesOnHost, sshAvailable, startSshLab, type SshLab } from '../support/ssh-hosts.ts'
import { tinyGgufRepo } from '../support/tiny-models.ts'

const TOKEN = 'hf_remoteTestTokenDoNotLeak0123456789'
const HOSTS = ['studio-a', 'studio-b', 'laptop'] as const

async function answers(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1500) })
    await r.body?.cancel()
    return r.ok
  } catch {
    return false
  }
}

function processesOf(host: string): { pid: number; argv: string }[] {
  return processesOnHost(host).map(({ pid, argv }) => ({ pid, argv }))
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
}

// CI installs openssh-server and runs as root (.ci/run): there the test must run, never skip.
describe.skipIf(!sshAvailable() && process.env.CI === undefined)('fleet across machines over ssh', () => {
  let lab: SshLab
  let hub: TestHub
  let dir: string
  let env: NodeJS.ProcessEnv
  let ports: Record<(typeof HOSTS)[number], number>
  let fleetText: (p: typeof ports, fleetPaths?: Partial<Record<string, string>>) => string
  const file = (): string => join(dir, 'fleet.yaml')
  const cli = (...args: string[]) => runCliAsync([...args, '-f', file()], { env, timeoutMs: 120_000 })

  beforeAll(async () => {
    hub = await startTestHub({ repos: [tinyGgufRepo()], token: TOKEN })
    lab = await startSshLab(HOSTS, join(ROOT, 'bin', 'fleet.js'))
    dir = mkdtempSync(join(tmpdir(), 'fleet-remote-'))
    const bin = join(dir, 'bin')
    mkdirSync(bin)
    const llama = await fixtureExecutable(bin, 'llama.cpp', 'llama-server')
    ports = { 'studio-a': await freePort(), 'studio-b': await freePort(), laptop: await freePort() }
    // The control point has no machine of its own here: every machine is reached over ssh.
    env = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN, FLEET_STATE_DIR: join(dir, 'control-state'), HOME: join(dir, 'home'), ...lab.env }
    const host = (name: string) => lab.hosts.find((h) => h.name === name)!
    fleetText = (p, fleetPaths = {}) => `version: 1
defaults:
  restartThrottle: 1
engines:
  llama.cpp: { path: ${llama} }
machines:
${HOSTS.map((h) => `  ${h}: { chip: m4-max, memory: 128GB, serviceManager: process, host: ${h}, fleetPath: ${JSON.stringify(fleetPaths[h] ?? host(h).fleetPath)} }`).join('\n')}
models:
  tiny: { source: hf:test-org/Tiny-Llama-GGUF, quant: Q8_0 }
deployments:
${HOSTS.map((h) => `  chat-${h}: { machine: ${h}, model: tiny, engine: llama.cpp, port: ${p[h]}, context: 2k }`).join('\n')}
`
    writeFileSync(file(), fleetText(ports))
  }, 60_000)

  afterAll(async () => {
    if (env) await cli('destroy')
    await lab?.close()
    await hub?.close()
  }, 60_000)

  it('plan shows all three machines with their changes', async () => {
    const plan = await cli('plan', '--detailed-exitcode')
    expect(plan.stderr).not.toMatch(/unexpected error|internal error/)
    expect(plan.stdout).toMatch(/Changes on 3 machines: 3 to add, 0 to change, 0 to destroy/)
    for (const h of HOSTS) expect(plan.stdout).toMatch(new RegExp(`\\+ chat-${h}:`))
    expect(plan.code).toBe(2)
    const json = JSON.parse((await cli('plan', '--json')).stdout) as { observations: { machine: string }[]; changes: { machine: string; action: string }[] }
    expect(json.observations.map((o) => o.machine)).toEqual([...HOSTS])
    expect(json.changes.filter((c) => c.action === 'create').map((c) => c.machine)).toEqual([...HOSTS])
  })

  it('apply brings every machine up: weights pulled by each host, every server answering', async () => {
    const r = await cli('apply')
    expect(r.stderr).not.toMatch(/unexpected error|internal error/)
    expect(r.stdout).toContain('Apply complete on every machine: studio-a, studio-b, laptop.')
    for (const h of HOSTS) expect(r.stdout).toMatch(new RegExp(`${h} +│ Apply complete! 1 added`))
    expect(r.code).toBe(0)
    for (const h of HOSTS) {
      expect(await answers(ports[h])).toBe(true)
      // Each machine downloaded into its own cache, and runs its own supervisor.
      expect(existsSync(join(lab.hosts.find((x) => x.name === h)!.hubCache, 'models--test-org--Tiny-Llama-GGUF'))).toBe(true)
    }
    const status = JSON.parse((await cli('status', '--json')).stdout) as { deployments: { machine: string; deployment: string; running: boolean; healthy: boolean }[] }
    expect(status.deployments.map((d) => [d.machine, d.deployment, d.running && d.healthy])).toEqual(HOSTS.map((h) => [h, `chat-${h}`, true]))
  }, 120_000)

  it('re-apply is a no-op on every machine and plan is clean', async () => {
    const r = await cli('apply')
    for (const h of HOSTS) expect(r.stdout).toMatch(new RegExp(`${h} +│ No changes. ${h} matches`))
    expect(r.code).toBe(0)
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0)
  }, 120_000)

  it('the token is in no remote process argv, file or log', () => {
    for (const h of lab.hosts) {
      for (const p of processesOf(h.name)) expect(p.argv).not.toContain(TOKEN)
      for (const f of [...filesUnder(h.stateDir), h.logFile]) expect(readFileSync(f, 'latin1'), f).not.toContain(TOKEN)
    }
  })

  it('logs and status find the machine of a deployment themselves', async () => {
    const logs = await cli('logs', 'chat-laptop', '-n', '5')
    expect(logs.code).toBe(0)
    expect(logs.stdout.length).toBeGreaterThan(0)
    const status = await cli('status', '--machine', 'studio-b')
    expect(status.stdout).toMatch(/studio-b \(process\)/)
    expect(status.stdout).toContain('chat-studio-b')
    expect(status.stdout).not.toContain('chat-laptop')
  }, 60_000)

  it('a port change restarts only that deployment on that machine', async () => {
    const before = JSON.parse((await cli('status', '--json')).stdout) as { deployments: { deployment: string; pid: number }[] }
    const moved = { ...ports, 'studio-b': await freePort() }
    writeFileSync(file(), fleetText(moved))
    const plan = await cli('plan')
    expect(plan.stdout).toMatch(/Changes on 3 machines: 0 to add, 1 to change, 0 to destroy/)
    const r = await cli('apply')
    expect(r.stdout).toMatch(/studio-b +│ Apply complete! 0 added, 1 changed/)
    expect(r.stdout).toMatch(/studio-a +│ No changes/)
    ports = moved
    expect(await answers(ports['studio-b'])).toBe(true)
    const after = JSON.parse((await cli('status', '--json')).stdout) as { deployments: { deployment: string; pid: number }[] }
    const pid = (s: typeof after, name: string) => s.deployments.find((d) => d.deployment === name)!.pid
    expect(pid(after, 'chat-studio-a')).toBe(pid(before, 'chat-studio-a'))
    expect(pid(after, 'chat-laptop')).toBe(pid(before, 'chat-laptop'))
    expect(pid(after, 'chat-studio-b')).not.toBe(pid(before, 'chat-studio-b'))
  }, 120_000)

  it('--target narrows apply to one deployment on its machine; a saved plan is applied machine by machine as approved', async () => {
    const moved = { ...ports, 'studio-a': await freePort(), laptop: await freePort() }
    writeFileSync(file(), fleetText(moved))
    const targeted = await cli('apply', '--target', 'chat-laptop')
    expect(targeted.stdout).toMatch(/laptop +│ Apply complete! 0 added, 1 changed/)
    expect(targeted.stdout).not.toMatch(/studio-a +│/)
    expect(targeted.code).toBe(0)
    expect(await answers(moved.laptop)).toBe(true)
    expect(await answers(ports['studio-a'])).toBe(true)
    const saved = join(dir, 'plan.json')
    expect((await cli('plan', '--out', saved)).code).toBe(0)
    // An edited saved plan is refused on the machine whose part was edited, before anything changes there.
    const edited = JSON.parse(readFileSync(saved, 'utf8')) as { changes: { machine: string; action: string; steps: unknown[] }[] }
    const index = edited.changes.findIndex((c) => c.machine === 'studio-a')
    edited.changes[index] = { ...edited.changes[index]!, action: 'noop', steps: [] }
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(edited))
    const refused = await cli('apply', join(dir, 'edited.json'))
    expect(refused.code).toBe(1)
    expect(refused.stdout).toMatch(/studio-a +│ error the saved plan's changes are not the ones/)
    expect(await answers(ports['studio-a'])).toBe(true)
    const applied = await cli('apply', saved)
    expect(applied.stdout).toMatch(/studio-a +│ Apply complete! 0 added, 1 changed/)
    expect(applied.stdout).toMatch(/laptop +│ No changes/)
    expect(applied.code).toBe(0)
    ports = moved
  }, 180_000)

  it('a server that never becomes ready on one machine is rolled back there; the others are untouched', async () => {
    const bad = await freePort()
    const text = fleetText(ports).replace(
      'deployments:\n',
      `deployments:\n  bad: { machine: studio-b, engine: command, port: ${bad}, options: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FIXTURE_SCRIPTS.command)}, --port, "{port}"], healthUrl: "http://127.0.0.1:{port}/", env: { FIXTURE_NEVER_READY: "1" } } }\n`,
    )
    writeFileSync(file(), text)
    const r = await cli('apply', '--ready-timeout', '2')
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/studio-b +│ .*bad did not become ready: .*removed it again/)
    expect(r.stdout).toMatch(/1 of 3 machines failed \(studio-b\)/)
    for (const h of HOSTS) expect(await answers(ports[h])).toBe(true)
    writeFileSync(file(), fleetText(ports))
    expect((await cli('apply')).code).toBe(0)
  }, 120_000)

  it('Ctrl-C at the control point rolls back the change in flight on the remote and exits 130', async () => {
    const hang = await freePort()
    const text = fleetText(ports).replace(
      'deployments:\n',
      `deployments:\n  hang: { machine: studio-a, engine: command, port: ${hang}, options: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FIXTURE_SCRIPTS.command)}, --port, "{port}"], healthUrl: "http://127.0.0.1:{port}/", env: { FIXTURE_NEVER_READY: "1" } } }\n`,
    )
    writeFileSync(file(), text)
    // Its own process group, as a shell gives a foreground job: the SIGINT goes to the whole group, as Ctrl-C does.
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'fleet.js'), 'apply', '-f', file()], { env: { NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline && !output.includes('waiting for hang')) await new Promise((r) => setTimeout(r, 50))
    expect(output).toContain('waiting for hang')
    process.kill(-child.pid!, 'SIGINT')
    expect(await exited).toBe(130)
    expect(output).toMatch(/studio-a +│ .*hang was interrupted before it became ready/)
    const studioA = lab.hosts.find((h) => h.name === 'studio-a')!
    expect(existsSync(join(studioA.stateDir, 'supervisor', 'services', 'dev.fleet.hang.json'))).toBe(false)
    // The apply lock there was released: the next apply runs.
    writeFileSync(file(), fleetText(ports))
    const r = await cli('apply')
    expect(r.stdout).not.toContain('another fleet apply is running')
    expect(r.code).toBe(0)
  }, 120_000)

  it('ssh failures say what failed and never wait for a prompt', async () => {
    const wrongKeys = join(dir, 'wrong_known_hosts')
    const other = lab.hosts.find((h) => h.name === 'studio-a')!
    writeFileSync(wrongKeys, `[127.0.0.1]:${lab.hosts.find((h) => h.name === 'laptop')!.port} ${readFileSync(join(lab.dir, other.name, 'hostkey.pub'), 'utf8')}`)
    const hostKey = await runCliAsync(['plan', '--machine', 'laptop', '-f', file()], { env: { ...env, FLEET_SSH_COMMAND: `${lab.env.FLEET_SSH_COMMAND} -o UserKnownHostsFile=${wrongKeys}` } })
    expect(hostKey.stderr + hostKey.stdout).toMatch(/cannot reach laptop \(laptop\) over ssh \(host-key\)/)
    const auth = await runCliAsync(['plan', '--machine', 'laptop', '-f', file()], { env: { ...env, FLEET_SSH_COMMAND: `${lab.env.FLEET_SSH_COMMAND} -o PubkeyAuthentication=no` } })
    expect(auth.stderr + auth.stdout).toMatch(/over ssh \(auth\).*\n.*hint: ssh could not log in without a prompt/)
  }, 60_000)

  it('an unreachable machine is reported while the others converge; the next apply converges it', async () => {
    const laptop = lab.hosts.find((h) => h.name === 'laptop')!
    await laptop.stop()
    const moved = { ...ports, 'studio-a': await freePort(), laptop: await freePort() }
    writeFileSync(file(), fleetText(moved))
    const plan = await cli('plan')
    expect(plan.code).toBe(0)
    expect(plan.stdout).toMatch(/warning machines\.laptop\.host: cannot reach laptop \(laptop\) over ssh \(refused\).*; its changes are unknown/)
    expect(plan.stdout).toMatch(/Changes on 2 machines: 0 to add, 1 to change/)
    const detailed = await cli('plan', '--detailed-exitcode')
    expect(detailed.code).toBe(1)
    expect(detailed.stderr).toContain('the changes on laptop are unknown')
    const r = await cli('apply')
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/laptop +│ error cannot reach laptop \(laptop\) over ssh/)
    expect(r.stdout).toMatch(/studio-a +│ Apply complete! 0 added, 1 changed/)
    expect(r.stdout).toMatch(/1 of 3 machines failed \(laptop\)/)
    expect(await answers(moved['studio-a'])).toBe(true)
    await laptop.start()
    const again = await cli('apply')
    expect(again.stdout).toMatch(/laptop +│ Apply complete! 0 added, 1 changed/)
    expect(again.code).toBe(0)
    ports = moved
    expect(await answers(ports.laptop)).toBe(true)
  }, 180_000)

  it('a machine that dies mid-apply is reported; the others converge, and the next apply converges it', async () => {
    const studioB = lab.hosts.find((h) => h.name === 'studio-b')!
    const moved = { ...ports, 'studio-b': await freePort(), 'studio-a': await freePort() }
    writeFileSync(file(), fleetText(moved))
    // The fixture server answers only after a while, so studio-b is still waiting for its server when it dies.
    const run = runCliAsync(['apply', '-f', file()], { env: { ...env }, timeoutMs: 120_000 })
    const deadline = Date.now() + 30_000
    // The agent's private run directory exists only for real work (not the version handshake): it is applying now.
    const runs = join(studioB.stateDir, 'agent')
    while (Date.now() < deadline && !(existsSync(runs) && readdirSync(runs).length > 0)) await new Promise((r) => setTimeout(r, 10))
    await studioB.stop()
    for (const p of processesOf('studio-b')) process.kill(p.pid, 'SIGKILL')
    const r = await run
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/studio-b +│ error studio-b \(studio-b\) stopped answering part way/)
    expect(r.stdout).toMatch(/studio-a +│ Apply complete! 0 added, 1 changed/)
    await studioB.start()
    const again = await cli('apply')
    expect(again.stdout).toMatch(/studio-b +│ Apply complete!/)
    expect(again.code).toBe(0)
    ports = moved
    for (const h of HOSTS) expect(await answers(ports[h])).toBe(true)
  }, 180_000)

  it('a machine with another fleet version is refused before anything changes anywhere', async () => {
    // A real other version of fleet: this checkout's build with another version in its package.json.
    const other = join(dir, 'other-fleet')
    for (const part of ['bin', 'dist', 'schemas', 'templates']) if (existsSync(join(ROOT, part))) cpSync(join(ROOT, part), join(other, part), { recursive: true })
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    writeFileSync(join(other, 'package.json'), JSON.stringify({ ...pkg, version: '0.0.1-other' }))
    cpSync(join(ROOT, 'node_modules'), join(other, 'node_modules'), { recursive: true, dereference: false, verbatimSymlinks: true, filter: () => true })
    const shim = join(dir, 'other-fleet.sh')
    fleetShim(shim, join(other, 'bin', 'fleet.js'))
    const moved = { ...ports, 'studio-a': await freePort() }
    writeFileSync(file(), fleetText(moved, { laptop: shim }))
    const r = await cli('apply')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/laptop \(laptop\) runs fleet 0\.0\.1-other; this control point runs fleet \d/)
    expect(r.stderr).toMatch(/hint: Install fleet .* on laptop/)
    expect(r.stderr).toContain('nothing was changed on any machine')
    expect(await answers(ports['studio-a'])).toBe(true)
    expect(await answers(moved['studio-a'])).toBe(false)
    writeFileSync(file(), fleetText(ports, { laptop: join(dir, 'missing', 'fleet') }))
    const missing = await cli('apply')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/fleet is not installed on laptop \(laptop\)/)
    writeFileSync(file(), fleetText(ports))
  }, 180_000)

  it('a hostile fleetPath or host runs nothing on the remote', async () => {
    const canary = join(dir, 'canary')
    writeFileSync(file(), fleetText(ports, { laptop: `/nonexistent/fleet; touch ${canary}` }))
    const r = await cli('plan')
    expect(r.stdout).toMatch(/warning machines\.laptop\.host: fleet is not installed on laptop/)
    expect(existsSync(canary)).toBe(false)
    writeFileSync(file(), fleetText(ports, { laptop: `$(touch ${canary})` }))
    await cli('plan')
    expect(existsSync(canary)).toBe(false)
    // A host that would be an ssh option is refused by validation, before ssh runs.
    writeFileSync(file(), fleetText(ports).replace('host: laptop', `host: "-oProxyCommand=touch ${canary}"`))
    const option = await cli('validate')
    expect(option.code).toBe(1)
    expect(existsSync(canary)).toBe(false)
    writeFileSync(file(), fleetText(ports))
    expect(statSync(dir).isDirectory()).toBe(true)
    rmSync(canary, { force: true })
  }, 60_000)
})
