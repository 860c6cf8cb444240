/**
 * One model across several machines. The layer splits are checked against the engines' own split functions written
 * out here line by line from their source (mlx_lm/models/pipeline.py at mlx-lm 0.32.0 @d78bf58 and after its prefix-sum
 * fix; llama.cpp src/llama-model.cpp load_tensors' cumulative-split upper_bound), then the per-machine memory and the
 * decode speed are checked on real configs (DeepSeek-V3 via DeepSeek-R1's config, Qwen3-235B-A22B, Llama-3.1-405B)
 * for 2, 3 and 4 machines of unequal memory.
 */
import { describe, expect, it } from 'vitest'
import { findCatalogEntry, textConfigOf } from '../../src/catalog/model-configs.ts'
import { loadFleetText } from '../../src/config/load.ts'
import type { Machine } from '../../src/config/types.ts'
import { readHfArchitecture } from '../../src/model/hf-config.ts'
import type { Architecture } from '../../src/model/architecture.ts'
import type { MemoryBreakdown } from '../../src/plan/types.ts'
import { mlxVariant, sizeDistributed } from '../../src/sizing/distributed.ts'
import { llamaLayerRanges, mlxPipelineRanges, uncoveredLayers, weightLayout, type LayerRange } from '../../src/sizing/split.ts'

/** mlx-lm 0.32.0 PipelineMixin.pipeline, statement by statement (Python slicing clips at the list's end). */
function mlxV032(numLayers: number, size: number, rank: number): number[] {
  let layersPerRank = Math.floor(numLayers / size)
  const extra = numLayers - layersPerRank * size
  if (rank < extra) layersPerRank += 1
  const startIdx = (size - rank - 1) * layersPerRank
  const endIdx = startIdx + layersPerRank
  const layers: (number | null)[] = Array.from({ length: numLayers }, (_, i) => i).slice(0, endIdx) // self.layers[: end_idx]
  for (let i = 0; i < Math.min(startIdx, layers.length); i++) layers[i] = null // self.layers[: start_idx] = [None] * start_idx
  return layers.slice(startIdx, endIdx).filter((l): l is number => l !== null) // pipeline_layers
}

/** The prefix-sum fix (mlx-lm after 0.32.0). */
function mlxPrefixSum(numLayers: number, size: number, rank: number): number[] {
  let layersPerRank = Math.floor(numLayers / size)
  const extra = numLayers % size
  const partition = size - rank - 1
  const startIdx = partition * layersPerRank + Math.min(partition, extra)
  layersPerRank += partition < extra ? 1 : 0
  return Array.from({ length: layersPerRank }, (_, i) => startIdx + i)
}

/** llama.cpp: std::partial_sum, divide by the sum, then upper_bound(splits, il / act_gpu_layers) per layer. */
function llamaDevices(nLayer: number, split: readonly number[]): number[] {
  const splits = [...split]
  for (let i = 1; i < splits.length; i++) splits[i]! += splits[i - 1]!
  const sum = splits.at(-1)!
  for (let i = 0; i < splits.length; i++) splits[i]! /= sum
  const act = nLayer + 1 // -ngl 999: every layer and the output
  return Array.from({ length: nLayer }, (_, il) => {
    const x = il / act
    let i = 0
    while (i < splits.length && !(splits[i]! > x)) i++ // std::upper_bound: first element > x
    return Math.min(i, splits.length - 1)
  })
}

const expand = (r: LayerRange): number[] => Array.from({ length: r.end - r.start }, (_, i) => r.start + i)

describe('layer splits against the engines’ own functions', () => {
  it('mlx-lm 0.32.0 and the prefix-sum fix, for every layer count up to 130 on 2–4 ranks', () => {
    for (let layers = 1; layers <= 130; layers++) {
      for (let ranks = 2; ranks <= 4; ranks++) {
        if (ranks > layers) continue
        const old = mlxPipelineRanges(layers, ranks, 'v0.32')
        const fixed = mlxPipelineRanges(layers, ranks, 'prefix-sum')
        for (let rank = 0; rank < ranks; rank++) {
          expect(expand(old[rank]!), `${layers}/${ranks} rank ${rank} v0.32`).toEqual(mlxV032(layers, ranks, rank))
          expect(expand(fixed[rank]!), `${layers}/${ranks} rank ${rank}`).toEqual(mlxPrefixSum(layers, ranks, rank))
        }
        expect(uncoveredLayers(layers, fixed)).toEqual([])
      }
    }
    // DeepSeek-V3's 61 layers on two Macs: 0.32.0 runs layer 30 nowhere.
    expect(uncoveredLayers(61, mlxPipelineRanges(61, 2, 'v0.32'))).toEqual([30])
    expect(mlxPipelineRanges(61, 2, 'prefix-sum')).toEqual([
      { start: 31, end: 61 },
      { start: 0, end: 31 },
    ])
    expect(mlxVariant('0.32.0')).toBe('v0.32')
    expect(mlxVariant('0.32.1')).toBe('prefix-sum')
    expect(mlxVariant(null)).toBe('prefix-sum')
  })

  it('llama.cpp’s proportional layer split, for unequal devices', () => {
    const cases: number[][] = [
      [1, 1],
      [3, 1],
      [192, 512],
      [64, 128, 512],
      [96, 192, 480, 480],
      [1, 1, 1, 1],
    ]
    for (const layers of [32, 61, 80, 94, 126]) {
      for (const split of cases) {
        const devices = llamaDevices(layers, split)
        const ranges = llamaLayerRanges(layers, split)
        for (let il = 0; il < layers; il++) expect(il >= ranges[devices[il]!]!.start && il < ranges[devices[il]!]!.end, `${layers} ${split.join(':')} layer ${il}`).toBe(true)
        expect(ranges.reduce((s, r) => s + (r.end - r.start), 0)).toBe(layers)
      }
    }
  })
})

