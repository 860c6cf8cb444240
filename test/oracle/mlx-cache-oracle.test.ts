/**
 * fleet's MLX cache sizes against real MLX arrays: node-mlx (@frost-beta/mlx, the Linux CPU build here, Metal on a
 * Mac) runs mlx-lm's cache update rules — KVCache.update_and_fetch and RotatingKVCache._update_concat /
 * _update_in_place, transcribed from mlx_lm/models/cache.py @d78bf58 (0.32.0) — over a prompt prefilled in
 * prefill_step_size chunks and a few decoded tokens, and the arrays' own byte counts (array.nbytes, what MLX allocates
 * for them) are compared with fleet's figure. On a Mac the allocator's counter (mx.metal.getActiveMemory) is checked
 * too; the Linux CPU build keeps no counter (it returns 0), which the last test pins down so a build that starts
 * counting is noticed.
 */
import { describe, expect, it } from 'vitest'
import type { MlxArray as CoreArray, MlxCore as Core } from '../../src/native/mlx.ts'
import type { Architecture, LayerSpec } from '../../src/model/architecture.ts'
import { mlxSeqCache } from '../../src/engines/shared/mlx-cache.ts'
import { requireMlx } from '../support/tiny-models.ts'

const STEP = 256

/** The parts of node-mlx's API these transcriptions use, beyond what src/native/mlx.ts declares for fleet itself. */
interface MlxArray extends CoreArray {
  readonly shape: number[]
  readonly nbytes: number
  index(...args: unknown[]): MlxArray
}
interface MlxCore extends Omit<Core, 'float16' | 'metal'> {
  readonly float16: unknown
  zeros(shape: number[], dtype: unknown): MlxArray
  concatenate(arrays: MlxArray[], axis: number): MlxArray
  Slice(start?: number, stop?: number): unknown
  eval(...arrays: MlxArray[]): void
  readonly metal: { getActiveMemory(): number }
}

/** mlx_lm/models/cache.py KVCache: grows in 256-cell steps, trimming to the offset first when it is not aligned. */
class KvCache {
  keys: MlxArray | null = null
  values: MlxArray | null = null
  offset = 0
  constructor(private readonly mx: MlxCore) {}

  update(tokens: number, heads: number, dimK: number, dimV: number): void {
    const mx = this.mx
    const prev = this.offset
    const capacity = this.keys ? this.keys.shape[2]! : 0
    if (this.keys === null || prev + tokens > capacity) {
      const steps = Math.floor((STEP + tokens - 1) / STEP)
      const newK = mx.zeros([1, heads, steps * STEP, dimK], mx.float16)
      const newV = mx.zeros([1, heads, steps * STEP, dimV], mx.float16)
      if (this.keys !== null && this.values !== null) {
        let k = this.keys
        let v = this.values
        if (prev % STEP !== 0) {
          k = k.index('...', mx.Slice(0, prev), mx.Slice())
          v = v.index('...', mx.Slice(0, prev), mx.Slice())
        }
        this.keys = mx.concatenate([k, newK], 2)
        this.values = mx.concatenate([v, newV], 2)
      } else {
        this.keys = newK
        this.values = newV
      }
    }
    this.offset += tokens
    mx.eval(this.keys, this.values!)
  }
}

/**
 * mlx_lm/models/cache.py RotatingKVCache(max_size = window, keep = 0): multi-token updates concatenate after
 * trimming to max_size − 1 (so a prefill chunk leaves max_size − 1 + S cells); single tokens grow in 256 steps up to
 * max_size, trimming the overhang first, then rotate in place.
 */
class RotatingCache {
  keys: MlxArray | null = null
  values: MlxArray | null = null
  offset = 0
  constructor(
    private readonly mx: MlxCore,
    private readonly maxSize: number,
  ) {}

  private size(): number {
    return this.keys ? this.keys.shape[2]! : 0
  }

  private trimTo(cells: number): void {
    const mx = this.mx
    const size = this.size()
    if (this.keys === null || this.values === null || size <= cells) return
    this.keys = this.keys.index('...', mx.Slice(size - cells, size), mx.Slice())
    this.values = this.values.index('...', mx.Slice(size - cells, size), mx.Slice())
  }

