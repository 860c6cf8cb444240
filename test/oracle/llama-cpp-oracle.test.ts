/**
 * fleet's llama.cpp memory model against llama.cpp itself: node-llama-cpp's prebuilt CPU build loads GGUFs of real
 * model shapes (sparse data, test/oracle/gguf-models.ts) and prints the buffers it allocates; fleet sizes the same
 * header with the same context parameters. The build's release is printed in the first test and recorded in
 * docs/sizing-kv.md ("The oracle").
 *
 * What the CPU oracle can and cannot show: it reserves its graph for n_outputs_max = n_batch outputs (node-llama-cpp
 * passes no n_outputs_max), so the logits phase is n_vocab × n_ubatch there, while llama-server reserves only
 * n_parallel outputs; fleet follows each (outputsMax). To check the layer phases, which dominate once the logits are
 * small, each model is also loaded with a 1024-token vocabulary.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { llamaCppMemory } from '../../src/engines/llama-cpp/memory.ts'
import { readGgufHeader } from '../../src/formats/gguf.ts'
import { architectureFromGguf } from '../../src/model/gguf-config.ts'
import { buildGguf } from '../support/model-files.ts'
import { ORACLE_MODELS, oracleGguf, type OracleModelSpec } from './gguf-models.ts'
import { bundledLlamaCppRelease, disposeOracle, measure, writeSparseGguf } from './llama-oracle.ts'

const MiB = 2 ** 20
const dir = mkdtempSync(join(tmpdir(), 'fleet-oracle-'))
afterAll(async () => {
  await disposeOracle()
  rmSync(dir, { recursive: true, force: true })
})

const CONTEXT = { contextSize: 4096, sequences: 2, batchSize: 512 } as const

async function compare(key: string, spec: OracleModelSpec, flashAttention: boolean) {
  const gguf = oracleGguf(spec)
  const path = join(dir, `${key}.gguf`)
  writeSparseGguf(path, gguf)
  const oracle = await measure(path, { ...CONTEXT, flashAttention })
  const headerBytes = buildGguf({ ...gguf, tensorData: 'none' })
  const header = await readGgufHeader({ read: async (offset, length) => headerBytes.subarray(offset, offset + length) })
  const reading = architectureFromGguf(header.metadata, { file: `${key}.gguf`, tensors: header.tensors })
  const fleet = llamaCppMemory(reading.architecture!, {
    contextPerSlot: CONTEXT.contextSize,
    parallel: CONTEXT.sequences,
    typeK: 'f16',
    typeV: 'f16',
    flashAttention: flashAttention ? 'on' : 'off',
    ubatch: 512,
    batch: CONTEXT.batchSize,
    kvUnified: false,
    swaFull: false,
    // The oracle's llama_context keeps llama.cpp's default n_outputs_max (n_batch) and runs on the CPU backend.
    outputsMax: 0,
    backend: 'cpu',
  })
  return {
    oracle,
    notes: reading.notes,
    weights: header.tensors.reduce((s, t) => s + t.bytes, 0),
    kv: fleet.kvCacheBytes,
    output: fleet.details['outputBufferBytes'] as number,
    compute: fleet.details['computeMetalBytes'] as number,
  }
}

/** llama.cpp prints MiB with two decimals: allow that rounding on small buffers. */
function within(actual: number, expected: number, fraction: number): boolean {
  return Math.abs(actual - expected) <= Math.max(fraction * expected, 0.006 * MiB)
}

const RELATIVE_COMPUTE_BOUND = { dense: 0.1, moe: 0.1 } as const

describe(`llama.cpp (node-llama-cpp ${bundledLlamaCppRelease().nodeLlamaCpp}, llama.cpp ${bundledLlamaCppRelease().tag}) as the oracle`, () => {
  for (const [key, spec] of Object.entries(ORACLE_MODELS) as [string, OracleModelSpec][]) {
    const kind = spec.moe ? 'moe' : 'dense'
    it(`${spec.name}: weights, KV and output exact, compute within ${RELATIVE_COMPUTE_BOUND[kind] * 100} % (logits-bound, flash attention)`, async () => {
      const r = await compare(key, spec, true)
      expect(r.notes).toEqual([])
      expect(within(r.weights, r.oracle.modelBytes, 0.01), `weights ${r.weights / MiB} vs ${r.oracle.modelBytes / MiB} MiB`).toBe(true)
      expect(within(r.kv, r.oracle.kvBytes, 0.01), `KV ${r.kv / MiB} vs ${r.oracle.kvBytes / MiB} MiB`).toBe(true)
      expect(within(r.output, r.oracle.outputBytes, 0.01), `output ${r.output / MiB} vs ${r.oracle.outputBytes / MiB} MiB`).toBe(true)
      expect(within(r.compute, r.oracle.computeBytes, 0.1), `compute ${r.compute / MiB} vs ${r.oracle.computeBytes / MiB} MiB`).toBe(true)
    }, 120_000)
    for (const flashAttention of [true, false]) {
      it(`${spec.name}, 1024-token vocabulary, flash attention ${flashAttention ? 'on' : 'off'}: the layer phases within ${RELATIVE_COMPUTE_BOUND[kind] * 100} %`, async () => {
        const r = await compare(`${key}-v1k`, { ...spec, vocab: 1024 }, flashAttention)
        expect(within(r.kv, r.oracle.kvBytes, 0.01), `KV ${r.kv / MiB} vs ${r.oracle.kvBytes / MiB} MiB`).toBe(true)
        expect(within(r.compute, r.oracle.computeBytes, RELATIVE_COMPUTE_BOUND[kind]), `compute ${r.compute / MiB} vs ${r.oracle.computeBytes / MiB} MiB`).toBe(true)
      }, 120_000)
    }
  }
})