const arch = (config: Readonly<Record<string, unknown>>): Architecture => readHfArchitecture(config).architecture!
const catalog = (repo: string): Architecture => arch(textConfigOf(findCatalogEntry(repo)!))
/** meta-llama/Llama-3.1-405B-Instruct config.json (published values). */
const LLAMA_405B = arch({
  model_type: 'llama',
  architectures: ['LlamaForCausalLM'],
  hidden_size: 16384,
  intermediate_size: 53248,
  num_hidden_layers: 126,
  num_attention_heads: 128,
  num_key_value_heads: 8,
  head_dim: 128,
  vocab_size: 128256,
  max_position_embeddings: 131072,
  rms_norm_eps: 1e-5,
  rope_theta: 500000,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
})

const MODELS = { 'DeepSeek-V3': catalog('deepseek-ai/DeepSeek-R1'), 'Qwen3-235B-A22B': catalog('Qwen/Qwen3-235B-A22B'), 'Llama-3.1-405B': LLAMA_405B }

function fleetOf(engine: 'mlx-lm' | 'llama.cpp', memories: readonly string[], parallelism: 'pipeline' | 'tensor', link = 'ethernet-10g') {
  const names = memories.map((_, i) => `m${i}`)
  const text = `version: 1
machines:
${memories.map((m, i) => `  m${i}: { chip: m3-ultra, memory: ${m} }`).join('\n')}
${names.length > 1 ? 'links:\n' : ''}${names.flatMap((a, i) => names.slice(i + 1).map((b) => `  ${a}-${b}: { between: [${a}, ${b}], kind: ${link} }`)).join('\n')}
models:
  x: { source: hf:org/x, format: ${engine === 'mlx-lm' ? 'mlx' : 'gguf'} }
deployments:
  big: { ${names.length > 1 ? `machines: [${names.join(', ')}]` : `machine: ${names[0]}`}, model: x, engine: ${engine}, port: 8080, context: 8k${memories.length > 1 ? `, parallelism: ${parallelism}` : ''} }
`
  const loaded = loadFleetText(text)
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
  return loaded.fleet!
}

const whole = (weightsBytes: number, kvCacheBytes: number): MemoryBreakdown => {
  const overhead = { stateBytes: 0, promptCacheBytes: 0, computeBytes: 2 ** 30, transientBytes: 0, runtimeBytes: 2 ** 29 }
  const atLoadBytes = weightsBytes + kvCacheBytes + overhead.computeBytes + overhead.runtimeBytes
  return { weightsBytes, kvCacheBytes, overheadBytes: overhead.computeBytes + overhead.runtimeBytes, atLoadBytes, peakBytes: atLoadBytes, totalBytes: atLoadBytes, complete: true, overhead }
}

