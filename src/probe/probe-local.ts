/**
 * Probes the machine fleet runs on: on macOS from sysctl, system_profiler, sw_vers, vm_stat and memory_pressure, and
 * Metal through node-mlx; on Linux from /proc and /etc/os-release and MLX's CPU backend. An adapter: commands and
 * files are read here, the parsing is src/probe/parse.ts.
 */
import { readFileSync } from 'node:fs'
import { measureBandwidth, metalDeviceFacts, type MlxCore } from '../native/mlx.ts'
import { runProgram, type ProgramRunner } from '../process/run.ts'
import { freeBytes } from '../pull/disk.ts'
import { chipIdOf, parseCpuModel, parseGpuCores, parseHardwareProfile, parseMeminfo, parseMemoryPressure, parseOsRelease, parseSwVers, parseSysctl, parseVmStat, sysctlNumber } from './parse.ts'
import type { Figure, ProbeReport } from './report.ts'

export interface ProbeOptions {
  readonly machine: string | null
  readonly hubCache: string
  readonly now: Date
  readonly platform?: NodeJS.Platform
  readonly run?: ProgramRunner
  readonly readText?: (path: string) => string | null
  readonly mlx?: MlxCore | null
  /** Bytes the bandwidth measurement reads (default 1 GiB on a GPU, 256 MiB on a CPU). */
  readonly bandwidthBytes?: number
}

const SYSCTL_NAMES = ['hw.memsize', 'hw.model', 'machdep.cpu.brand_string', 'iogpu.wired_limit_mb', 'kern.osproductversion'] as const

function readTextFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

const figure = <T>(value: T | null | undefined, source: string): Figure<T> | null => (value === null || value === undefined ? null : { value, source })

export async function probeLocal(options: ProbeOptions): Promise<ProbeReport> {
  const platform = options.platform ?? process.platform
  const run = options.run ?? runProgram
  const readText = options.readText ?? readTextFile
  const free = await freeBytes(options.hubCache).catch(() => null)
  const cache = { path: options.hubCache, freeBytes: figure(free, `statfs of ${options.hubCache} (or its nearest existing parent)`) }
  const metal = platform === 'darwin' ? metalDeviceFacts(options.mlx) : null
  const bandwidth = measureBandwidth({ bytes: options.bandwidthBytes ?? (metal ? 2 ** 30 : 2 ** 28), repetitions: 5 }, options.mlx)
  const base = {
    machine: options.machine,
    measuredAt: options.now.toISOString(),
    platform,
    cache,
    bandwidthBytesPerSecond: bandwidth ? { value: bandwidth.bytesPerSecond, source: bandwidth.method } : null,
  }

  if (platform === 'darwin') {
    const [sysctl, profiler, swVers, vmStat, pressure] = await Promise.all([
      run('sysctl', [...SYSCTL_NAMES]),
      run('system_profiler', ['SPHardwareDataType', 'SPDisplaysDataType', '-json'], { timeoutMs: 60_000 }),
      run('sw_vers', []),
      run('vm_stat', []),
      run('memory_pressure', []),
    ])
    const values = parseSysctl(sysctl.stdout)
    const hardware = profiler.exitCode === 0 ? parseHardwareProfile(profiler.stdout) : null
    const chipName = hardware?.chipName ?? values['machdep.cpu.brand_string'] ?? null
    const os = parseSwVers(swVers.stdout)
    const vm = parseVmStat(vmStat.stdout)
    return {
      ...base,
      chip: figure(chipName, hardware?.chipName ? 'system_profiler SPHardwareDataType (chip_type)' : 'sysctl machdep.cpu.brand_string'),
      chipId: chipName === null ? null : chipIdOf(chipName),
      gpuCores: figure(profiler.exitCode === 0 ? parseGpuCores(profiler.stdout) : null, 'system_profiler SPDisplaysDataType (sppci_cores)'),
      memoryBytes: figure(sysctlNumber(values, 'hw.memsize'), 'sysctl hw.memsize'),
      os: figure(os.version === null ? null : `${os.name ?? 'macOS'} ${os.version}${os.build ? ` (${os.build})` : ''}`, 'sw_vers'),
      workingSetBytes: figure(metal?.workingSetBytes, 'Metal recommendedMaxWorkingSetSize (node-mlx mx.metal.device_info)'),
      wiredLimitMiB: figure(sysctlNumber(values, 'iogpu.wired_limit_mb'), 'sysctl iogpu.wired_limit_mb'),
      availableBytes: figure(vm?.availableBytes, 'vm_stat (free + inactive + speculative + purgeable pages)'),
      memoryFreePercent: figure(parseMemoryPressure(pressure.stdout), 'memory_pressure'),
    }
  }
  const meminfo = parseMeminfo(readText('/proc/meminfo') ?? '')
  const cpu = parseCpuModel(readText('/proc/cpuinfo') ?? '')
  return {
    ...base,
    chip: figure(cpu, '/proc/cpuinfo (model name)'),
    chipId: null,
    gpuCores: null,
    memoryBytes: figure(meminfo.totalBytes, '/proc/meminfo (MemTotal)'),
    os: figure(parseOsRelease(readText('/etc/os-release') ?? ''), '/etc/os-release (PRETTY_NAME)'),
    workingSetBytes: null,
    wiredLimitMiB: null,
    availableBytes: figure(meminfo.availableBytes, '/proc/meminfo (MemAvailable)'),
    memoryFreePercent:
      meminfo.totalBytes && meminfo.availableBytes !== null ? { value: Math.round((100 * meminfo.availableBytes) / meminfo.totalBytes), source: '/proc/meminfo (MemAvailable ÷ MemTotal)' } : null,
  }
}
