/**
 * fleet bench through the built CLI against llama-server stand-ins whose streaming speed follows a known law
 * (test/support/engine-fixtures/fixture-lib.mjs streamLawCompletion: per token (weights + KV × context) / bandwidth +
 * t0, first token after a delay plus prompt / prefill rate). The measured figures match the law (within 25 %, for
 * timers on a loaded CI box; 0.3 % on an idle one); two streams are each slower; --calibrate records the machine's
 * constants; and the plan's prediction for another model on that machine — never benchmarked — moves from the
 * catalog's (about a thousand tok/s for this slow stand-in) to near its true speed. The SVG report draws both.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCliAsync } from '../support/cli.ts'
import { FIXTURE_SCRIPTS, freePort } from '../support/engine-fixtures/index.ts'
import { startTestHub, type TestHub } from '../support/hub-server.ts'
import { TINY_LLAMA_CONFIG, tinyGguf, tinyGgufRepo } from '../support/tiny-models.ts'

const BANDWIDTH = 100e6
const T0_MS = 1
/** llama.cpp's f16 KV cache of the tiny Llama: layers × KV heads × head dim × (K + V) × 2 bytes per token. */
const kvPerToken = (layers: number): number => layers * TINY_LLAMA_CONFIG.num_key_value_heads * TINY_LLAMA_CONFIG.head_dim * 2 * 2
const BIGGER = { ...TINY_LLAMA_CONFIG, num_hidden_layers: 8, intermediate_size: 1024 }

