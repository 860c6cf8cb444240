/**
 * How the engines split one model across machines, reimplemented from their source (docs/distributed.md §1–2), and
 * what each machine then holds. Pure.
 */
import type { Architecture } from '../model/architecture.ts'
import { modelTensors, tensorElements, UnsupportedTensorLayoutError } from './tensors.ts'

/** Layers [start, end). */
export interface LayerRange {
  readonly start: number
  readonly end: number
}

/**
 * mlx-lm pipeline parallelism, as `PipelineMixin.pipeline(group)` in mlx_lm/models/pipeline.py splits the layers.
 * Ranks run in reverse: rank 0 (which serves HTTP) holds the last layers, rank size−1 the first.
 * - 'v0.32' (mlx-lm 0.32.0, @d78bf58): layers_per_rank = n // size, plus one for rank < n % size;
 *   start = (size − rank − 1) × layers_per_rank with the rank's own count. With a remainder the ranges leave gaps
 *   (61 layers on 2 ranks: rank 1 holds 0–29, rank 0 holds 31–60, layer 30 runs nowhere).
 * - 'prefix-sum' (mlx-lm after 0.32.0): partition = size − rank − 1, start = partition × base + min(partition, extra),
 *   one more layer for partition < extra: contiguous, the first layers' ranks taking the extra ones.
 */
export type MlxPipelineVariant = 'v0.32' | 'prefix-sum'

export function mlxPipelineRanges(layers: number, ranks: number, variant: MlxPipelineVariant = 'prefix-sum'): LayerRange[] {
  const base = Math.floor(layers / ranks)
  const extra = layers - base * ranks
  return Array.from({ length: ranks }, (_, rank) => {
    if (variant === 'v0.32') {
      const count = base + (rank < extra ? 1 : 0)
      const start = (ranks - rank - 1) * count
      return { start: Math.min(start, layers), end: Math.min(start + count, layers) }
    }
    const partition = ranks - rank - 1
    const start = partition * base + Math.min(partition, extra)
    return { start, end: start + base + (partition < extra ? 1 : 0) }
  })
}

/** Layers no range covers (a split that would skip them). */
export function uncoveredLayers(layers: number, ranges: readonly LayerRange[]): number[] {
  const missing: number[] = []
  for (let il = 0; il < layers; il++) if (!ranges.some((r) => il >= r.start && il < r.end)) missing.push(il)
  return missing
}

/**
 * llama.cpp's layer split (src/llama-model.cpp load_tensors): the split proportions are made cumulative and normalised;
 * layer il goes to the first device whose cumulative share exceeds il / (n_layer + 1), where the +1 is the output
 * layer, which goes where il = n_layer falls (the last device). Returns, per device, its layer range; the last
 * device's range includes the output.
 */
export function llamaLayerRanges(layers: number, proportions: readonly number[]): LayerRange[] {
  const total = proportions.reduce((a, b) => a + b, 0)
  let running = 0
  const cumulative = proportions.map((p) => (running += p) / total)
  const deviceOf = (il: number): number => {
    const x = il / (layers + 1)
    const index = cumulative.findIndex((c) => c > x)
    return index === -1 ? proportions.length - 1 : index
  }
  const ranges = proportions.map(() => ({ start: Number.POSITIVE_INFINITY, end: 0 }))
  for (let il = 0; il < layers; il++) {
    const r = ranges[deviceOf(il)]!
    r.start = Math.min(r.start, il)
    r.end = Math.max(r.end, il + 1)
  }
  return ranges.map((r) => (r.start === Number.POSITIVE_INFINITY ? { start: 0, end: 0 } : r))
}

/** Where a model's weight elements sit: per layer, the input embedding, and the output head (with its norm). */
export interface WeightLayout {
  readonly perLayer: readonly number[]
  readonly embedding: number
  /** lm_head and the final norm; equals the embedding's elements when tied (the head reads the embedding matrix). */
  readonly output: number
  readonly tied: boolean
  readonly total: number
  /** 'tensors': from the architecture's tensor list; 'uniform': equal layers, no separate embedding/head known. */
  readonly basis: 'tensors' | 'uniform'
}

export function weightLayout(arch: Architecture): WeightLayout {
  try {
    const tensors = modelTensors(arch)
    const perLayer = arch.layers.map(() => 0)
    let embedding = 0
    let output = 0
    let tied = true
    for (const t of tensors) {
      const n = tensorElements(t)
      if (t.layer !== null && t.layer < perLayer.length) perLayer[t.layer]! += n
      else if (t.role === 'embedding') embedding += n
      else {
        if (t.name.startsWith('output.')) tied = false
        output += n
      }
    }
    const total = perLayer.reduce((a, b) => a + b, 0) + embedding + output
    return { perLayer, embedding, output: tied ? output + embedding : output, tied, total, basis: 'tensors' }
  } catch (error) {
    if (!(error instanceof UnsupportedTensorLayoutError)) throw error
    const perLayer = arch.layers.map(() => 1)
    return { perLayer, embedding: 0, output: 0, tied: false, total: perLayer.length, basis: 'uniform' }
  }
}

/** Elements of layers [start, end). */
export function layerElements(layout: WeightLayout, range: LayerRange): number {
  return layout.perLayer.slice(range.start, range.end).reduce((a, b) => a + b, 0)
}
