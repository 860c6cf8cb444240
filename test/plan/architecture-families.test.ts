/**
 * Every family users run plans from a Hub repo of its real shape, as GGUF (llama.cpp) and as safetensors (mlx-lm):
 * published config.json values, the GGUF keys the converter writes, full-size tensor tables with sparse data, served
 * by the local test Hub. Nothing is refused; the KV figures are checked against llama.cpp's and mlx-lm's rules written
 * out by hand here.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plan } from '../../src/commands/plan.ts'
import { dtypeBytes } from '../../src/formats/safetensors.ts'
import type { DeploymentPlan, PlanDocument } from '../../src/plan/types.ts'
import { FAMILIES, familyGguf, familySafetensors, type FamilyConfig } from '../support/family-configs.ts'
import { SparseBytes } from '../support/hub-repo.ts'
import { startTestHub, type TestHub, type TestRepo } from '../support/hub-server.ts'
import { captureIo } from '../support/io.ts'
import { buildSafetensors, ggufHeaderAndSize } from '../support/model-files.ts'

function ggufRepo(key: string, f: FamilyConfig): TestRepo {
  const { header, fileBytes } = ggufHeaderAndSize(familyGguf(f))
  return { id: `test-org/${key}-GGUF`, commits: [{ files: [{ path: `${key}-Q8_0.gguf`, content: new SparseBytes(header, fileBytes) }] }] }
}

function safetensorsRepo(key: string, f: FamilyConfig): TestRepo {
  const tensors = familySafetensors(f)
  const head = buildSafetensors(tensors, undefined, { tensorData: 'none' })
  const data = tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1) * dtypeBytes(t.dtype), 0)
  return {
    id: `test-org/${key}`,
    commits: [
      {
        files: [
          { path: 'config.json', content: JSON.stringify(f.config) },
          { path: 'model.safetensors', content: new SparseBytes(head, head.length + data) },
        ],
      },
    ],
  }
}

const keys = Object.keys(FAMILIES) as (keyof typeof FAMILIES)[]

function fleetYaml(): string {
  const lines = ['version: 1', 'machines:']
  keys.forEach((k, i) => lines.push(`  m${i}: { chip: m3-ultra, memory: 512GB }`))
  lines.push('models:')
  for (const k of keys) lines.push(`  ${k}-gguf: { source: hf:test-org/${k}-GGUF, quant: Q8_0 }`, `  ${k}-st: { source: hf:test-org/${k} }`)
  lines.push('deployments:')
  keys.forEach((k, i) => {
    // OLMoE was trained on 4K tokens: a longer context is (rightly) an error.
    const context = k === 'olmoe' ? '4k' : '8k'
    lines.push(`  ${k}-llama: { machine: m${i}, model: ${k}-gguf, engine: llama.cpp, port: ${9000 + 2 * i}, context: ${context} }`)
    lines.push(`  ${k}-mlx: { machine: m${i}, model: ${k}-st, engine: mlx-lm, port: ${9001 + 2 * i}, context: ${context} }`)
  })
  return lines.join('\n') + '\n'
}

describe('every architecture family plans from a Hub repo of its real shape', () => {
  let hub: TestHub
  let doc: PlanDocument
  const byName = (name: string): DeploymentPlan => doc.deployments.find((d) => d.name === name)!

  beforeAll(async () => {
    hub = await startTestHub({ repos: keys.flatMap((k) => [ggufRepo(k, FAMILIES[k]), safetensorsRepo(k, FAMILIES[k])]) })
    const dir = mkdtempSync(join(tmpdir(), 'fleet-families-'))
    writeFileSync(join(dir, 'fleet.yaml'), fleetYaml())
    const run = captureIo({ HF_ENDPOINT: hub.url, HF_HOME: join(dir, 'hf') })
    await plan({ file: 'fleet.yaml', json: true, offline: false, cwd: dir, now: new Date('2026-12-03T00:00:00Z') }, run.io)
    doc = JSON.parse(run.out()) as PlanDocument
  }, 120_000)
  afterAll(async () => hub.close())

  it('sizes every deployment completely, with no refusal and no error', () => {
    expect(doc.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    for (const d of doc.deployments) {
      expect(d.memory, d.name).not.toBeNull()
      expect({ name: d.name, complete: d.memory!.complete, hasKv: d.memory!.kvCacheBytes > 0, hasSpeed: d.decodeTokensPerSecond !== null }).toEqual({
        name: d.name,
        complete: true,
        hasKv: true,
        hasSpeed: true,
      })
      expect(d.memory!.peakBytes).toBeGreaterThanOrEqual(d.memory!.atLoadBytes)
    }
  })

  // llama.cpp, f16, one slot of 8192 cells: full layers hold 8192 cells, SWA layers pad256(min(8192, window + 512)).
  const kvRow = (kvHeads: number, headDim: number): number => kvHeads * headDim * 2 * 2
  it.each([
    ['gemma2-llama', 21 * 8192 * kvRow(8, 256) + 21 * 4608 * kvRow(8, 256)],
    ['gemma3-llama', 10 * 8192 * kvRow(16, 128) + 52 * 1536 * kvRow(16, 128)],
    ['command-r7b-llama', 8 * 8192 * kvRow(8, 128) + 24 * 4608 * kvRow(8, 128)],
    ['gpt-oss-llama', 12 * 8192 * kvRow(8, 64) + 12 * 768 * kvRow(8, 64)],
    // llama4: 3 of 4 layers chunked at 8192: pad256(min(8192, 8192 + 512)) = 8192 cells, like the full ones.
    ['llama4-llama', 48 * 8192 * kvRow(8, 128)],
    ['mixtral-llama', 32 * 8192 * kvRow(8, 128)],
    ['olmoe-llama', 16 * 4096 * kvRow(16, 128)],
    ['qwen3moe-llama', 48 * 8192 * kvRow(4, 128)],
    ['glm45-air-llama', 46 * 8192 * kvRow(8, 128)],
    ['command-r-llama', 40 * 8192 * kvRow(64, 128)],
  ])('%s: llama.cpp KV = %d bytes', (name, bytes) => {
    expect(byName(name).memory!.kvCacheBytes).toBe(bytes)
  })

  // mlx-lm at 8192 tokens: KVCache holds pad256(8192) cells, RotatingKVCache min(window, that); bf16.
  it.each([
    ['gemma2-mlx', 21 * 8192 * kvRow(8, 256) + 21 * 4096 * kvRow(8, 256)],
    ['gpt-oss-mlx', 12 * 8192 * kvRow(8, 64) + 12 * 128 * kvRow(8, 64)],
    ['command-r7b-mlx', 8 * 8192 * kvRow(8, 128) + 24 * 4096 * kvRow(8, 128)],
    ['mixtral-mlx', 32 * 8192 * kvRow(8, 128)],
  ])('%s: mlx-lm KV = %d bytes', (name, bytes) => {
    expect(byName(name).memory!.kvCacheBytes).toBe(bytes)
  })

  it('weights are the tensor tables of the files, read by Range only', () => {
    const gemma = familySafetensors(FAMILIES.gemma2).reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1) * 2, 0)
    expect(byName('gemma2-mlx').memory!.weightsBytes).toBe(gemma)
    const fullReads = hub.requests.filter((r) => /\.(safetensors|gguf)$/.test(r.path.split('?')[0]!) && r.method === 'GET' && r.range === undefined)
    expect(fullReads).toEqual([])
  })
})
