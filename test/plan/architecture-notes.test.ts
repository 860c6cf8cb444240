/**
 * Bad or unfamiliar architecture input: an unknown family, a missing hyperparameter, a header that contradicts its
 * tensor table. Each gets a note naming the key and the file, and the plan still shows what could be sized.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plan } from '../../src/commands/plan.ts'
import { readGgufHeader, type ByteSource } from '../../src/formats/gguf.ts'
import { architectureFromGguf } from '../../src/model/gguf-config.ts'
import { readHfArchitecture } from '../../src/model/hf-config.ts'
import type { PlanDocument } from '../../src/plan/types.ts'
import { FAMILIES, familyGguf } from '../support/family-configs.ts'
import { startTestHub, type TestHub } from '../support/hub-server.ts'
import { captureIo } from '../support/io.ts'
import { buildGguf, meta, type GgufMetaInput } from '../support/model-files.ts'

/** A header-only source of unknown size, as a Range read of a big file sees it. */
const headerOnly = (bytes: Uint8Array): ByteSource => ({ read: async (offset, length) => bytes.subarray(offset, offset + length) })

const small = {
  ...FAMILIES.mixtral,
  config: { ...FAMILIES.mixtral.config, num_hidden_layers: 2, vocab_size: 512, hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 512 },
}

async function reading(edit: (metadata: [string, GgufMetaInput][]) => [string, GgufMetaInput][], file = 'x-Q8_0.gguf') {
  const g = familyGguf(small)
  const header = await readGgufHeader(headerOnly(buildGguf({ metadata: edit(g.metadata), tensors: g.tensors, tensorData: 'none' })))
  return architectureFromGguf(header.metadata, { file, tensors: header.tensors })
}

describe('GGUF architecture notes', () => {
  it('an architecture fleet has no table for is sized by the generic rules, with a note naming it', async () => {
    const r = await reading((m) => m.map(([k, v]) => [k === 'general.architecture' ? k : k.replace(/^llama\./, 'futurenet.'), k === 'general.architecture' ? meta.string('futurenet') : v]))
    expect(r.architecture?.layers).toHaveLength(2)
    expect(r.architecture?.layers.every((l) => l.kind === 'full' && l.kvHeads === 2 && l.headDimK === 64)).toBe(true)
    expect(r.notes).toEqual([expect.stringContaining('GGUF architecture "futurenet" is sized by the generic rules')])
  })

  it('a missing block_count names the key and the file, and leaves only the weights', async () => {
    const r = await reading((m) => m.filter(([k]) => k !== 'llama.block_count'), 'Model-Q8_0.gguf')
    expect(r.architecture).toBeNull()
    expect(r.notes).toEqual(['llama.block_count is missing in Model-Q8_0.gguf: the KV cache and buffers are not sized, only the weights'])
  })

  it('a head count the tensor table contradicts is named with the tensor', async () => {
    const r = await reading((m) => m.map(([k, v]) => [k, k === 'llama.attention.head_count_kv' ? meta.u32(4) : v]))
    expect(r.notes).toContain('llama.attention.head_count_kv × key_length gives 4 × 64 = 256 for layer 0, but blk.0.attn_k.weight has 128 outputs in x-Q8_0.gguf')
  })

  it("gemma2 without a sliding_window key uses llama.cpp's default window (4096) and period 2", async () => {
    const g = familyGguf({ ...FAMILIES.gemma2, config: { ...FAMILIES.gemma2.config, num_hidden_layers: 4, vocab_size: 512 }, ggufExtra: [] })
    const header = await readGgufHeader(headerOnly(buildGguf({ ...g, tensorData: 'none' })))
    const r = architectureFromGguf(header.metadata, { tensors: header.tensors })
    expect(r.architecture!.layers.map((l) => [l.kind, l.window])).toEqual([
      ['sliding', 4096],
      ['full', null],
      ['sliding', 4096],
      ['full', null],
    ])
  })
})

describe('config.json architecture notes', () => {
  it('an unknown model_type is read by the generic rules, with a note', () => {
    const r = readHfArchitecture({
      ...FAMILIES.glm4.config,
      model_type: 'brand_new',
      layer_types: Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? 'full_attention' : 'sliding_attention')),
      sliding_window: 2048,
    })
    expect(r.architecture!.layers.filter((l) => l.kind === 'sliding')).toHaveLength(30)
    expect(r.notes).toEqual([expect.stringContaining('model_type "brand_new" in config.json is sized by the generic rules')])
  })

  it('a missing hidden_size names the key and the file', () => {
    const { hidden_size: _dropped, ...config } = FAMILIES.glm4.config
    const r = readHfArchitecture(config)
    expect(r.architecture).toBeNull()
    expect(r.notes).toEqual([expect.stringMatching(/"hidden_size".*\(config\.json\): the KV cache and buffers are not sized, only the weights/)])
  })
})

describe('plan with an unreadable GGUF header', () => {
  let hub: TestHub
  let dir: string
  beforeAll(async () => {
    const g = familyGguf(small)
    const bytes = buildGguf({ metadata: g.metadata.filter(([k]) => k !== 'llama.embedding_length'), tensors: g.tensors, tensorData: 'zero' })
    hub = await startTestHub({ repos: [{ id: 'test-org/Broken-GGUF', commits: [{ files: [{ path: 'broken-Q8_0.gguf', content: bytes }] }] }] })
    dir = mkdtempSync(join(tmpdir(), 'fleet-archnotes-'))
    writeFileSync(
      join(dir, 'fleet.yaml'),
      'version: 1\nmachines:\n  m: { chip: m4-max, memory: 64GB }\nmodels:\n  broken: { source: hf:test-org/Broken-GGUF, quant: Q8_0 }\ndeployments:\n  b: { machine: m, model: broken, engine: llama.cpp, port: 8080, context: 4k }\n',
    )
  })
  afterAll(async () => hub.close())

  it('warns at the model, naming the key and the file, and counts the weights it knows', async () => {
    const run = captureIo({ HF_ENDPOINT: hub.url, HF_HOME: join(dir, 'hf') })
    const code = await plan({ file: 'fleet.yaml', json: true, offline: false, cwd: dir, now: new Date('2026-12-03T00:00:00Z') }, run.io)
    const doc = JSON.parse(run.out()) as PlanDocument
    expect(code).toBe(0)
    expect(doc.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'architecture-unreadable',
        path: 'models.broken.source',
        line: 5,
        message: 'test-org/Broken-GGUF: llama.embedding_length is missing in broken-Q8_0.gguf: the KV cache and buffers are not sized, only the weights',
      }),
    ])
    const d = doc.deployments[0]!
    expect(d.memory).toMatchObject({ complete: false, kvCacheBytes: 0 })
    expect(d.memory!.weightsBytes).toBeGreaterThan(0)
    expect(d.memory!.peakBytes).toBe(d.memory!.weightsBytes)
  })
})
