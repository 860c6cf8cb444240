/**
 * fleet probe's parsers on outputs recorded on real Macs (test/fixtures/macos/*.txt; each .source says where the
 * capture was published, on which chip and macOS) and on this Linux box's own files.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseFootprint } from '../../src/observe/footprint.ts'
import { chipIdOf, parseGpuCores, parseHardwareProfile, parseMeminfo, parseMemoryPressure, parseOsRelease, parseSwVers, parseSysctl, parseVmStat, sysctlNumber } from '../../src/probe/parse.ts'

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'macos', `${name}.txt`), 'utf8')

describe('macOS outputs', () => {
  it('system_profiler SPHardwareDataType -json: chip, model and RAM (Apple GB are GiB)', () => {
    expect(parseHardwareProfile(fixture('system-profiler-hardware-m2-ultra'))).toMatchObject({ chipName: 'Apple M2 Ultra', memoryBytes: 64 * 2 ** 30 })
    expect(parseHardwareProfile(fixture('system-profiler-hardware-m5-max'))).toMatchObject({ chipName: 'Apple M5 Max', memoryBytes: 128 * 2 ** 30 })
    const vm = parseHardwareProfile(fixture('system-profiler-hardware-m1-virtual'))
    expect(vm?.chipName).toBe('Apple M1 (Virtual)')
    expect(chipIdOf('Apple M2 Ultra')).toBe('m2-ultra')
    expect(chipIdOf('Apple M5 Max')).toBe('m5-max')
    // A virtual machine's "chip" is not one fleet can plan with.
    expect(chipIdOf(vm!.chipName!)).toBeNull()
    expect(parseHardwareProfile('not json')).toBeNull()
  })

  it('system_profiler SPDisplaysDataType -json: the GPU cores', () => {
    expect(parseGpuCores(fixture('system-profiler-displays-m1-pro'))).toBe(14)
  })

  it('sysctl name: value lines, the wired limit in force', () => {
    const m2 = parseSysctl(fixture('sysctl-hw-m2-pro'))
    expect(sysctlNumber(m2, 'hw.memsize')).toBe(32 * 2 ** 30)
    expect(m2['hw.model']).toBe('Mac14,12')
    expect(sysctlNumber(parseSysctl(fixture('sysctl-iogpu-wired-limit-m2-pro')), 'iogpu.wired_limit_mb')).toBe(0)
    expect(parseSysctl(fixture('sysctl-hw-m1-virtual'))['machdep.cpu.brand_string']).toBe('Apple M1 (Virtual)')
    // `sysctl -n` prints bare values: fleet asks with names, and bare values read as nothing rather than as wrong names.
    expect(parseSysctl(fixture('sysctl-n-m2-ultra'))).toEqual({})
  })

  it('sw_vers, vm_stat and memory_pressure', () => {
    expect(parseSwVers(fixture('sw-vers-26.4-m2'))).toEqual({ name: 'macOS', version: '26.4', build: '25E246' })
    const vm = parseVmStat(fixture('vm-stat-16gb-macos26'))!
    expect(vm.pageBytes).toBe(16384)
    expect(vm.pages.free).toBe(3860)
    expect(vm.pages.inactive).toBe(175255)
    expect(vm.availableBytes).toBe((3860 + 175255 + 299 + (vm.pages.purgeable ?? 0)) * 16384)
    expect(parseMemoryPressure(fixture('memory-pressure-m5-pro'))).toBe(70)
    expect(parseMemoryPressure(fixture('memory-pressure-q-m5-pro'))).toBe(39)
  })

  it('footprint -p PID: the physical footprint of the process', () => {
    expect([...parseFootprint(fixture('footprint-ruby-excerpt'))]).toEqual([[3644, 42 * 2 ** 20]])
  })
})

describe.skipIf(process.platform !== 'linux')('Linux files', () => {
  it('/proc/meminfo and /etc/os-release', () => {
    const m = parseMeminfo(readFileSync('/proc/meminfo', 'utf8'))
    expect(m.totalBytes).toBeGreaterThan(2 ** 30)
    expect(m.availableBytes).toBeLessThanOrEqual(m.totalBytes!)
    expect(parseOsRelease(readFileSync('/etc/os-release', 'utf8'))).toMatch(/\w/)
  })
})
