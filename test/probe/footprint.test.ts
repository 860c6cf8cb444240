/**
 * A server's real memory for `fleet status` (src/observe/footprint.ts): a real process tree on this box (a shell
 * whose child holds 200 MB) summed from /proc, the parsers, and status's warning when a server outgrows its plan.
 */
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { footprintOf, parseFootprint, parseVmRss, processTree } from '../../src/observe/footprint.ts'
import { renderStatus, type MachineStatus } from '../../src/commands/status.ts'
import { styler } from '../../src/ui/io.ts'

describe('footprint', () => {
  it.skipIf(process.platform !== 'linux')('sums the resident memory of a process and its children from /proc', async () => {
    const script = `${JSON.stringify(process.execPath)} -e "const b = Buffer.alloc(200e6, 1); process.stdout.write('up\\\\n'); setInterval(() => b[0]++, 1000)"`
    const parent = spawn('/bin/sh', ['-c', `${script}; sleep 60`], { stdio: ['ignore', 'pipe', 'ignore'] })
    try {
      await new Promise<void>((resolve) => parent.stdout.once('data', () => resolve()))
      const f = await footprintOf(parent.pid!)
      expect(f).toMatchObject({ kind: 'rss', source: '/proc/PID/status VmRSS, summed over the process tree' })
      expect(f!.pids[0]).toBe(parent.pid)
      expect(f!.pids.length).toBeGreaterThanOrEqual(2)
      expect(f!.bytes).toBeGreaterThan(200e6)
    } finally {
      parent.kill('SIGKILL')
      spawn('pkill', ['-KILL', '-P', String(parent.pid)])
    }
  })

  it('parses ps trees, /proc status and footprint summaries', () => {
    expect(processTree('  1     0\n 10     1\n 11    10\n 12    10\n 20     1\n 13    11\n', 10)).toEqual([10, 11, 12, 13])
    expect(parseVmRss('Name:\tnode\nVmRSS:\t  123456 kB\nThreads: 7\n')).toBe(123456 * 1024)
    expect(parseVmRss('Name:\tkthreadd\n')).toBeNull()
    const fp = parseFootprint('======\npython3.12 [4242]: 64-bit    Footprint: 5012 MB (16384 bytes per page)\n======\n')
    expect([...fp]).toEqual([[4242, 5012 * 2 ** 20]])
  })

  it('status warns about a server that uses more than its plan by the margin, naming the figure', () => {
    const row = {
      engine: 'llama.cpp',
      loaded: true,
      running: true,
      pid: 7,
      startedAt: null,
      restarts: 0,
      lastExitCode: null,
      healthy: true,
      port: 8080,
      memory: { kind: 'phys_footprint' as const, source: 'footprint (physical footprint, Metal buffers included)' },
    }
    const doc: MachineStatus = {
      version: 1,
      machine: 'studio',
      backend: 'launchd',
      wiredLimit: null,
      deployments: [
        { ...row, deployment: 'big', residentBytes: 12 * 2 ** 30, plannedBytes: 10 * 2 ** 30, overPlan: true },
        { ...row, deployment: 'ok', residentBytes: 10.5 * 2 ** 30, plannedBytes: 10 * 2 ** 30, overPlan: false },
      ],
    }
    const text = renderStatus(doc, styler(false), new Date())
    expect(text).toContain('warning big uses 12.0 GiB, 20 % more than the 10.0 GiB planned (footprint (physical footprint, Metal buffers included))')
    expect(text).not.toContain('warning ok')
    expect(text).toMatch(/big .* 12\.0 GiB ! +10\.0 GiB/)
  })
})
