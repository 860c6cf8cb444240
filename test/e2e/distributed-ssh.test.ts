/**
 * A deployment across two machines, through the built CLI, on real ssh hosts (test/support/ssh-hosts.ts): the control
 * point plans both parts, apply pulls the model into each host's own cache first, then starts the head's launcher — the
 * mlx.launch fixture, which reads the hostfile fleet rendered and starts one mlx_lm.server rank per host, the remote one
 * over ssh -tt — and health-checks rank 0 on the head's port, which answers only once both ranks have joined. Killing
 * the remote rank brings the whole deployment down; a change whose rank fails to load is rolled back as one unit.
 */
import { readdirSync, readFileSync, writeFileSync, chmodSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, runCliAsync } from '../support/cli.ts'
import { FIXTURE_DIR, fixtureExecutable, freePort } from '../support/engine-fixtures/index.ts'
import { startTestHub, type TestHub } from '../support/hub-server.ts'
import { processesOnHost, sshAvailable, startSshLab, type SshLab } from '../support/ssh-hosts.ts'
import { tinyGgufRepo, tinyMlxRepo } from '../support/tiny-models.ts'

const HOSTS = ['ultra-a', 'ultra-b'] as const
const REPO = 'test-org/Tiny-Llama-4bit'

async function completes(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default_model', prompt: 'Hi', max_tokens: 1 }),
      signal: AbortSignal.timeout(1500),
    })
    await r.body?.cancel()
    return r.ok
  } catch {
    return false
  }
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 200))
  }
  return false
}

/** Processes of the test host `host` (sshd SetEnv FLEET_TEST_HOST) that are mlx_lm.server ranks, with their rank. */
function ranksOn(host: string): { pid: number; rank: string }[] {
  return processesOnHost(host).flatMap(({ pid, argv, environ }) => {
    const rank = environ.find((e) => e.startsWith('MLX_RANK='))
    return rank && argv.includes('mlx-lm-server.mjs') ? [{ pid, rank: rank.slice('MLX_RANK='.length) }] : []
  })
}

