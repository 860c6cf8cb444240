/**
 * The built CLI, spawned as a user runs it: `kill -9` in the middle of a download and a second run resumes with a
 * Range request past byte 0; two pulls started together both succeed with each file downloaded once.
 * Needs `npm run build` first (npm test does it).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN } from '../support/cli.ts'
import { type TestHub, startTestHub } from '../support/hub-server.ts'
import { tinyMlxRepo } from '../support/tiny-models.ts'
import { noise, tempDir } from './helpers.ts'

const REPO = 'test-org/Big-Tokenizer-4bit'
const FOLDER = 'models--test-org--Big-Tokenizer-4bit'
const tokenizer = noise(1024 * 1024, 9)
const tokenizerSha = createHash('sha256').update(tokenizer).digest('hex')

const FLEET = `version: 1
machines:
  local: { chip: m4-max, memory: 128GB, gpuCores: 40 }
models:
  tiny: { source: hf:${REPO} }
deployments:
  a: { machine: local, model: tiny, engine: mlx-lm, port: 8080, context: 2k }
`

interface Run {
  child: ChildProcess
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>
}

/** spawn, not spawnSync: the test Hub lives in this process and must keep answering while the CLI runs. */
function start(args: string[], env: NodeJS.ProcessEnv, cwd: string): Run {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  return { child, done }
}

function sidecarBytes(cache: string): number {
  try {
    const sidecar = JSON.parse(readFileSync(join(cache, FOLDER, 'blobs', `${tokenizerSha}.incomplete.json`), 'utf8')) as { ranges: [number, number][] }
    return sidecar.ranges.reduce((s, [a, b]) => s + (b - a), 0)
  } catch {
    return 0
  }
}

describe('fleet pull (spawned)', () => {
  let hub: TestHub
  beforeAll(async () => {
    const base = tinyMlxRepo(REPO)
    const files = base.commits[0]!.files.map((f) => (f.path === 'tokenizer.json' ? { ...f, content: tokenizer } : f))
    hub = await startTestHub({ repos: [{ ...base, commits: [{ files }] }] })
  })
  afterAll(async () => hub.close())

  it('resumes after kill -9 with a Range request past byte 0', async () => {
    const dir = tempDir('fleet-kill-')
    const cache = join(dir, 'cache')
    writeFileSync(join(dir, 'fleet.yaml'), FLEET)
    const env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, HF_HOME: join(dir, 'hf'), HOME: dir }
    hub.setThrottle({ bytesPerSecond: 512 * 1024, chunkBytes: 32 * 1024, path: /file=tokenizer\.json/ })
    const first = start(['pull'], env, dir)
    // Kill once the sidecar records bytes on disk (bounded: the whole file would take 2 s at this rate).
    for (let i = 0; i < 200 && sidecarBytes(cache) === 0; i++) await delay(25)
    const held = sidecarBytes(cache)
    expect(held).toBeGreaterThan(0)
    first.child.kill('SIGKILL')
    const killed = await first.done
    expect(killed.signal).toBe('SIGKILL')
    expect(held).toBeLessThan(tokenizer.byteLength)

    hub.setThrottle(undefined)
    const mark = hub.requests.length
    const second = await start(['pull'], env, dir).done
    expect(second.stderr).toBe('')
    expect(second.code).toBe(0)
    const ranges = hub.requests
      .slice(mark)
      .filter((r) => r.server === 'cdn' && r.path.includes('file=tokenizer.json'))
      .map((r) => r.range)
    expect(ranges).toHaveLength(1)
    const from = Number(/^bytes=(\d+)-/.exec(ranges[0] ?? '')?.[1])
    expect(from).toBeGreaterThanOrEqual(held)
    expect(second.stdout).toMatch(/tiny {2}tokenizer\.json {2}downloading 1\.0 MiB \(resuming at \d+\.\d KiB\)/)
    expect(readFileSync(join(cache, FOLDER, 'blobs', tokenizerSha)).equals(tokenizer)).toBe(true)
  })

  it('two pulls started together both succeed, and each file is downloaded once', async () => {
    const dir = tempDir('fleet-twice-')
    const cache = join(dir, 'cache')
    writeFileSync(join(dir, 'fleet.yaml'), FLEET)
    const env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, HF_HOME: join(dir, 'hf'), HOME: dir }
    hub.setThrottle({ bytesPerSecond: 4 * 1024 * 1024, chunkBytes: 64 * 1024, path: /file=tokenizer\.json/ })
    const mark = hub.requests.length
    const [a, b] = await Promise.all([start(['pull'], env, dir).done, start(['pull'], env, dir).done])
    hub.setThrottle(undefined)
    expect([a.code, b.code, a.stderr + b.stderr]).toEqual([0, 0, expect.not.stringMatching(/error/)])
    const gets = hub.requests.slice(mark).filter((r) => r.method === 'GET')
    expect(gets.filter((r) => r.server === 'cdn' && r.path.includes('file=tokenizer.json'))).toHaveLength(1)
    expect(gets.filter((r) => r.path.endsWith('/tokenizer_config.json'))).toHaveLength(1)
    expect(readFileSync(join(cache, FOLDER, 'blobs', tokenizerSha)).equals(tokenizer)).toBe(true)
    expect(`${a.stdout}${b.stdout}`).toMatch(/tokenizer\.json {2}(waiting for another fleet process|downloaded by another process|cached)/)
  })
})
