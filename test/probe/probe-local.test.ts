/**
 * fleet probe on this Linux box, for real: /proc and /etc/os-release read, free disk from statfs, and the bandwidth
 * timed with node-mlx's CPU backend (the same code that times Metal on a Mac). Then through the built CLI: without a
 * fleet.yaml, with --save into fleet.probe.json, and plan budgeting a machine with the recorded working set.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseMeminfo } from '../../src/probe/parse.ts'
import { probeLocal } from '../../src/probe/probe-local.ts'
import type { ProbeReport } from '../../src/probe/report.ts'
import { runCliAsync } from '../support/cli.ts'
import { requireMlx } from '../support/tiny-models.ts'

describe.skipIf(process.platform !== 'linux')('probe on Linux', () => {
  it('reads RAM, OS and free disk, and times memory bandwidth with MLX’s CPU backend', async () => {
    requireMlx()
    const dir = mkdtempSync(join(tmpdir(), 'fleet-probe-'))
    const report = await probeLocal({ machine: 'box', hubCache: join(dir, 'hub'), now: new Date('2026-12-03T00:00:00Z'), bandwidthBytes: 2 ** 26 })
    expect(report.memoryBytes).toEqual({ value: parseMeminfo(readFileSync('/proc/meminfo', 'utf8')).totalBytes, source: '/proc/meminfo (MemTotal)' })
    expect(report.os?.value).toMatch(/\w/)
    expect(report.cache.freeBytes!.value).toBeGreaterThan(0)
    // A real measurement: more than 100 MB/s and less than 1 TB/s on any machine this runs on.
    expect(report.bandwidthBytesPerSecond!.value).toBeGreaterThan(1e8)
    expect(report.bandwidthBytesPerSecond!.value).toBeLessThan(1e12)
    expect(report.bandwidthBytesPerSecond!.source).toBe('MLX cpu sum over 64 MiB of float32, best of 5 after a warm-up')
    // Off macOS there is no Metal and no wired limit: absent, never guessed.
    expect([report.workingSetBytes, report.wiredLimitMiB, report.gpuCores]).toEqual([null, null, null])
  })

  it('fleet probe without fleet.yaml probes this machine; --save records fleet.yaml’s machine; plan budgets with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-probe-cli-'))
    const env = { HOME: dir, HF_HUB_OFFLINE: '1' }
    const alone = await runCliAsync(['probe', '--json'], { cwd: dir, env })
    expect(alone.code).toBe(0)
    const doc = JSON.parse(alone.stdout) as { version: number; machines: ProbeReport[] }
    expect(doc.version).toBe(1)
    expect(doc.machines.map((m) => m.machine)).toEqual([null])
    const text = await runCliAsync(['probe'], { cwd: dir, env })
    expect(text.stdout).toMatch(/^this machine \(linux, /)
    expect(text.stdout).toMatch(/bandwidth +[\d.]+ GB\/s measured +MLX cpu sum/)

    writeFileSync(
      join(dir, 'fleet.yaml'),
      'version: 1\nmachines:\n  box: { chip: m4-max, memory: 64GB, serviceManager: process }\nmodels:\n  m: { source: hf:mlx-community/Qwen3-8B-4bit }\ndeployments:\n  chat: { machine: box, model: m, engine: mlx-lm, port: 8080 }\n',
    )
    const saved = await runCliAsync(['probe', '--save'], { cwd: dir, env })
    expect(saved.code).toBe(0)
    expect(saved.stdout).toContain(`Recorded box in ${join(dir, 'fleet.probe.json')}`)
    const file = JSON.parse(readFileSync(join(dir, 'fleet.probe.json'), 'utf8')) as { version: number; machines: Record<string, ProbeReport> }
    expect(file.machines.box!.machine).toBe('box')

    // A Mac's recorded probe (here written as probe would on that Mac): plan budgets with its working set, and says so.
    const mac: ProbeReport = {
      ...file.machines.box!,
      platform: 'darwin',
      memoryBytes: { value: 64 * 2 ** 30, source: 'sysctl hw.memsize' },
      workingSetBytes: { value: 52 * 2 ** 30, source: 'Metal recommendedMaxWorkingSetSize (node-mlx mx.metal.device_info)' },
    }
    writeFileSync(join(dir, 'fleet.probe.json'), JSON.stringify({ version: 1, machines: { box: mac } }))
    const plan = await runCliAsync(['plan', '--offline', '--json'], { cwd: dir, env })
    const machine = (JSON.parse(plan.stdout) as { machines: { gpuWorkingSetBytes: number; gpuWorkingSetSource: string; budget: { derivation: string } }[] }).machines[0]!
    expect(machine.gpuWorkingSetBytes).toBe(52 * 2 ** 30)
    expect(machine.gpuWorkingSetSource).toBe('measured')
    expect(machine.budget.derivation).toMatch(/GPU working set 52\.0 GiB \(measured by fleet probe \d{4}-\d\d-\d\d, fleet\.probe\.json\)/)
    // A probe of other hardware under the same name is not used.
    writeFileSync(join(dir, 'fleet.probe.json'), JSON.stringify({ version: 1, machines: { box: { ...mac, memoryBytes: { value: 32 * 2 ** 30, source: 'sysctl hw.memsize' } } } }))
    const other = JSON.parse((await runCliAsync(['plan', '--offline', '--json'], { cwd: dir, env })).stdout) as { machines: { gpuWorkingSetSource: string }[] }
    expect(other.machines[0]!.gpuWorkingSetSource).toBe('default')
  }, 60_000)
})
