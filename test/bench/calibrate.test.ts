/**
 * The calibration fit (src/bench/calibrate.ts) on points made from a known law, the file fleet reads it from (bad
 * entries left out, never NaN speeds), the prompt that no server can answer from a cached prefix, and the streaming
 * client against a real SSE server on 127.0.0.1.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fitCalibration, lookupIn, type CalibrationPoint } from '../../src/bench/calibrate.ts'
import { readCalibrationFile } from '../../src/bench/file.ts'
import { promptOf } from '../../src/bench/run.ts'
import { streamCompletion } from '../../src/bench/stream.ts'
import { recordedWorkingSets } from '../../src/probe/file.ts'
import type { Machine } from '../../src/config/types.ts'

const BW = 400e9
const context = { machine: 'studio', engine: 'llama.cpp' as const, bandwidthBytesPerSecond: BW, peakFlops: 30e12, measuredAt: '2026-12-03T00:00:00Z', fittedPerTokenSeconds: 0.004 }
/** Points of a machine whose true efficiency is 0.7 and t0 (per 32 layers) 3 ms. */
const law = (bytes: number, layers: number): CalibrationPoint => ({
  bytesPerToken: bytes,
  secondsPerToken: bytes / (0.7 * BW) + 0.003 * (layers / 32),
  depth: layers / 32,
  moeSeconds: 0,
  promptFlops: 2 * 8e9 * 1000,
  ttftSeconds: (2 * 8e9 * 1000) / (0.5 * 30e12),
})

describe('fitCalibration', () => {
  it('recovers efficiency, per-token cost and prefill rate when the bytes vary (models, contexts)', () => {
    const c = fitCalibration([law(4e9, 32), law(8e9, 32), law(40e9, 80), law(20e9, 64)], context)!
    expect(c.bandwidthEfficiency).toBeCloseTo(0.7, 6)
    expect(c.perTokenSeconds).toBeCloseTo(0.003, 9)
    expect(c.flopsEfficiency).toBeCloseTo(0.5, 6)
    expect(c.source).toBe('fleet bench 2026-12-03, fleet.calibration.json')
  })

  it('with bytes that barely vary, keeps the fitted per-token cost and measures the efficiency alone', () => {
    const c = fitCalibration([law(4e9, 32), law(4.4e9, 32)], context)!
    expect(c.perTokenSeconds).toBe(0.004)
    // The 1 ms difference in t0 is absorbed: the efficiency is close to the truth, not wild.
    expect(c.bandwidthEfficiency).toBeGreaterThan(0.6)
    expect(c.bandwidthEfficiency).toBeLessThan(0.75)
  })

  it('refuses a prefill faster than the peak (a cached prompt) and needs two points', () => {
    const cached = { ...law(4e9, 32), ttftSeconds: 1e-6 }
    expect(fitCalibration([cached, law(20e9, 32)], context)!.flopsEfficiency).toBeNull()
    expect(fitCalibration([law(4e9, 32)], context)).toBeNull()
  })

  it('rescales the efficiency when the machine’s catalog bandwidth changed since', () => {
    const c = fitCalibration([law(4e9, 32), law(40e9, 32)], context)!
    const lookup = lookupIn({ version: 1, calibrations: { 'studio/llama.cpp': c } })
    const machine = { name: 'studio', bandwidthBytesPerSecond: 800e9 } as Machine
    expect(lookup(machine, 'llama.cpp')!.bandwidthEfficiency).toBeCloseTo(0.35, 6)
    expect(lookup(machine, 'mlx-lm')).toBeNull()
  })
})

describe('the files plans read', () => {
  it('leaves out calibration entries with missing or impossible constants', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-cal-'))
    const good = { machine: 'a', engine: 'llama.cpp', source: 's', bandwidthEfficiency: 0.6, bandwidthBytesPerSecond: 1e11, perTokenSeconds: 0.003, flopsEfficiency: 0.4 }
    const file = join(dir, 'fleet.calibration.json')
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        calibrations: { 'a/llama.cpp': good, 'b/llama.cpp': { ...good, machine: 'b', bandwidthEfficiency: null }, 'c/llama.cpp': { ...good, machine: 'c', flopsEfficiency: 0 } },
      }),
    )
    expect(Object.keys(readCalibrationFile(file)!.calibrations)).toEqual(['a/llama.cpp'])
    writeFileSync(file, 'not json')
    expect(readCalibrationFile(file)).toBeNull()
  })

  it('uses a recorded probe only when its figures are there and it is of this machine', () => {
    const m = (name: string, wired: number | null = null) => ({ name, memoryBytes: 64 * 2 ** 30, gpuWiredLimitBytes: wired }) as Machine
    const entry = { memoryBytes: { value: 64 * 2 ** 30 }, workingSetBytes: { value: 48 * 2 ** 30 }, measuredAt: '2026-12-03T00:00:00Z', wiredLimitMiB: { value: 0 } }
    const file = { version: 1 as const, machines: { ok: entry, broken: { memoryBytes: 'lots' }, handSet: { ...entry, wiredLimitMiB: { value: 57344 } } } } as never
    const got = recordedWorkingSets(file, [m('ok'), m('broken'), m('handSet'), m('absent')])
    expect([...got.keys()]).toEqual(['ok'])
    // A limit fleet.yaml declares is applied at every boot: then the raised working set is the machine's.
    expect([...recordedWorkingSets(file, [m('handSet', 56 * 2 ** 30)]).keys()]).toEqual(['handSet'])
  })
})

describe('bench requests', () => {
  it('never share a prefix a server could have cached', () => {
    const [a, b] = [promptOf(8, 1), promptOf(8, 2)]
    expect(a.split(' ')).toHaveLength(8)
    expect(a.split(' ')[0]).not.toBe(b.split(' ')[0])
  })

  it('times the first token and the decode from a real SSE stream, counting the server’s tokens', async () => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      let i = 0
      const tick = (): void => {
        if (i === 10) {
          res.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 10 } })}\n\n`)
          res.end('data: [DONE]\n\n')
          return
        }
        i += 1
        res.write(`data: ${JSON.stringify({ choices: [{ text: ' x' }] })}\n\n`)
        setTimeout(tick, 20)
      }
      setTimeout(tick, 100)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    const port = (server.address() as { port: number }).port
    try {
      const r = await streamCompletion({ url: `http://127.0.0.1:${port}/v1/completions`, model: 'm', prompt: 'hi', maxTokens: 10, timeoutMs: 5000 })
      expect(r).toMatchObject({ ok: true, completionTokens: 10, promptTokens: 5 })
      if (!r.ok) return
      expect(r.ttftSeconds).toBeGreaterThan(0.09)
      expect(r.ttftSeconds).toBeLessThan(0.5)
      // 9 intervals of ~20 ms: about 50 tok/s (timers only ever run late, so not above).
      expect(r.decodeTokensPerSecond!).toBeGreaterThan(20)
      expect(r.decodeTokensPerSecond!).toBeLessThan(52)
    } finally {
      server.close()
    }
  })
})
