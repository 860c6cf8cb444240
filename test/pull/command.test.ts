/**
 * `fleet pull` in-process against the test Hub: resolves and pins models like plan, downloads them, prints one line
 * (or JSON object) per event, and exits 1 naming what failed.
 */
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { PassThrough } from 'node:stream'
import { join } from 'node:path'
import { ProcessOutput } from 'listr2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pull, type PullCommandOptions } from '../../src/commands/pull.ts'
import { UserError } from '../../src/errors.ts'
import { captureIo } from '../support/io.ts'
import { type TestHub, startTestHub } from '../support/hub-server.ts'
import { tinyGgufRepo, tinyMlxRepo } from '../support/tiny-models.ts'
import { tempDir } from './helpers.ts'

const TOKEN = 'hf_command_granted_123'
const WRONG = 'hf_command_wrong_secret_456'

const FLEET = `version: 1
machines:
  local: { chip: m4-max, memory: 128GB, gpuCores: 40 }
models:
  tiny-mlx: { source: hf:test-org/Tiny-Llama-4bit }
  tiny-gguf: { source: hf:test-org/Tiny-Llama-GGUF, quant: Q8_0 }
  spare: { source: hf:test-org/Tiny-Llama-GGUF, quant: Q8_0 }
  gated: { source: hf:test-org/Gated-GGUF, quant: Q8_0 }
  known: { source: hf:mlx-community/Qwen3-32B-8bit }
deployments:
  a: { machine: local, model: tiny-mlx, engine: mlx-lm, port: 8080, context: 2k }
  b: { machine: local, model: tiny-gguf, engine: llama.cpp, port: 8081, context: 2k }
`

const capture = (env: NodeJS.ProcessEnv, isTTY = false) => captureIo(env, isTTY)