  update(tokens: number, heads: number, dimK: number, dimV: number): void {
    const mx = this.mx
    if (tokens > 1) {
      // _update_concat: trim to max_size − 1, append the chunk.
      this.trimTo(this.maxSize - 1)
      const k = mx.zeros([1, heads, tokens, dimK], mx.float16)
      const v = mx.zeros([1, heads, tokens, dimV], mx.float16)
      this.keys = this.keys === null ? k : mx.concatenate([this.keys, k], 2)
      this.values = this.values === null ? v : mx.concatenate([this.values!, v], 2)
    } else {
      // _update_in_place: grow while under max_size; once a prefill left an overhang, trim it back to max_size.
      const size = this.size()
      if (this.keys === null || (this.offset >= size && size < this.maxSize)) {
        const grow = Math.min(STEP, this.maxSize - size)
        const k = mx.zeros([1, heads, grow, dimK], mx.float16)
        const v = mx.zeros([1, heads, grow, dimV], mx.float16)
        this.keys = this.keys === null ? k : mx.concatenate([this.keys, k], 2)
        this.values = this.values === null ? v : mx.concatenate([this.values!, v], 2)
      } else if (size > this.maxSize) {
        this.trimTo(this.maxSize)
      }
    }
    this.offset += tokens
    mx.eval(this.keys, this.values!)
  }
}

const layer = (kind: 'full' | 'sliding', window: number | null = null): LayerSpec => ({ kind, kvHeads: 8, headDimK: 128, headDimV: 128, window, moe: false })

function arch(layers: LayerSpec[]): Architecture {
  return {
    modelType: 'llama',
    hiddenSize: 4096,
    vocabSize: 1024,
    numHeads: 32,
    headDim: 128,
    intermediateSize: 14336,
    layers,
    trainedContext: 131072,
    ropeScaling: null,
    tieWordEmbeddings: false,
    dtype: 'bfloat16',
    moe: null,
    mla: null,
    linear: null,
    mamba: null,
    extras: {},
  }
}

/** Prefill `prompt` tokens in chunks of `step` (all but the last token, as mlx-lm 0.32.0 does), then decode `decode`. */
function run(mx: MlxCore, a: Architecture, prompt: number, step: number, decode: number): { bytes: number; tokens: number } {
  const caches = a.layers.map((l) => (l.kind === 'sliding' ? new RotatingCache(mx, l.window!) : new KvCache(mx)))
  const feed = (tokens: number): void => {
    a.layers.forEach((l, i) => caches[i]!.update(tokens, l.kvHeads, l.headDimK, l.headDimV))
  }
  let left = prompt - 1
  while (left > 0) {
    const n = Math.min(step, left)
    feed(n)
    left -= n
  }
  for (let i = 0; i < decode + 1; i++) feed(1)
  const bytes = caches.reduce((s, c) => s + (c.keys?.nbytes ?? 0) + (c.values?.nbytes ?? 0), 0)
  return { bytes, tokens: prompt + decode }
}

describe('MLX cache arrays (node-mlx) against fleet', () => {
  const mx = requireMlx() as unknown as MlxCore

  it.each([
    [5000, 2048, 20],
    [8192, 2048, 1],
    [3000, 512, 300],
  ])('full attention: %d-token prompt in %d-token chunks, %d decoded: the arrays hold what fleet says', (prompt, step, decode) => {
    const a = arch([layer('full'), layer('full')])
    const r = run(mx, a, prompt, step, decode)
    expect(r.bytes).toBe(mlxSeqCache(a, r.tokens, 2).kvBytes)
  })

  it.each([
    [4096, 2048, 10, 1024],
    [600, 512, 5, 1024],
    [9000, 2048, 3, 4096],
    [600, 512, 1, 1024],
  ])('sliding window: %d-token prompt in %d-token chunks, %d decoded, window %d: fleet is the worst case, min(window, tokens + 255)', (prompt, step, decode, window) => {
    const a = arch([layer('sliding', window), layer('full')])
    const r = run(mx, a, prompt, step, decode)
    const fleet = mlxSeqCache(a, r.tokens, 2).kvBytes
    const cell = 8 * 256 * 2 // K and V of one cell: 8 heads × 128 × 2, f16
    expect(r.bytes).toBeLessThanOrEqual(fleet)
    // Within one cell of it right after the prompt (its last token and one more go through the decode path, so the
    // cache holds tokens + 254); later, the slack of the 256-cell growth steps.
    if (decode === 1) expect(fleet - r.bytes).toBe(cell)
    else expect(fleet - r.bytes).toBeLessThan(256 * cell)
  })

  it("the allocator's own counter agrees where MLX keeps one (Metal); the Linux CPU build keeps none", () => {
    const before = mx.metal.getActiveMemory()
    const a = arch([layer('full')])
    const caches = new KvCache(mx)
    caches.update(1000, 8, 128, 128)
    const after = mx.metal.getActiveMemory()
    const expected = mlxSeqCache(a, 1000, 2).kvBytes
    if (process.platform === 'darwin') expect(after - before).toBeGreaterThanOrEqual(expected)
    else expect([before, after]).toEqual([0, 0])
  })
})