describe('fleet bench', () => {
  let hub: TestHub
  let dir: string
  let env: NodeJS.ProcessEnv
  let port: number
  const file = (): string => join(dir, 'fleet.yaml')
  const cli = (...args: string[]) => runCliAsync([...args, '-f', file()], { env, timeoutMs: 120_000 })
  const truthAt = (weights: number, layers: number, context: number): number => 1 / ((weights + kvPerToken(layers) * context) / BANDWIDTH + T0_MS / 1000)

  beforeAll(async () => {
    hub = await startTestHub({ repos: [tinyGgufRepo(), tinyGgufRepo('test-org/Bigger-Llama-GGUF', BIGGER)] })
    dir = mkdtempSync(join(tmpdir(), 'fleet-bench-'))
    const bin = join(dir, 'bin')
    mkdirSync(bin)
    // The law's constants reach the stand-in through its wrapper (a service gets only its definition's environment).
    const llama = join(bin, 'llama-server')
    writeFileSync(
      llama,
      `#!/bin/sh\nexport FIXTURE_BANDWIDTH=${BANDWIDTH} FIXTURE_T0_MS=${T0_MS} FIXTURE_KV_BYTES_PER_TOKEN=${kvPerToken(TINY_LLAMA_CONFIG.num_hidden_layers)} FIXTURE_PREFILL_TPS=20000 FIXTURE_FIRST_TOKEN_MS=5\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(FIXTURE_SCRIPTS['llama.cpp'])} "$@"\n`,
    )
    chmodSync(llama, 0o755)
    port = await freePort()
    env = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(dir, 'hub'), FLEET_STATE_DIR: join(dir, 'state'), HOME: join(dir, 'home') }
    writeFileSync(
      file(),
      `version: 1
engines:
  llama.cpp: { path: ${llama} }
machines:
  box: { chip: m4-max, memory: 128GB, serviceManager: process }
models:
  tiny: { source: hf:test-org/Tiny-Llama-GGUF, quant: Q8_0 }
  bigger: { source: hf:test-org/Bigger-Llama-GGUF, quant: Q8_0 }
deployments:
  chat: { machine: box, model: tiny, engine: llama.cpp, port: ${port}, context: 4k, parallel: 2 }
`,
    )
    const applied = await cli('apply')
    expect(applied.code).toBe(0)
  }, 120_000)

  afterAll(async () => {
    if (env) await cli('destroy')
    await hub?.close()
  }, 60_000)

  it('measures TTFT and decode speed as the law sets them, next to the plan, and calibrates the machine', async () => {
    const out = join(dir, 'bench.json')
    const report = join(dir, 'bench.svg')
    const r = await cli('bench', '--lengths', '128,1024,3000', '--max-tokens', '24', '--repetitions', '2', '--calibrate', '--out', out, '--report', report)
    expect(r.stderr).not.toMatch(/internal error/)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/chat on box \(llama\.cpp\)/)
    expect(r.stdout).toMatch(/Calibrated box llama\.cpp from 3 points/)
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      machines: { results: { points: { promptTokens: number; measuredPromptTokens: number; concurrency: number; ttftSeconds: { mean: number }; decodeTokensPerSecond: { mean: number } }[] }[] }[]
    }
    const points = doc.machines[0]!.results[0]!.points
    expect(points.map((p) => [p.promptTokens, p.measuredPromptTokens, p.concurrency])).toEqual([
      [128, 128, 1],
      [128, 128, 2],
      [1024, 1024, 1],
      [1024, 1024, 2],
      [3000, 3000, 1],
      [3000, 3000, 2],
    ])
    // Two streams at once: each is slower (the stand-in's law: 30 % per other stream), as on a real server.
    for (const tokens of [128, 1024, 3000]) {
      const [one, two] = [1, 2].map((c) => points.find((p) => p.promptTokens === tokens && p.concurrency === c)!.decodeTokensPerSecond.mean)
      expect(two! / one!).toBeGreaterThan(0.5)
      expect(two! / one!).toBeLessThan(0.95)
    }
    // The stand-in's file is what its law reads per token.
    const weights = statSync(
      join(dir, 'hub', 'models--test-org--Tiny-Llama-GGUF', 'snapshots', readFileSync(join(dir, 'hub', 'models--test-org--Tiny-Llama-GGUF', 'refs', 'main'), 'utf8'), 'Tiny-Llama-Q8_0.gguf'),
    ).size
    for (const p of points.filter((x) => x.concurrency === 1)) {
      const truth = truthAt(weights, TINY_LLAMA_CONFIG.num_hidden_layers, p.promptTokens + 12)
      expect(Math.abs(p.decodeTokensPerSecond.mean / truth - 1)).toBeLessThan(0.25)
      const ttft = 0.005 + p.promptTokens / 20000
      expect(Math.abs(p.ttftSeconds.mean - ttft)).toBeLessThan(0.01 + 0.3 * ttft)
    }
    const svg = readFileSync(report, 'utf8')
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.match(/class="measured"/g)).toHaveLength(3) // single-stream points
    expect(svg).toContain('class="predicted"')
    expect(svg).toContain('class="planned"')
  }, 120_000)

  it("moves the plan's prediction for a model never benchmarked on that machine towards its true speed", async () => {
    const text = readFileSync(file(), 'utf8')
    const withBigger = `${text}  other: { machine: box, model: bigger, engine: llama.cpp, port: ${await freePort()}, context: 4k }\n`
    writeFileSync(file(), withBigger)
    const calibrated = JSON.parse((await cli('plan', '--json')).stdout) as { deployments: { name: string; decodeTokensPerSecond: { typical: number }; notes: string[] }[] }
    writeFileSync(join(dir, 'fleet.calibration.json.off'), readFileSync(join(dir, 'fleet.calibration.json')))
    writeFileSync(join(dir, 'fleet.calibration.json'), '{"version": 1, "calibrations": {}}')
    const catalog = JSON.parse((await cli('plan', '--json')).stdout) as typeof calibrated
    writeFileSync(join(dir, 'fleet.calibration.json'), readFileSync(join(dir, 'fleet.calibration.json.off')))
    const biggerWeights = tinyGguf(BIGGER).byteLength
    const truth = truthAt(biggerWeights, BIGGER.num_hidden_layers, 4096)
    const after = calibrated.deployments.find((d) => d.name === 'other')!
    const before = catalog.deployments.find((d) => d.name === 'other')!
    expect(Math.abs(after.decodeTokensPerSecond.typical / truth - 1)).toBeLessThan(0.35)
    expect(Math.abs(after.decodeTokensPerSecond.typical - truth)).toBeLessThan(Math.abs(before.decodeTokensPerSecond.typical - truth) / 10)
    expect(after.notes.join(' ')).toMatch(/speed from this machine's measured constants \(fleet bench \d{4}-\d\d-\d\d, fleet\.calibration\.json\)/)
  }, 120_000)
})