describe.skipIf(!sshAvailable() && process.env.CI === undefined)('a deployment across machines over ssh (mlx.launch)', () => {
  let lab: SshLab
  let hub: TestHub
  let dir: string
  let env: NodeJS.ProcessEnv
  let port: number
  let ringPort: number
  let llamaPort: number
  let rpcPort: number
  let fleetText: (extra?: string) => string
  const file = (): string => join(dir, 'fleet.yaml')
  const cli = (...args: string[]) => runCliAsync([...args, '-f', file()], { env, timeoutMs: 120_000 })

  beforeAll(async () => {
    hub = await startTestHub({ repos: [tinyMlxRepo(REPO), tinyGgufRepo()] })
    lab = await startSshLab(HOSTS, join(ROOT, 'bin', 'fleet.js'))
    dir = mkdtempSync(join(tmpdir(), 'fleet-distributed-'))
    // One engine path on every host (mlx.launch runs the same command on each rank): mlx_lm.server and mlx.launch.
    const bin = join(dir, 'venv', 'bin')
    mkdirSync(bin, { recursive: true })
    const server = await fixtureExecutable(bin, 'mlx-lm', 'mlx_lm.server')
    // llama.cpp's release layout: rpc-server next to llama-server.
    const llama = await fixtureExecutable(bin, 'llama.cpp', 'llama-server')
    const rpcServer = join(bin, 'rpc-server')
    writeFileSync(rpcServer, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(FIXTURE_DIR, 'rpc-server.mjs'))} "$@"\n`)
    chmodSync(rpcServer, 0o755)
    const launcher = join(bin, 'mlx.launch')
    writeFileSync(launcher, `#!/bin/sh\nFIXTURE_SSH=${JSON.stringify(lab.ssh)} exec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(FIXTURE_DIR, 'mlx-launch.mjs'))} "$@"\n`)
    chmodSync(launcher, 0o755)
    port = await freePort()
    ringPort = await freePort()
    llamaPort = await freePort()
    rpcPort = await freePort()
    env = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HF_ENDPOINT: hub.url, FLEET_STATE_DIR: join(dir, 'control-state'), HOME: join(dir, 'home'), ...lab.env }
    const host = (name: string) => lab.hosts.find((h) => h.name === name)!
    fleetText = (extra = '') => `version: 1
defaults:
  restartThrottle: 1
engines:
  mlx-lm: { path: ${server} }
  llama.cpp: { path: ${llama} }
machines:
${HOSTS.map((h) => `  ${h}: { chip: m4-max, memory: ${h === 'ultra-a' ? 128 : 64}GB, serviceManager: process, host: ${h}, fleetPath: ${JSON.stringify(host(h).fleetPath)} }`).join('\n')}
links:
  wire: { between: [ultra-a, ultra-b], kind: ethernet-10g, addresses: { ultra-a: 127.0.0.1, ultra-b: 127.0.0.1 } }
models:
  tiny: { source: hf:${REPO} }
  gguf: { source: hf:test-org/Tiny-Llama-GGUF, quant: Q8_0 }
deployments:
  chat: { machines: [ultra-a, ultra-b], model: gguf, engine: llama.cpp, port: ${llamaPort}, context: 2k, options: { rpcPort: ${rpcPort} } }
  big: { machines: [ultra-a, ultra-b], model: tiny, engine: mlx-lm, parallelism: tensor, port: ${port}, context: 2k, options: { startingPort: ${ringPort}${extra} } }
`
    writeFileSync(file(), fleetText())
  }, 60_000)

  afterAll(async () => {
    if (env) await cli('destroy')
    await lab?.close()
    await hub?.close()
  }, 60_000)

  it('plan shows the head and the rank, each on its machine', async () => {
    const plan = await cli('plan', '--json')
    expect(plan.stderr).not.toMatch(/internal error/)
    const json = JSON.parse(plan.stdout) as {
      deployments: { name: string; distributed: { tensorSplit: number[] | null } | null }[]
      changes: { machine: string; name: string; action: string; rank?: { role: string; rank: number }; service: { files?: { content: string }[] } | null }[]
    }
    const big = json.changes.filter((c) => c.name === 'big')
    expect(big.map((c) => [c.machine, c.action, c.rank?.role, c.rank?.rank])).toEqual([
      ['ultra-a', 'create', 'head', 0],
      ['ultra-b', 'create', 'rank', 1],
    ])
    // llama.cpp: an rpc-server service on the worker, bound to its link address; the head names it and the split.
    const chat = json.changes.filter((c) => c.name === 'chat')
    expect(chat.map((c) => [c.machine, c.action, c.rank?.role])).toEqual([
      ['ultra-a', 'create', 'head'],
      ['ultra-b', 'create', 'rank'],
    ])
    const headArgs = (chat[0]!.service as unknown as { spec: { args: string[] } }).spec.args
    // The plan's split, in llama.cpp's device order: the RPC worker (64 GB) first, the head's own GPU (128 GB) last.
    const split = json.deployments.find((d) => d.name === 'chat')!.distributed!.tensorSplit!
    expect(split[0]!).toBeLessThan(split[1]!)
    expect(headArgs.slice(headArgs.indexOf('--rpc'), headArgs.indexOf('--rpc') + 6)).toEqual([
      '--rpc',
      `127.0.0.1:${rpcPort}`,
      '--tensor-split',
      split.map((x) => Math.round(x)).join(','),
      '-ngl',
      '999',
    ])
    const worker = (chat[1]!.service as unknown as { spec: { program: string; args: string[] } }).spec
    expect([worker.program.endsWith('/rpc-server'), worker.args]).toEqual([true, ['-H', '127.0.0.1', '-p', String(rpcPort), '-c']])
    // The hostfile as mlx.launch's Hostfile.from_file reads it: rank 0 in place, the other by its host, IPs from the link.
    const hostfile = JSON.parse(big[0]!.service!.files![0]!.content) as unknown
    expect(hostfile).toEqual({
      backend: 'ring',
      envs: ['HF_HUB_OFFLINE=1', 'HF_HUB_DISABLE_TELEMETRY=1'],
      hosts: [
        { ssh: '127.0.0.1', ips: ['127.0.0.1'], rdma: [] },
        { ssh: 'ultra-b', ips: ['127.0.0.1'], rdma: [] },
      ],
    })
  }, 60_000)

  it('probe reaches both machines over ssh and says where each figure came from', async () => {
    const r = await cli('probe', '--json')
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as { machines: { machine: string; memoryBytes: { source: string }; cache: { path: string } }[] }
    expect(doc.machines.map((m) => m.machine)).toEqual([...HOSTS])
    // Each host probes its own cache (sshd SetEnv gives each its own HF_HUB_CACHE).
    expect(doc.machines.map((m) => m.cache.path)).toEqual(lab.hosts.map((h) => h.hubCache))
    expect(doc.machines[0]!.memoryBytes.source).toBe('/proc/meminfo (MemTotal)')
  }, 60_000)

  it('apply pulls the model on both machines, then starts both ranks from the head; rank 0 answers', async () => {
    const r = await cli('apply')
    expect(r.stderr).not.toMatch(/internal error/)
    expect(r.stdout).toMatch(/ultra-b +│ .*pulling test-org\/Tiny-Llama-4bit@\w+ for rank 1 of 2 \(started by ultra-a\)/)
    expect(r.stdout).toContain('Apply complete on every machine: ultra-a, ultra-b.')
    expect(r.code).toBe(0)
    for (const h of lab.hosts) expect(readdirSync(join(h.hubCache, 'models--test-org--Tiny-Llama-4bit', 'snapshots'))).toHaveLength(1)
    expect(await completes(port)).toBe(true)
    // One rank per machine: rank 1 was started over ssh on ultra-b (its environment is that sshd's).
    expect(ranksOn('ultra-b').map((p) => p.rank)).toEqual(['1'])
    const health = await fetch(`http://127.0.0.1:${llamaPort}/health`)
    expect(health.status).toBe(200)
    const status = await cli('status')
    expect(status.stdout).toMatch(/\nchat +llama\.cpp +running \(head of 2 ranks: ultra-a, ultra-b\)/)
    expect(status.stdout).toMatch(/\nchat +llama\.cpp +running \(rpc-server for ultra-a\)/)
    expect(status.stdout).toMatch(/\nbig +mlx-lm +running \(head of 2 ranks: ultra-a, ultra-b\)/)
    expect(status.stdout).toMatch(/ultra-b \(process\)\n(.*\n)*big +mlx-lm +rank 1 of 2, started by ultra-a/)
    expect(status.code).toBe(0)
  }, 120_000)

  it('bench measures the head over ssh, on the head (rank 0 serves; the stand-ins stream at a known rate)', async () => {
    const r = await cli('bench', 'big', '--lengths', '64', '--max-tokens', '8', '--repetitions', '1', '--json')
    expect(r.stderr).not.toMatch(/internal error/)
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as { machines: { machine: string; results: { deployment: string; points: { decodeTokensPerSecond: { mean: number } }[] }[] }[] }
    expect(doc.machines.map((m) => [m.machine, m.results.map((x) => x.deployment)])).toEqual([['ultra-a', ['big']]])
    expect(doc.machines[0]!.results[0]!.points[0]!.decodeTokensPerSecond.mean).toBeGreaterThan(0)
  }, 60_000)

  it('re-apply changes nothing on either machine', async () => {
    const r = await cli('apply')
    for (const h of HOSTS) expect(r.stdout).toMatch(new RegExp(`${h} +│ No changes. ${h} matches`))
    expect(r.code).toBe(0)
  }, 120_000)

  it('a rank whose cache ref no longer names the locked commit pulls again (mlx-lm loads by repo id at refs/main)', async () => {
    const ultraB = lab.hosts.find((h) => h.name === 'ultra-b')!
    const ref = join(ultraB.hubCache, 'models--test-org--Tiny-Llama-4bit', 'refs', 'main')
    const commit = readFileSync(ref, 'utf8')
    writeFileSync(ref, 'f'.repeat(40))
    const plan = await cli('plan')
    expect(plan.stdout).toMatch(/\+ big: .*rank 1 of 2, started by ultra-a/)
    const r = await cli('apply')
    expect(r.stdout).toMatch(/ultra-b +│ Apply complete! 1 added/)
    expect(readFileSync(ref, 'utf8')).toBe(commit)
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0)
  }, 120_000)

  it('killing the remote rank brings the deployment down (mlx.launch stops every rank); apply starts it again', async () => {
    const [rank] = ranksOn('ultra-b')
    expect(rank).toBeDefined()
    process.kill(rank!.pid, 'SIGKILL')
    expect(await eventually(async () => !(await completes(port)), 15_000)).toBe(true)
    // mlx.launch returns 0 once it has stopped the other ranks, so the service manager (restart on failure) leaves it
    // stopped: plan sees it, and apply starts every rank again.
    expect(await eventually(async () => ranksOn('ultra-b').length === 0, 15_000)).toBe(true)
    const plan = await cli('plan')
    expect(plan.stdout).toMatch(/~ big/)
    const r = await cli('apply')
    expect(r.stdout).toMatch(/ultra-a +│ Apply complete! 0 added, 1 changed/)
    expect(r.code).toBe(0)
    expect(await completes(port)).toBe(true)
    expect(ranksOn('ultra-b').map((p) => p.rank)).toEqual(['1'])
  }, 120_000)

  it('killing a worker’s rpc-server brings the llama.cpp head down; both service managers bring the deployment back', async () => {
    const status = JSON.parse((await cli('status', '--json', '--machine', 'ultra-b')).stdout) as { deployments: { deployment: string; pid: number }[] }
    const pid = status.deployments.find((d) => d.deployment === 'chat')!.pid
    process.kill(pid, 'SIGKILL')
    const answers = async (): Promise<boolean> => {
      try {
        const r = await fetch(`http://127.0.0.1:${llamaPort}/health`, { signal: AbortSignal.timeout(1500) })
        await r.body?.cancel()
        return r.ok
      } catch {
        return false
      }
    }
    expect(await eventually(async () => !(await answers()), 15_000)).toBe(true)
    expect(await eventually(answers, 45_000)).toBe(true)
  }, 90_000)

  it('a change whose rank fails to load is rolled back as one unit: the previous launcher serves again', async () => {
    writeFileSync(file(), fleetText(", args: ['--fixture-rank-crash', '1']"))
    const r = await cli('apply', '--ready-timeout', '8')
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/ultra-a +│ .*big did not become ready.*rolled back to the definition that was running before/)
    expect(r.stdout).toMatch(/failed while loading its shard/)
    expect(await eventually(() => completes(port), 30_000)).toBe(true)
    // The failed attempt's ranks are gone with it: one rank on ultra-b, the restored one.
    expect(await eventually(async () => ranksOn('ultra-b').length === 1, 15_000)).toBe(true)
    writeFileSync(file(), fleetText())
    expect((await cli('apply')).code).toBe(0)
  }, 120_000)
})
