/**
 * `fleet plan` against a real HTTP server speaking the Hub's protocol: the first plan reads metadata only (config.json,
 * the safetensors / GGUF headers via Range, never the weights), pins the commit in fleet.lock, and every later plan
 * works offline from the lock with identical figures.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plan } from '../../src/commands/plan.ts'
import { readGgufHeader, bufferSource } from '../../src/formats/gguf.ts'
import { readSafetensorsHeader } from '../../src/formats/safetensors.ts'
import type { PlanDocument } from '../../src/plan/types.ts'
import { captureIo } from '../support/io.ts'
import { startTestHub, type TestHub } from '../support/hub-server.ts'
import { mlxQuantizedSafetensors, tinyGguf, tinyGgufRepo, tinyMlxRepo } from '../support/tiny-models.ts'

const capture = (env: NodeJS.ProcessEnv) => captureIo(env)

const FLEET = `version: 1
machines:
  local: { chip: m4-max, memory: 128GB, gpuCores: 40 }
models:
  tiny-mlx: { source: hf:test-org/Tiny-Llama-4bit }
  tiny-gguf: { source: hf:test-org/Tiny-Llama-GGUF, quant: Q8_0 }
deployments:
  a: { machine: local, model: tiny-mlx, engine: mlx-lm, port: 8080, context: 2k }
  b: { machine: local, model: tiny-gguf, engine: llama.cpp, port: 8081, context: 2k, parallel: 2 }
`

describe('plan with the Hub', () => {
  let hub: TestHub
  let dir: string
  beforeAll(async () => {
    hub = await startTestHub({ repos: [tinyMlxRepo(), tinyGgufRepo()] })
    dir = mkdtempSync(join(tmpdir(), 'fleet-hubplan-'))
    writeFileSync(join(dir, 'fleet.yaml'), FLEET)
  })
  afterAll(async () => hub.close())

  it('reads only metadata, sizes from the real tensor tables, and pins fleet.lock', async () => {
    const run = capture({ HF_ENDPOINT: hub.url, HF_HOME: join(dir, 'hf') })
    const code = await plan({ file: 'fleet.yaml', json: true, offline: false, cwd: dir, now: new Date('2026-11-22T00:00:00Z') }, run.io)
    const doc = JSON.parse(run.out()) as PlanDocument
    expect(doc.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    expect(code).toBe(0)

    const safetensors = await readSafetensorsHeader(bufferSource(mlxQuantizedSafetensors()))
    const gguf = await readGgufHeader(bufferSource(tinyGguf()))
    const [a, b] = doc.deployments
    expect(a!.memory!.weightsBytes).toBe(safetensors.tensors.reduce((s, t) => s + t.bytes, 0))
    expect(b!.memory!.weightsBytes).toBe(gguf.tensors.reduce((s, t) => s + t.bytes, 0))
    expect(a!.facts).toMatchObject({ source: 'hub', weights: 'files' })
    expect(doc.models.map((m) => [m.name, m.format, m.quant])).toEqual([
      ['tiny-mlx', 'mlx', '4bit'],
      ['tiny-gguf', 'gguf', 'Q8_0'],
    ])

    // Never the weights: every request for a weight file carried a Range header.
    const weightReads = hub.requests.filter((r) => /\.(safetensors|gguf)$/.test(r.path.split('?')[0]!) && r.method === 'GET')
    expect(weightReads.length).toBeGreaterThan(0)
    for (const r of weightReads) expect(r.range).toMatch(/^bytes=\d+-\d+$/)
    expect(hub.requests.some((r) => r.path.includes('F16.gguf') || r.path.includes('banner.png'))).toBe(false)

    const lock = JSON.parse(readFileSync(join(dir, 'fleet.lock'), 'utf8')) as { version: number; models: Record<string, { facts: { commit: string; weights: { files: { path: string }[] } } }> }
    expect(lock.version).toBe(1)
    expect(lock.models['tiny-mlx']!.facts.commit).toMatch(/^[0-9a-f]{40}$/)
    expect(lock.models['tiny-gguf']!.facts.weights.files.map((f) => f.path)).toEqual(['Tiny-Llama-Q8_0.gguf'])
    expect(lock.models['tiny-mlx']!.facts.weights.files.map((f) => f.path)).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'])

    // Offline from the lock: no request, same figures, lock untouched.
    const before = hub.requests.length
    const lockText = readFileSync(join(dir, 'fleet.lock'), 'utf8')
    const offline = capture({ HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: '1' })
    await plan({ file: 'fleet.yaml', json: true, offline: false, cwd: dir, now: new Date('2026-11-22T00:00:00Z') }, offline.io)
    const again = JSON.parse(offline.out()) as PlanDocument
    expect(hub.requests.length).toBe(before)
    expect(again.deployments.map((d) => d.memory)).toEqual(doc.deployments.map((d) => d.memory))
    expect(again.deployments[0]!.facts!.source).toBe('lock')
    expect(readFileSync(join(dir, 'fleet.lock'), 'utf8')).toBe(lockText)
  })

  it('names the repo when the Hub does not have it', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'fleet-hubplan-missing-'))
    writeFileSync(join(sub, 'fleet.yaml'), FLEET.replace('test-org/Tiny-Llama-4bit', 'test-org/Missing-4bit'))
    const run = capture({ HF_ENDPOINT: hub.url })
    const code = await plan({ file: 'fleet.yaml', json: true, offline: false, cwd: sub }, run.io)
    expect(code).toBe(1)
    const doc = JSON.parse(run.out()) as PlanDocument
    expect(doc.diagnostics).toContainEqual(expect.objectContaining({ code: 'hub-error', path: 'models.tiny-mlx.source', line: 5 }))
    expect(doc.diagnostics.find((d) => d.code === 'hub-error')!.message).toContain('test-org/Missing-4bit')
  })

  it('says which quants exist when the requested one is missing', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'fleet-hubplan-quant-'))
    writeFileSync(join(sub, 'fleet.yaml'), FLEET.replace('quant: Q8_0', 'quant: Q4_K_M'))
    const run = capture({ HF_ENDPOINT: hub.url })
    expect(await plan({ file: 'fleet.yaml', json: true, offline: false, cwd: sub }, run.io)).toBe(1)
    const doc = JSON.parse(run.out()) as PlanDocument
    const d = doc.diagnostics.find((x) => x.path === 'models.tiny-gguf.source')!
    expect(d.message).toContain('no Q4_K_M GGUF file')
    expect(d.hint).toContain('F16, Q8_0')
  })

  it('refuses to guess a model it cannot read and does not know', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'fleet-hubplan-offline-'))
    writeFileSync(join(sub, 'fleet.yaml'), FLEET)
    const run = capture({ HF_HUB_OFFLINE: '1' })
    expect(await plan({ file: 'fleet.yaml', json: true, offline: false, cwd: sub }, run.io)).toBe(1)
    const doc = JSON.parse(run.out()) as PlanDocument
    expect(doc.diagnostics.filter((d) => d.code === 'model-unknown').map((d) => d.path)).toEqual(['models.tiny-mlx.source', 'models.tiny-gguf.source'])
    expect(doc.deployments.every((d) => d.memory === null)).toBe(true)
  })

  it('falls back to the catalog, with a warning, when the Hub is unreachable', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'fleet-hubplan-unreachable-'))
    writeFileSync(
      join(sub, 'fleet.yaml'),
      'version: 1\nmachines:\n  m: { chip: m4-max, memory: 128GB }\nmodels:\n  q: { source: hf:mlx-community/Qwen3-8B-4bit }\ndeployments:\n  a: { machine: m, model: q, engine: mlx-lm, port: 8080 }\n',
    )
    // A port nothing listens on: connection refused, the way a machine without network fails.
    const run = capture({ HF_ENDPOINT: 'http://127.0.0.1:9' })
    expect(await plan({ file: 'fleet.yaml', json: true, offline: false, cwd: sub }, run.io)).toBe(0)
    const doc = JSON.parse(run.out()) as PlanDocument
    expect(doc.diagnostics).toContainEqual(expect.objectContaining({ code: 'hub-unreachable', severity: 'warning' }))
    expect(doc.deployments[0]!.facts).toMatchObject({ source: 'catalog', weights: 'computed' })
  })
})
