/**
 * Adapter for node-mlx (@frost-beta/mlx), the native Node-API binding to MLX. fleet uses two things from it:
 * Metal's device facts on macOS (the GPU working set the planner budgets against) and, in tests, MLX's own
 * quantizer and safetensors writer to check fleet's layout formulas against real MLX output.
 * The binding is optional at run time: on a platform without a matching build, `loadMlx()` returns null.
 * Only the members fleet uses are typed here, because the package's own typings pull in its TypeScript sources.
 */
import { createRequire } from 'node:module'

export interface MlxArray {
  readonly shape: number[]
  readonly nbytes?: number
  astype(dtype: MlxDtype): MlxArray
}
export type MlxDtype = { readonly __mlxDtype?: never }

export interface MlxCore {
  readonly float16: MlxDtype
  readonly bfloat16: MlxDtype
  readonly float32: MlxDtype
  readonly random: { seed(seed: number): void; normal(shape: number[]): MlxArray }
  quantize(w: MlxArray, groupSize: number, bits: number): MlxArray[]
  saveSafetensors(path: string, arrays: Record<string, MlxArray>, metadata?: Record<string, string>): void
  readonly metal: { isAvailable(): boolean; deviceInfo(): Record<string, string | number> }
  ones(shape: number[], dtype?: MlxDtype): MlxArray
  sum(a: MlxArray): MlxArray
  eval(...arrays: MlxArray[]): void
  defaultDevice(): { toString(): string }
}

let cached: MlxCore | null | undefined

export function loadMlx(): MlxCore | null {
  if (cached !== undefined) return cached
  try {
    const require = createRequire(import.meta.url)
    cached = (require('@frost-beta/mlx') as { core: MlxCore }).core
  } catch {
    // No build for this platform (or its system libraries are missing): fleet works without it.
    cached = null
  }
  return cached
}

export interface MetalDeviceFacts {
  /** MTLDevice.recommendedMaxWorkingSetSize: the GPU working set in force (reflects iogpu.wired_limit_mb). */
  readonly workingSetBytes: number
  /** sysctl hw.memsize. */
  readonly memoryBytes: number
  readonly architecture: string
}

/** Metal facts of this Mac, or null off macOS / without the Metal build of the binding. */
export function metalDeviceFacts(mlx: MlxCore | null = loadMlx()): MetalDeviceFacts | null {
  if (!mlx) return null
  try {
    if (!mlx.metal.isAvailable()) return null
    return parseDeviceInfo(mlx.metal.deviceInfo())
  } catch {
    return null
  }
}

/**
 * mx.metal.device_info() keys (mlx/backend/metal/device_info.cpp): `max_recommended_working_set_size`,
 * `memory_size`, `architecture`, `max_buffer_length`, `resource_limit`.
 */
export function parseDeviceInfo(info: Record<string, string | number>): MetalDeviceFacts | null {
  const workingSet = info.max_recommended_working_set_size
  const memory = info.memory_size
  if (typeof workingSet !== 'number' || typeof memory !== 'number' || workingSet <= 0 || memory <= 0) return null
  return { workingSetBytes: workingSet, memoryBytes: memory, architecture: String(info.architecture ?? '') }
}

export interface BandwidthMeasurement {
  readonly bytesPerSecond: number
  /** How it was measured, for the figure's source. */
  readonly method: string
  readonly device: 'gpu' | 'cpu'
}

/**
 * Memory bandwidth as STREAM reports it (bytes moved per second), measured with MLX on its default device (Metal on
 * a Mac, the CPU backend elsewhere): a sum over one large float32 array, so every byte is read once and the result is
 * one number; the best of `repetitions` timed runs after one untimed warm-up (which also materialises the array).
 * Null when the binding is not available.
 */
export function measureBandwidth(options: { bytes: number; repetitions: number; now?: () => number }, mlx: MlxCore | null = loadMlx()): BandwidthMeasurement | null {
  if (!mlx) return null
  const now = options.now ?? (() => performance.now())
  try {
    const elements = Math.floor(options.bytes / 4)
    const a = mlx.ones([elements], mlx.float32)
    mlx.eval(a)
    mlx.eval(mlx.sum(a))
    let best = Number.POSITIVE_INFINITY
    for (let i = 0; i < options.repetitions; i += 1) {
      const start = now()
      mlx.eval(mlx.sum(a))
      best = Math.min(best, (now() - start) / 1000)
    }
    const device = String(mlx.defaultDevice()).includes('gpu') ? 'gpu' : 'cpu'
    const mib = Math.round((elements * 4) / 2 ** 20)
    return { bytesPerSecond: (elements * 4) / Math.max(best, 1e-9), method: `MLX ${device} sum over ${mib} MiB of float32, best of ${options.repetitions} after a warm-up`, device }
  } catch {
    return null
  }
}
