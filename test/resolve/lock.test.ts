/** fleet.lock: pinning, determinism, moved revisions, edits to fleet.yaml — against the local test Hub. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lock } from '../../src/commands/lock.ts'
import { plan } from '../../src/commands/plan.ts'
import type { PlanDocument } from '../../src/plan/types.ts'
import type { Lock } from '../../src/resolve/lock.ts'
import { captureIo } from '../support/io.ts'
import { gitBlobSha1, sha256Hex } from '../support/hub-repo.ts'
import { startTestHub, type TestHub } from '../support/hub-server.ts'
import { tinyGgufRepo, tinyMlxRepo } from '../support/tiny-models.ts'

const capture = (env: NodeJS.ProcessEnv) => captureIo(env)

const FLEET = `version: 1
machines:
  local: { chip: m4-max, memory: 128GB }
models:
  tiny-mlx: { source: hf:test-org/Tiny-Llama-4bit }
  tiny-gguf: { source: hf:test-org/Tiny-Llama-GGUF, quant: Q8_0 }
deployments:
  a: { machine: local, model: tiny-mlx, engine: mlx-lm, port: 8080, context: 2k }
`

describe('fleet lock', () => {
  let hub: TestHub
  const mlxRepo = tinyMlxRepo()
  const ggufRepo = tinyGgufRepo()
  beforeAll(async () => {
    hub = await startTestHub({ repos: [mlxRepo, ggufRepo] })
  })
  afterAll(async () => hub.close())

  const setup = (): { dir: string; env: NodeJS.ProcessEnv; readLockFile: () => string } => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-lock-'))
    writeFileSync(join(dir, 'fleet.yaml'), FLEET)
    return { dir, env: { HF_ENDPOINT: hub.url }, readLockFile: () => readFileSync(join(dir, 'fleet.lock'), 'utf8') }
  }

  it("pins every declared model with each file's size and the Hub's hash, deterministically", async () => {
    const { dir, env, readLockFile } = setup()
    const run = capture(env)
    expect(await lock({ file: 'fleet.yaml', models: [], update: false, json: false, cwd: dir }, run.io)).toBe(0)
    expect(run.out()).toContain('wrote fleet.lock')
    const text = readLockFile()
    const parsed = JSON.parse(text) as Lock
    expect(Object.keys(parsed.models)).toEqual(['tiny-gguf', 'tiny-mlx']) // sorted; the unused model is pinned too
    const files = parsed.models['tiny-mlx']!.facts.weights.files
    const content = (path: string): Uint8Array => {
      const c = mlxRepo.commits[0]!.files.find((f) => f.path === path)!.content
      if (typeof c === 'string') return new TextEncoder().encode(c)
      if (!(c instanceof Uint8Array)) throw new Error(`${path} is sparse`)
      return c
    }
    expect(files.find((f) => f.path === 'model.safetensors')).toEqual({
      path: 'model.safetensors',
      bytes: content('model.safetensors').length,
      sha256: sha256Hex(content('model.safetensors')),
      gitOid: expect.stringMatching(/^[0-9a-f]{40}$/),
    })
    expect(files.find((f) => f.path === 'config.json')).toEqual({ path: 'config.json', bytes: content('config.json').length, sha256: null, gitOid: gitBlobSha1(content('config.json')) })
    // A second run changes nothing, byte for byte.
    const again = capture(env)
    expect(await lock({ file: 'fleet.yaml', models: [], update: false, json: false, cwd: dir }, again.io)).toBe(0)
    expect(again.out()).toContain('fleet.lock is up to date')
    expect(readLockFile()).toBe(text)
  })

  it('keeps a moved branch pinned until fleet lock --update', async () => {
    const { dir, env, readLockFile } = setup()
    await lock({ file: 'fleet.yaml', models: [], update: false, json: true, cwd: dir }, capture(env).io)
    const oldCommit = (JSON.parse(readLockFile()) as Lock).models['tiny-mlx']!.facts.commit
    // A new commit lands on main.
    const moved = { ...mlxRepo, commits: [{ ...mlxRepo.commits[0]!, refs: [] }, { files: [...mlxRepo.commits[0]!.files, { path: 'generation_config.json', content: '{"temperature": 0.6}' }] }] }
    hub.setRepos([moved, ggufRepo])
    try {
      const run = capture(env)
      await plan({ file: 'fleet.yaml', json: true, offline: false, cwd: dir }, run.io)
      expect((JSON.parse(run.out()) as PlanDocument).models.find((m) => m.name === 'tiny-mlx')!.commit).toBe(oldCommit)
      const update = capture(env)
      expect(await lock({ file: 'fleet.yaml', models: ['tiny-mlx'], update: true, json: true, cwd: dir }, update.io)).toBe(0)
      const rows = (JSON.parse(update.out()) as { models: { name: string; status: string; commit: string }[] }).models
      expect(rows.find((r) => r.name === 'tiny-mlx')).toMatchObject({ status: 'updated' })
      expect(rows.find((r) => r.name === 'tiny-mlx')!.commit).not.toBe(oldCommit)
      expect(rows.find((r) => r.name === 'tiny-gguf')).toMatchObject({ status: 'unchanged' })
    } finally {
      hub.setRepos([mlxRepo, ggufRepo])
    }
  })

  it('reports a lock that no longer matches fleet.yaml instead of rewriting it', async () => {
    const { dir, env, readLockFile } = setup()
    await lock({ file: 'fleet.yaml', models: [], update: false, json: true, cwd: dir }, capture(env).io)
    const text = readLockFile()
    writeFileSync(join(dir, 'fleet.yaml'), FLEET.replace('quant: Q8_0', 'quant: F16').replace('model: tiny-mlx', 'model: tiny-gguf').replace('engine: mlx-lm', 'engine: llama.cpp'))
    const run = capture(env)
    expect(await plan({ file: 'fleet.yaml', json: true, offline: false, cwd: dir }, run.io)).toBe(1)
    const d = (JSON.parse(run.out()) as PlanDocument).diagnostics.find((x) => x.code === 'lock-mismatch')!
    expect(d).toMatchObject({ path: 'models.tiny-gguf.source', severity: 'error', hint: 'Run fleet lock --update tiny-gguf to re-pin it (or restore fleet.yaml)' })
    expect(d.message).toContain('(quant Q8_0)')
    expect(readLockFile()).toBe(text)
  })

  it('warns about entries for removed models, and fleet lock removes them', async () => {
    const { dir, env, readLockFile } = setup()
    await lock({ file: 'fleet.yaml', models: [], update: false, json: true, cwd: dir }, capture(env).io)
    writeFileSync(join(dir, 'fleet.yaml'), FLEET.replace('  tiny-gguf: { source: hf:test-org/Tiny-Llama-GGUF, quant: Q8_0 }\n', ''))
    const run = capture(env)
    await plan({ file: 'fleet.yaml', json: true, offline: false, cwd: dir }, run.io)
    expect((JSON.parse(run.out()) as PlanDocument).diagnostics).toContainEqual(expect.objectContaining({ code: 'lock-stale', severity: 'warning' }))
    const relock = capture(env)
    await lock({ file: 'fleet.yaml', models: [], update: false, json: false, cwd: dir }, relock.io)
    expect(relock.out()).toContain('removed from the lock: tiny-gguf')
    expect(Object.keys((JSON.parse(readLockFile()) as Lock).models)).toEqual(['tiny-mlx'])
  })

  it('refuses to lock offline, with a hint', async () => {
    const { dir } = setup()
    await expect(lock({ file: 'fleet.yaml', models: [], update: false, json: false, cwd: dir }, capture({ HF_HUB_OFFLINE: '1' }).io)).rejects.toThrow(/needs the Hub/)
  })
})

describe('a damaged fleet.lock', () => {
  it('is a clear error naming the model, not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-lock-damaged-'))
    writeFileSync(join(dir, 'fleet.yaml'), FLEET)
    writeFileSync(join(dir, 'fleet.lock'), JSON.stringify({ version: 1, models: { 'tiny-mlx': { source: 'hf:test-org/Tiny-Llama-4bit', quant: null } } }))
    await expect(plan({ file: 'fleet.yaml', json: true, offline: true, cwd: dir }, capture({}).io)).rejects.toThrow(/entry for model tiny-mlx is damaged \(no facts\)/)
  })
})
