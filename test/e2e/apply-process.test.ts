/**
 * End to end on Linux: `fleet apply` with the process supervisor, real HTTP servers shaped like each engine, weights
 * pulled from the local test Hub. Re-apply is a no-op; a port change restarts only that deployment; a server that never
 * becomes ready is rolled back while the others keep serving; a killed server comes back; a killed apply is converged
 * by the next one; destroy leaves nothing running.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../support/hub-server.ts'
import { BIN, runCliAsync } from '../support/cli.ts'
import { fixtureExecutable, FIXTURE_SCRIPTS, freePort } from '../support/engine-fixtures/index.ts'
import { tinyGgufRepo, tinyMlxRepo } from '../support/tiny-models.ts'

interface Ports {
  ollama: number
  llama: number
  mlx: number
  web: number
  slow: number
  bad: number
}

async function answers(port: number, path = '/'): Promise<number | null> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1500) })
    await r.body?.cancel()
    return r.status
  } catch {
    return null
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  return false
}

describe('fleet apply with the process supervisor', () => {
  let hub: TestHub
  let dir: string
  let env: NodeJS.ProcessEnv
  let ports: Ports
  let fleetText: (p: Ports, extra?: string) => string

  beforeAll(async () => {
    hub = await startTestHub({ repos: [tinyMlxRepo(), tinyGgufRepo()] })
    dir = mkdtempSync(join(tmpdir(), 'fleet-apply-'))
    const bin = join(dir, 'bin')
    mkdirSync(bin)
    const llama = await fixtureExecutable(bin, 'llama.cpp', 'llama-server')
    const mlx = await fixtureExecutable(bin, 'mlx-lm', 'mlx_lm.server')
    const ollama = await fixtureExecutable(bin, 'ollama', 'ollama')
    ports = { ollama: await freePort(), llama: await freePort(), mlx: await freePort(), web: await freePort(), slow: await freePort(), bad: await freePort() }
    env = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(dir, 'hub'), FLEET_STATE_DIR: join(dir, 'state'), HOME: join(dir, 'home') }
    fleetText = (p, extra = '') => `version: 1
defaults:
  restartThrottle: 1
engines:
  llama.cpp: { path: ${llama} }
  mlx-lm: { path: ${mlx} }
  ollama: { path: ${ollama} }
machines:
  box: { chip: m4-max, memory: 128GB, serviceManager: process }
models:
  tiny-gguf: { source: hf:test-org/Tiny-Llama-GGUF, quant: Q8_0 }
  tiny-mlx: { source: hf:test-org/Tiny-Llama-4bit }
deployments:
  llama: { machine: box, model: tiny-gguf, engine: llama.cpp, port: ${p.llama}, context: 2k }
  mlx: { machine: box, model: tiny-mlx, engine: mlx-lm, port: ${p.mlx}, context: 2k }
  small: { machine: box, model: tiny-gguf, engine: ollama, port: ${p.ollama}, context: 2k }
  web:
    machine: box
    engine: command
    port: ${p.web}
    # A bare program name: resolved on PATH at plan time, since launchd and the supervisor search none.
    options: { command: [node, ${JSON.stringify(FIXTURE_SCRIPTS.command)}, --port, "{port}"], healthUrl: "http://127.0.0.1:{port}/" }
${extra}`
    writeFileSync(join(dir, 'fleet.yaml'), fleetText(ports))
  })

  afterAll(async () => {
    await runCliAsync(['destroy', '-f', join(dir, 'fleet.yaml')], { env })
    await hub.close()
  })

  const apply = (...args: string[]) => runCliAsync(['apply', '-f', join(dir, 'fleet.yaml'), ...args], { env })
  const status = async () =>
    JSON.parse((await runCliAsync(['status', '--json', '-f', join(dir, 'fleet.yaml')], { env })).stdout) as {
      deployments: { deployment: string; pid: number | null; running: boolean; healthy: boolean; restarts: number | null }[]
    }
  const pidOf = async (name: string) => (await status()).deployments.find((d) => d.deployment === name)!.pid

  it('brings the fleet up: weights pulled, every server answering', async () => {
    const plan = await runCliAsync(['plan', '--detailed-exitcode', '-f', join(dir, 'fleet.yaml')], { env })
    expect(plan.stdout).toMatch(/Changes on box: 4 to add, 0 to change, 0 to destroy/)
    expect(plan.code).toBe(2)
    const r = await apply()
    expect(r.stderr).not.toMatch(/unexpected error|internal error/)
    expect(r.stdout).toContain('Apply complete! 4 added, 0 changed, 0 destroyed.')
    expect(r.code).toBe(0)
    expect(await answers(ports.llama, '/health')).toBe(200)
    expect(await answers(ports.web)).toBe(200)
    // Ollama: the model fleet created from the pulled GGUF is loaded.
    const ps = (await (await fetch(`http://127.0.0.1:${ports.ollama}/api/ps`)).json()) as { models: { name: string }[] }
    expect(ps.models.map((m) => m.name)).toContain('fleet-small:latest')
    expect(existsSync(join(dir, 'hub', 'models--test-org--Tiny-Llama-GGUF', 'refs', 'main'))).toBe(true)
    expect((await status()).deployments.every((d) => d.running && d.healthy)).toBe(true)
  })

  it('re-apply is a no-op and plan says so', async () => {
    const r = await apply()
    expect(r.stdout).toContain('No changes. box matches')
    expect(r.code).toBe(0)
    expect((await runCliAsync(['plan', '--detailed-exitcode', '-f', join(dir, 'fleet.yaml')], { env })).code).toBe(0)
  })

  it('applies a saved plan only while the machine is as the plan saw it', async () => {
    const saved = join(dir, 'plan.json')
    const plan = await runCliAsync(['plan', '--out', saved, '-f', join(dir, 'fleet.yaml')], { env })
    expect(plan.code).toBe(0)
    expect((await apply(saved)).stdout).toContain('No changes.')
    // A saved plan is applied as it was made: an edited one is refused before anything changes.
    const edited = JSON.parse(readFileSync(saved, 'utf8')) as { changes: { action: string; steps: unknown[] }[] }
    edited.changes[0] = { ...edited.changes[0]!, action: 'delete', steps: [{ step: 'delete', label: 'dev.fleet.llama' }] }
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(edited))
    const refused = await apply(join(dir, 'edited.json'))
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("the saved plan's changes are not the ones")
    expect(await answers(ports.llama, '/health')).toBe(200)
    // The world moves: a server stops. The saved plan no longer describes the machine.
    await runCliAsync(['destroy', '--target', 'web', '-f', join(dir, 'fleet.yaml')], { env })
    const stale = await apply(saved)
    expect(stale.code).toBe(1)
    expect(stale.stderr).toContain('the saved plan is stale')
    expect((await apply()).stdout).toContain('Apply complete! 1 added')
  })

  it("shows a deployment's logs", async () => {
    const r = await runCliAsync(['logs', 'llama', '-n', '20', '-f', join(dir, 'fleet.yaml')], { env })
    expect(r.code).toBe(0)
    expect(r.stdout.length).toBeGreaterThan(0)
    const unknown = await runCliAsync(['logs', 'lama', '-f', join(dir, 'fleet.yaml')], { env })
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('Did you mean "llama"?')
  })

  it('a port change restarts only that deployment', async () => {
    const before = { llama: await pidOf('llama'), mlx: await pidOf('mlx'), web: await pidOf('web') }
    const moved = { ...ports, web: await freePort() }
    writeFileSync(join(dir, 'fleet.yaml'), fleetText(moved))
    const plan = await runCliAsync(['plan', '-f', join(dir, 'fleet.yaml')], { env })
    expect(plan.stdout).toMatch(/~ web: engine flags changed/)
    const r = await apply()
    expect(r.stdout).toContain('Apply complete! 0 added, 1 changed, 0 destroyed.')
    ports = moved
    expect(await answers(ports.web)).toBe(200)
    expect(await pidOf('llama')).toBe(before.llama)
    expect(await pidOf('mlx')).toBe(before.mlx)
    expect(await pidOf('web')).not.toBe(before.web)
  })

  it('rolls back a server that never becomes ready, and the others keep serving', async () => {
    const bad = `  bad:
    machine: box
    engine: command
    port: ${ports.bad}
    options: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FIXTURE_SCRIPTS.command)}, --port, "{port}"], healthUrl: "http://127.0.0.1:{port}/", env: { FIXTURE_NEVER_READY: "1" } }
`
    writeFileSync(join(dir, 'fleet.yaml'), fleetText(ports, bad))
    const r = await apply('--ready-timeout', '2')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/bad did not become ready: .*removed it again/)
    expect(r.stdout).toMatch(/1 failed \(bad\)/)
    expect((await status()).deployments.find((d) => d.deployment === 'bad')!.running).toBe(false)
    expect(await answers(ports.llama, '/health')).toBe(200)
    expect(await answers(ports.web)).toBe(200)
    writeFileSync(join(dir, 'fleet.yaml'), fleetText(ports))
  })

  it('a server killed with SIGKILL comes back', async () => {
    const pid = (await pidOf('llama'))!
    process.kill(pid, 'SIGKILL')
    expect(
      await until(async () => {
        const p = await pidOf('llama')
        return p !== null && p !== pid && (await answers(ports.llama, '/health')) === 200
      }, 10_000),
    ).toBe(true)
    expect((await status()).deployments.find((d) => d.deployment === 'llama')!.restarts).toBeGreaterThanOrEqual(1)
  })

  const slowDeployment = (): string => `  slow:
    machine: box
    engine: command
    port: ${ports.slow}
    options: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FIXTURE_SCRIPTS.command)}, --port, "{port}"], healthUrl: "http://127.0.0.1:{port}/", env: { FIXTURE_LOAD_MS: "1500" } }
`

  it('an apply killed midway is converged by the next one', async () => {
    writeFileSync(join(dir, 'fleet.yaml'), fleetText(ports, slowDeployment()))
    const child = spawn(process.execPath, [BIN, 'apply', '-f', join(dir, 'fleet.yaml')], { env: { PATH: process.env.PATH, NO_COLOR: '1', ...env }, stdio: 'ignore' })
    // Kill it once the slow service is installed and apply is waiting for it to answer.
    expect(await until(async () => existsSync(join(dir, 'state', 'supervisor', 'services', 'dev.fleet.slow.json')), 10_000)).toBe(true)
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const r = await apply()
    expect(r.code).toBe(0)
    expect(await answers(ports.slow)).toBe(200)
    expect((await runCliAsync(['plan', '--detailed-exitcode', '-f', join(dir, 'fleet.yaml')], { env })).code).toBe(0)
  })

  it('Ctrl-C while a changed server loads rolls it back to what ran, releases the lock and exits 130', async () => {
    const before = await pidOf('web')
    expect(await answers(ports.web)).toBe(200)
    // web gets a definition whose server never becomes ready; apply is interrupted while it waits for it.
    const declared = fleetText(ports, slowDeployment())
    const hanging = declared.replace('healthUrl: "http://127.0.0.1:{port}/" }', 'healthUrl: "http://127.0.0.1:{port}/", env: { FIXTURE_NEVER_READY: "1" } }')
    expect(hanging).not.toBe(declared)
    writeFileSync(join(dir, 'fleet.yaml'), hanging)
    const child = spawn(process.execPath, [BIN, 'apply', '-f', join(dir, 'fleet.yaml')], { env: { PATH: process.env.PATH, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    const definition = join(dir, 'state', 'supervisor', 'services', 'dev.fleet.web.json')
    expect(await until(async () => existsSync(definition) && readFileSync(definition, 'utf8').includes('FIXTURE_NEVER_READY') && output.includes('waiting for web'), 20_000)).toBe(true)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(output).toMatch(/web was interrupted before it became ready; rolled back to the definition that was running before/)
    expect(output).toMatch(/Apply interrupted:/)
    // The old definition runs and answers again; the declared change is still pending.
    expect(readFileSync(definition, 'utf8')).not.toContain('FIXTURE_NEVER_READY')
    expect(await until(async () => (await answers(ports.web)) === 200, 10_000)).toBe(true)
    expect(await pidOf('web')).not.toBe(before)
    expect((await runCliAsync(['plan', '--detailed-exitcode', '-f', join(dir, 'fleet.yaml')], { env })).code).toBe(2)
    // The lock was released: the next apply runs (and finds nothing to do once fleet.yaml is back).
    writeFileSync(join(dir, 'fleet.yaml'), declared)
    const r = await apply()
    expect(r.stderr).not.toContain('another fleet apply is running')
    expect(r.stdout).toContain('No changes.')
  })

  it('destroy leaves nothing running', async () => {
    const pids = (await status()).deployments.map((d) => d.pid).filter((p): p is number => p !== null)
    const r = await runCliAsync(['destroy', '-f', join(dir, 'fleet.yaml')], { env })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Destroy complete! 5 removed; weights kept/)
    for (const port of [ports.ollama, ports.llama, ports.mlx, ports.web, ports.slow]) expect(await answers(port)).toBeNull()
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    expect(await until(async () => pids.every((p) => !alive(p)), 10_000)).toBe(true)
    const supervisorPid = join(dir, 'state', 'supervisor', 'supervisor.pid')
    expect(await until(async () => !existsSync(supervisorPid) || !alive(Number(readFileSync(supervisorPid, 'utf8').trim())), 10_000)).toBe(true)
    // Weights stay.
    expect(existsSync(join(dir, 'hub', 'models--test-org--Tiny-Llama-GGUF'))).toBe(true)
  })
})
