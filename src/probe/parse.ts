/**
 * Parsers of what a Mac (and a Linux box) says about itself, for `fleet probe`. Pure: each takes a command's text
 * and returns the figures it carries, or null for a field that is not there. Tested on outputs recorded on real Macs
 * (test/fixtures/macos/, each with its source).
 */
import { CHIPS } from '../catalog/chips.ts'

/** `sysctl NAME…` prints `name: value` per line (`sysctl -n` would drop the names, so fleet asks for them). */
export function parseSysctl(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^([a-z0-9_.]+):\s?(.*)$/i.exec(line.trim())
    if (match) out[match[1]!] = match[2]!.trim()
  }
  return out
}

export function sysctlNumber(values: Record<string, string>, name: string): number | null {
  const raw = values[name]
  if (raw === undefined || !/^\d+$/.test(raw)) return null
  return Number(raw)
}

function records(json: string, key: string): Record<string, unknown>[] {
  try {
    const value = (JSON.parse(json) as Record<string, unknown>)[key]
    return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : []
  } catch {
    return []
  }
}

/** Sizes as system_profiler prints them: "192 GB", "64 GB" (Apple's GB of RAM are GiB). */
function profilerBytes(text: unknown): number | null {
  if (typeof text !== 'string') return null
  const match = /^(\d+(?:\.\d+)?)\s*(GB|TB|MB)$/i.exec(text.trim())
  if (!match) return null
  const power = { MB: 2, GB: 3, TB: 4 }[match[2]!.toUpperCase() as 'MB' | 'GB' | 'TB']
  return Math.round(Number(match[1]) * 1024 ** power)
}

export interface HardwareProfile {
  /** "Apple M2 Ultra" */
  readonly chipName: string | null
  readonly machineModel: string | null
  readonly memoryBytes: number | null
}

/** `system_profiler SPHardwareDataType -json`: SPHardwareDataType[0].chip_type, machine_model, physical_memory. */
export function parseHardwareProfile(json: string): HardwareProfile | null {
  const item = records(json, 'SPHardwareDataType')[0]
  if (!item) return null
  const text = (key: string): string | null => (typeof item[key] === 'string' ? (item[key] as string) : null)
  return { chipName: text('chip_type'), machineModel: text('machine_model'), memoryBytes: profilerBytes(item.physical_memory) }
}

/** `system_profiler SPDisplaysDataType -json`: the GPU entry's sppci_cores (a string, e.g. "76"). */
export function parseGpuCores(json: string): number | null {
  for (const item of records(json, 'SPDisplaysDataType')) {
    const cores = item.sppci_cores
    if (typeof cores === 'string' && /^\d+$/.test(cores)) return Number(cores)
    if (typeof cores === 'number' && Number.isInteger(cores)) return cores
  }
  return null
}

export interface VmStat {
  readonly pageBytes: number
  /** Pages by vm_stat's row names without "Pages " and the trailing colon: free, active, inactive, speculative, … */
  readonly pages: Readonly<Record<string, number>>
  /** Free + inactive + speculative + purgeable pages: memory the system can hand out without swapping. */
  readonly availableBytes: number
}

/** `vm_stat`: "Mach Virtual Memory Statistics: (page size of 16384 bytes)", then "Pages free:   12345." rows. */
export function parseVmStat(text: string): VmStat | null {
  const size = /page size of (\d+) bytes/.exec(text)
  if (!size) return null
  const pages: Record<string, number> = {}
  for (const line of text.split('\n')) {
    const match = /^(?:Pages\s+)?([^:]+):\s+(\d+)\.?\s*$/.exec(line.trim())
    if (match) pages[match[1]!.trim().toLowerCase()] = Number(match[2])
  }
  const pageBytes = Number(size[1])
  const available = ['free', 'inactive', 'speculative', 'purgeable'].reduce((sum, k) => sum + (pages[k] ?? 0), 0)
  return { pageBytes, pages, availableBytes: available * pageBytes }
}

/** `memory_pressure`: "System-wide memory free percentage: 62%". */
export function parseMemoryPressure(text: string): number | null {
  const match = /System-wide memory free percentage:\s*(\d+)%/.exec(text)
  return match ? Number(match[1]) : null
}

/** `sw_vers`: "ProductVersion:\t15.6". */
export function parseSwVers(text: string): { name: string | null; version: string | null; build: string | null } {
  const field = (key: string): string | null => new RegExp(`^${key}:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim() ?? null
  return { name: field('ProductName'), version: field('ProductVersion'), build: field('BuildVersion') }
}

/** The catalog chip of a marketing name ("Apple M2 Ultra" → m2-ultra), or null for a chip fleet does not list. */
export function chipIdOf(name: string): string | null {
  const bare = name
    .replace(/^Apple\s+/i, '')
    .trim()
    .toLowerCase()
  return CHIPS.find((c) => c.name.toLowerCase() === bare)?.id ?? null
}

/** Linux `/proc/meminfo`: MemTotal and MemAvailable in bytes. */
export function parseMeminfo(text: string): { totalBytes: number | null; availableBytes: number | null } {
  const kib = (key: string): number | null => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text)
    return match ? Number(match[1]) * 1024 : null
  }
  return { totalBytes: kib('MemTotal'), availableBytes: kib('MemAvailable') }
}

/** Linux `/etc/os-release`: PRETTY_NAME. */
export function parseOsRelease(text: string): string | null {
  const match = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(text)
  return match ? match[1]!.trim() : null
}

/** Linux `/proc/cpuinfo`: the first "model name". */
export function parseCpuModel(text: string): string | null {
  const match = /^model name\s*:\s*(.+)$/m.exec(text)
  return match ? match[1]!.trim() : null
}