describe('fleet pull', () => {
  let hub: TestHub
  let dir: string
  let cache: string
  const env = (): NodeJS.ProcessEnv => ({ HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, HF_HOME: join(dir, 'hf-home') })
  const run = (over: Partial<PullCommandOptions> = {}, e: NodeJS.ProcessEnv = env(), isTTY = false) => {
    const c = capture(e, isTTY)
    const options: PullCommandOptions = { file: 'fleet.yaml', models: [], json: false, offline: false, cwd: dir, hubOptions: { sleep: async () => {} }, ...over }
    return { c, code: pull(options, c.io) }
  }

  beforeAll(async () => {
    const gated = { ...tinyGgufRepo('test-org/Gated-GGUF'), gated: 'auto' as const }
    hub = await startTestHub({ repos: [tinyMlxRepo(), tinyGgufRepo(), gated], token: TOKEN })
    dir = tempDir('fleet-pullcmd-')
    cache = join(dir, 'cache')
    writeFileSync(join(dir, 'fleet.yaml'), FLEET)
  })
  afterAll(async () => hub.close())

  it('pins the deployed models in fleet.lock, downloads them, and prints JSON lines', async () => {
    const { c, code } = run({ json: true })
    expect(await code).toBe(0)
    const lines = c
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const summary = lines.at(-1) as { event: string; ok: boolean; models: { name: string; commit: string; snapshot: string; files: { path: string; status: string }[] }[] }
    expect(summary.event).toBe('summary')
    expect(summary.ok).toBe(true)
    expect(summary.models.map((m) => m.name)).toEqual(['tiny-mlx', 'tiny-gguf'])
    expect(summary.models[0]!.files.map((f) => [f.path, f.status])).toEqual([
      ['config.json', 'downloaded'],
      ['model.safetensors', 'downloaded'],
      ['tokenizer.json', 'downloaded'],
      ['tokenizer_config.json', 'downloaded'],
    ])
    expect(lines.filter((l) => l.event === 'start').map((l) => l.path)).toContain('Tiny-Llama-Q8_0.gguf')
    expect(lines.find((l) => l.event === 'done' && l.path === 'model.safetensors')).toMatchObject({ model: 'tiny-mlx', repo: 'test-org/Tiny-Llama-4bit' })

    const lock = JSON.parse(readFileSync(join(dir, 'fleet.lock'), 'utf8')) as { models: Record<string, { facts: { commit: string } }> }
    expect(Object.keys(lock.models).sort()).toEqual(['tiny-gguf', 'tiny-mlx'])
    const snapshot = join(cache, 'models--test-org--Tiny-Llama-GGUF', 'snapshots', lock.models['tiny-gguf']!.facts.commit)
    expect(readlinkSync(join(snapshot, 'Tiny-Llama-Q8_0.gguf'))).toMatch(/^\.\.\/\.\.\/blobs\/[0-9a-f]{64}$/)
    // Only the files the engine loads: not the F16 file, not the README.
    expect(existsSync(join(snapshot, 'Tiny-Llama-F16.gguf'))).toBe(false)
    expect(readFileSync(join(cache, 'models--test-org--Tiny-Llama-4bit', 'refs', 'main'), 'utf8')).toBe(lock.models['tiny-mlx']!.facts.commit)
  })

  it('a second pull downloads nothing and says so in plain lines', async () => {
    hub.requests.length = 0
    const { c, code } = run()
    expect(await code).toBe(0)
    expect(hub.requests.filter((r) => r.path.includes('/resolve/') || r.server === 'cdn')).toEqual([])
    expect(c.out()).toContain('tiny-mlx  model.safetensors  cached')
    expect(c.out()).toMatch(/✓ tiny-mlx {2}0 downloaded \(0 B\), 4 already cached {2}→ .*snapshots\/[0-9a-f]{40}\n/)
  })

  it('a named model that no deployment uses is pinned and pulled alone', async () => {
    const { c, code } = run({ models: ['spare'], json: true })
    expect(await code).toBe(0)
    const summary = JSON.parse(c.out().trim().split('\n').at(-1)!) as { models: { name: string }[] }
    expect(summary.models.map((m) => m.name)).toEqual(['spare'])
    expect(Object.keys((JSON.parse(readFileSync(join(dir, 'fleet.lock'), 'utf8')) as { models: object }).models)).toContain('spare')
  })

  it('an unknown model name is a usage error with a suggestion', async () => {
    await expect(run({ models: ['tiny-mxl'] }).code).rejects.toThrow(UserError)
    await expect(run({ models: ['tiny-mxl'] }).code).rejects.toMatchObject({ hint: 'Did you mean "tiny-mlx"?' })
  })

  it('catalog-only facts are refused: pull needs the file list from the Hub', async () => {
    const { c, code } = run({ models: ['known'], offline: true })
    expect(await code).toBe(1)
    expect(c.err()).toContain('known: fleet.lock has no file list for mlx-community/Qwen3-32B-8bit (fleet only knows its architecture from the built-in catalog)')
    expect(c.err()).toContain('hint: Run fleet pull (or fleet plan) with network access')
  })

  it('offline, a locked model that is not in the cache fails naming the file', async () => {
    const other = join(dir, 'empty-cache')
    const { c, code } = run({ models: ['tiny-gguf'], offline: true, cacheDir: other })
    expect(await code).toBe(1)
    expect(c.err()).toContain('error tiny-gguf: Tiny-Llama-Q8_0.gguf of test-org/Tiny-Llama-GGUF is not in the cache, and fleet is offline (--offline)')
    // Offline and cached: fine, no request.
    hub.requests.length = 0
    const cached = run({ models: ['tiny-gguf'], offline: true })
    expect(await cached.code).toBe(0)
    expect(hub.requests).toEqual([])
  })

  it('a gated model: the error names the repo and never shows the token', async () => {
    const anonymous = run({ models: ['gated'] })
    expect(await anonymous.code).toBe(1)
    expect(anonymous.c.err()).toMatch(/test-org\/Gated-GGUF is a gated model/)
    const wrong = run({ models: ['gated'], json: true }, { ...env(), HF_TOKEN: WRONG })
    expect(await wrong.code).toBe(1)
    const all = wrong.c.out() + wrong.c.err()
    expect(all).toMatch(/not been granted access to the gated model test-org\/Gated-GGUF/)
    expect(all).not.toContain(WRONG)
  })

  it('not enough disk: one clear error before the first byte', async () => {
    hub.requests.length = 0
    const { code } = run({ cacheDir: join(dir, 'other-cache'), freeBytes: async () => 10 })
    await expect(code).rejects.toThrow(/^fleet pull \(tiny-mlx, tiny-gguf\) needs .* more in .*other-cache, but its volume has only 10 B free$/)
    expect(hub.requests.filter((r) => r.server === 'cdn' || r.path.includes('/resolve/'))).toEqual([])
  })

  it('on a terminal, listr2 shows one row per file', async () => {
    const stream = new PassThrough()
    let text = ''
    stream.on('data', (d: Buffer) => (text += d.toString()))
    const output = new ProcessOutput(stream as unknown as NodeJS.WriteStream, stream as unknown as NodeJS.WriteStream)
    const { c, code } = run({ cacheDir: join(dir, 'tty-cache'), listr: { renderer: 'simple', processOutput: output } }, env(), true)
    expect(await code).toBe(0)
    expect(text).toContain('tiny-mlx  test-org/Tiny-Llama-4bit@')
    expect(text).toMatch(/model\.safetensors {2}.* in \d+\.\d s, verified/)
    expect(text).toContain('Tiny-Llama-Q8_0.gguf')
    expect(c.out()).toMatch(/✓ tiny-gguf {2}1 downloaded/)
  })
})