describe('per-machine shares on real configs', () => {
  const memories = { 2: ['512GB', '256GB'], 3: ['512GB', '192GB', '128GB'], 4: ['512GB', '512GB', '256GB', '192GB'] } as const
  for (const [label, architecture] of Object.entries(MODELS)) {
    for (const count of [2, 3, 4] as const) {
      for (const engine of ['mlx-lm', 'llama.cpp'] as const) {
        it(`${label} on ${count} machines, ${engine} pipeline: every layer once, weights and KV add up`, () => {
          const fleet = fleetOf(engine, memories[count], 'pipeline')
          const machines = fleet.machines as Machine[]
          const w = 700e9
          const kv = 10 * 2 ** 30
          const free = new Map(machines.map((m) => [m.name, m.memoryBytes * 0.75]))
          const s = sizeDistributed({
            deployment: fleet.deployments[0]!,
            machines,
            architecture,
            whole: whole(w, kv),
            activeWeightBytesPerToken: 40e9,
            speedFamily: engine,
            freeBytes: free,
            links: fleet.links,
            engineVersion: null,
          })
          const covered = s.ranks.flatMap((r) => expand(r.layers)).sort((a, b) => a - b)
          expect(covered).toEqual(Array.from({ length: architecture.layers.length }, (_, i) => i))
          const layout = weightLayout(architecture)
          const perElement = w / layout.total
          const replicated = (layout.embedding + layout.output) * perElement
          const weights = s.ranks.reduce((sum, r) => sum + r.memory.weightsBytes, 0)
          // mlx-lm: every rank keeps the embedding and the head; llama.cpp: only the head machine.
          expect(weights).toBeCloseTo(w + (engine === 'mlx-lm' ? (count - 1) * replicated : 0), -3)
          expect(s.ranks.reduce((sum, r) => sum + r.memory.kvCacheBytes, 0)).toBeCloseTo(kv, -3)
          if (engine === 'llama.cpp') {
            // Layers in proportion to free memory (within the one layer the rounding moves).
            const held = (r: { layers: LayerRange }) => r.layers.end - r.layers.start
            const total = architecture.layers.length + 1
            const freeSum = [...free.values()].reduce((a, b) => a + b, 0)
            for (const r of s.ranks) expect(Math.abs(held(r) - ((free.get(r.machine) ?? 0) / freeSum) * total)).toBeLessThanOrEqual(2)
            expect(s.tensorSplit).toHaveLength(count)
          }
          // One token crosses every hop once: latency + hidden × 2 bytes each, 10 GbE here.
          expect(s.networkSecondsPerToken).toBeCloseTo(count * (300e-6 + (architecture.hiddenSize * 2) / 1.25e9), 9)
          expect(s.decodeTokensPerSecond.typical).toBeGreaterThan(0)
        })
      }
    }
    it(`${label} on 2 machines by tensor parallelism over RDMA: half of every layer each, the embedding and head on both`, () => {
      const fleet = fleetOf('mlx-lm', ['512GB', '512GB'], 'tensor', 'thunderbolt5-rdma')
      const machines = fleet.machines as Machine[]
      const w = 700e9
      const split = {
        deployment: fleet.deployments[0]!,
        machines,
        architecture,
        whole: whole(w, 2 ** 33),
        activeWeightBytesPerToken: 40e9,
        speedFamily: 'mlx-lm' as const,
        freeBytes: new Map<string, number>(),
        links: fleet.links,
        engineVersion: null,
      }
      const s = sizeDistributed(split)
      const layout = weightLayout(architecture)
      const perElement = w / layout.total
      const layerBytes = layout.perLayer.reduce((a, b) => a + b, 0) * perElement
      for (const r of s.ranks) expect(r.memory.weightsBytes).toBeCloseTo(layerBytes / 2 + (layout.embedding + layout.output) * perElement, -3)
      // MLA's latent cache is not sharded; GQA's KV heads are.
      for (const r of s.ranks) expect(r.memory.kvCacheBytes).toBeCloseTo(architecture.mla ? 2 ** 33 : 2 ** 32, -3)
      expect(s.backend).toBe('jaccl')
      expect(s.networkSecondsPerToken).toBeCloseTo(architecture.layers.length * 2 * 2 * (10e-6 + (architecture.hiddenSize * 2) / 2 / 10e9), 9)
      // A machine fleet bench measured at half the fitted efficiency slows the whole split: tensor waits for the slowest.
      const calibrated = sizeDistributed({
        ...split,
        calibration: (machine) => (machine.name === machines[1]!.name ? { bandwidthEfficiency: 0.35, perTokenSeconds: 0.005, flopsEfficiency: null, source: 'test' } : null),
      })
      expect(calibrated.decodeTokensPerSecond.typical).toBeLessThan(s.decodeTokensPerSecond.typical * 0.8)
    })
  }

  it('pipeline never decodes one stream faster than the fastest machine alone would; tensor over RDMA can', () => {
    const architecture = MODELS['Llama-3.1-405B']
    const pipe = fleetOf('mlx-lm', ['512GB', '512GB'], 'pipeline', 'thunderbolt5')
    const args = (fleet: ReturnType<typeof fleetOf>) => ({
      deployment: fleet.deployments[0]!,
      machines: fleet.machines as Machine[],
      architecture,
      whole: whole(400e9, 2 ** 32),
      activeWeightBytesPerToken: 400e9,
      speedFamily: 'mlx-lm' as const,
      freeBytes: new Map(),
      links: fleet.links,
      engineVersion: null,
    })
    const one = fleetOf('mlx-lm', ['512GB'], 'pipeline')
    const alone = sizeDistributed(args(one)).decodeTokensPerSecond.typical
    expect(sizeDistributed(args(pipe)).decodeTokensPerSecond.typical).toBeLessThan(alone)
    expect(sizeDistributed(args(fleetOf('mlx-lm', ['512GB', '512GB'], 'tensor', 'thunderbolt5-rdma'))).decodeTokensPerSecond.typical).toBeGreaterThan(alone)
  })
})
