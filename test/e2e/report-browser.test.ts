/**
 * The bench report as a person sees it: rendered by a real browser (Debian's chromium, headless). The SVG parses as
 * XML (no parsererror in the DOM chromium builds), draws the measured points and both prediction lines, and its
 * screenshot has the report's size and is far from blank (compared with a white SVG of the same size).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { renderBenchReport } from '../../src/bench/report-svg.ts'
import type { BenchResult } from '../../src/bench/run.ts'
import type { PlanDocument } from '../../src/plan/types.ts'
import { ROOT, runCliAsync } from '../support/cli.ts'

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))

function chromium(args: string[]): string {
  return execFileSync(CHROMIUM!, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', ...args], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] })
}

/** Width and height from the PNG's IHDR chunk. */
function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path)
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) }
}

// CI installs chromium (.ci/run): there the test must run, never skip.
describe.skipIf(CHROMIUM === undefined && process.env.CI === undefined)('bench report in a browser', () => {
  it('renders predicted against measured and the memory bars', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-report-'))
    const plan = JSON.parse((await runCliAsync(['plan', '--json', '--offline', '-f', 'examples/studio-70b-32b.yaml'], { cwd: ROOT, env: { HOME: dir, HF_HUB_OFFLINE: '1' } })).stdout) as PlanDocument
    const point = (promptTokens: number, measured: number, predicted: number) => ({
      promptTokens,
      measuredPromptTokens: promptTokens,
      concurrency: 1,
      repetitions: 3,
      ttftSeconds: { mean: 0.2, min: 0.18, max: 0.25 },
      decodeTokensPerSecond: { mean: measured, min: measured * 0.95, max: measured * 1.04 },
      predicted: { ttftSeconds: 0.22, decodeTokensPerSecond: predicted },
    })
    const result: BenchResult = {
      deployment: 'reason',
      machine: 'studio',
      engine: 'llama.cpp',
      url: 'http://127.0.0.1:8080/v1/completions',
      points: [point(128, 11.8, 12.4), point(2048, 11.1, 11.9), point(8192, 9.7, 10.6), point(32768, 6.9, 7.8)],
      calibration: [],
      errors: [],
      memory: { bytes: 44 * 2 ** 30, source: 'footprint' },
    }
    const svg = renderBenchReport([{ machine: 'studio', results: [result] }], plan, (_d, tokens) => 12.1 - tokens / 8000)
    const file = join(dir, 'report.svg')
    writeFileSync(file, svg)
    const dom = chromium(['--dump-dom', `file://${file}`])
    expect(dom).not.toContain('parsererror')
    expect(dom.match(/class="measured"/g)).toHaveLength(4)
    expect(dom).toContain('class="predicted"')
    expect(dom).toContain('class="calibrated"')
    expect(dom).toContain('class="real"')

    const width = Number(/width="(\d+)"/.exec(svg)![1])
    const height = Number(/height="(\d+)"/.exec(svg)![1])
    const shot = join(dir, 'report.png')
    chromium([`--screenshot=${shot}`, `--window-size=${width},${height}`, `file://${file}`])
    expect(pngSize(shot)).toEqual({ width, height })
    const blank = join(dir, 'blank.svg')
    writeFileSync(blank, `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/></svg>`)
    const blankShot = join(dir, 'blank.png')
    chromium([`--screenshot=${blankShot}`, `--window-size=${width},${height}`, `file://${blank}`])
    expect(statSync(shot).size).toBeGreaterThan(5 * statSync(blankShot).size)
  }, 120_000)
})
