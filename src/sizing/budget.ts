/**
 * How much memory a machine can give to models. Two ceilings apply on Apple Silicon:
 * - RAM minus the reserve the user keeps for macOS and apps;
 * - the Metal GPU working set (MTLDevice.recommendedMaxWorkingSetSize): Metal refuses (llama.cpp) or thrashes (MLX)
 *   past it. By default macOS sets it to 2/3 of RAM on machines with up to 36 GB and 3/4 above; `gpuWiredLimit`
 *   (sysctl iogpu.wired_limit_mb) replaces it. Sources: docs/sizing.md §Budget (shared reference sizing.md §4.8:
 *   16 GB → 10.67 GiB, 32 GB → 21.33 GiB, 64 GB → 48 GiB, 96 GB → 72 GiB, 128 GB → 96 GiB observed).
 * Newer macOS releases allow more on large machines (M3 Ultra 512 GB: 464 GiB observed); fleet plans with the
 * conservative figure and says so, and `gpuWiredLimit` states the real one.
 */
import type { Machine } from '../config/types.ts'

const GiB = 2 ** 30
/** Machines with at most this much RAM get 2/3 of it as the default working set; larger ones 3/4. */
const SMALL_MACHINE_BYTES = 36 * GiB

export interface MachineBudget {
  readonly ramBytes: number
  readonly reserveBytes: number
  readonly gpuWorkingSetBytes: number
  readonly gpuWorkingSetSource: 'default' | 'declared' | 'measured'
  /** The budget models may use: min(RAM − reserve, GPU working set). */
  readonly budgetBytes: number
  /** Which ceiling binds. */
  readonly limitedBy: 'ram-minus-reserve' | 'gpu-working-set'
  /** One line a person can check: how the budget was derived. */
  readonly derivation: string
}

export function defaultGpuWorkingSet(ramBytes: number): number {
  return Math.floor(ramBytes <= SMALL_MACHINE_BYTES ? (ramBytes * 2) / 3 : (ramBytes * 3) / 4)
}

/**
 * `measuredWorkingSet`: Metal's recommendedMaxWorkingSetSize read on this Mac (for a machine that is the one fleet
 * runs on). It reflects macOS's real default and any wired limit already set, so it beats the 2/3–3/4 rule.
 */
export function machineBudget(machine: Machine, measuredWorkingSet: number | null = null, measuredBy = 'measured on this Mac'): MachineBudget {
  const ramBytes = machine.memoryBytes
  const declared = machine.gpuWiredLimitBytes
  const gpuWorkingSetBytes = declared ?? measuredWorkingSet ?? defaultGpuWorkingSet(ramBytes)
  const source = declared !== null ? 'declared' : measuredWorkingSet !== null ? 'measured' : 'default'
  const afterReserve = Math.max(0, ramBytes - machine.reserveBytes)
  const limitedBy = gpuWorkingSetBytes < afterReserve ? 'gpu-working-set' : 'ram-minus-reserve'
  const budgetBytes = Math.min(gpuWorkingSetBytes, afterReserve)
  const gib = (bytes: number): string => `${(bytes / GiB).toFixed(1)} GiB`
  const why = { declared: 'gpuWiredLimit', measured: measuredBy, default: `macOS default ${ramBytes <= SMALL_MACHINE_BYTES ? '2/3' : '3/4'} of RAM` }[source]
  const workingSet = `GPU working set ${gib(gpuWorkingSetBytes)} (${why})`
  return {
    ramBytes,
    reserveBytes: machine.reserveBytes,
    gpuWorkingSetBytes,
    gpuWorkingSetSource: source,
    budgetBytes,
    limitedBy,
    derivation: `min(RAM ${gib(ramBytes)} − reserve ${gib(machine.reserveBytes)} = ${gib(afterReserve)}, ${workingSet}) = ${gib(budgetBytes)}`,
  }
}
