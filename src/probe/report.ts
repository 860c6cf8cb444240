/**
 * What `fleet probe` reports about one machine: every figure with where it came from, so a reader (and `plan`) can
 * tell a measurement from a catalog value. The JSON shape of `probe --json` and of fleet.probe.json.
 */
export interface Figure<T> {
  readonly value: T
  /** Where the figure came from: the command or API that gave it. */
  readonly source: string
}

export const PROBE_VERSION = 1

export interface ProbeReport {
  /** The fleet.yaml machine this is, or null when probed without a fleet.yaml. */
  readonly machine: string | null
  readonly measuredAt: string
  readonly platform: string
  /** Marketing name, e.g. "Apple M3 Ultra" (or the CPU model off macOS). */
  readonly chip: Figure<string> | null
  /** fleet's catalog id of the chip (m3-ultra), when it is an Apple chip fleet knows. */
  readonly chipId: string | null
  readonly gpuCores: Figure<number> | null
  readonly memoryBytes: Figure<number> | null
  readonly os: Figure<string> | null
  /** Metal's recommendedMaxWorkingSetSize: the GPU working set in force. */
  readonly workingSetBytes: Figure<number> | null
  /** iogpu.wired_limit_mb (0: macOS's default). */
  readonly wiredLimitMiB: Figure<number> | null
  readonly cache: { readonly path: string; readonly freeBytes: Figure<number> | null }
  /** Memory the system can hand out without swapping, now. */
  readonly availableBytes: Figure<number> | null
  /** macOS memory_pressure's "System-wide memory free percentage". */
  readonly memoryFreePercent: Figure<number> | null
  readonly bandwidthBytesPerSecond: Figure<number> | null
}

export interface ProbeFile {
  readonly version: typeof PROBE_VERSION
  /** By machine name: the last probe recorded for it (`fleet probe --save`). */
  readonly machines: Readonly<Record<string, ProbeReport>>
}
