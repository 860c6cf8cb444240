/**
 * `fleet bench --report FILE.svg`: one self-contained SVG a person would rather look at than a table — per
 * deployment, decode speed over context length, measured (points with their min–max) against the plan's prediction
 * (a line); and per machine, the memory bar the plan fills next to the memory the servers were seen using. Pure:
 * text in, text out; no fonts or scripts are loaded.
 */
import type { PlanDocument } from '../plan/types.ts'
import type { BenchResult } from './run.ts'

interface Measured {
  readonly machine: string
  readonly results: readonly BenchResult[]
}

const W = 760
const PANEL_H = 220
const MARGIN = { left: 70, right: 20, top: 34, bottom: 40 }

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

function ticks(max: number): number[] {
  const step = 10 ** Math.floor(Math.log10(Math.max(max, 1e-9)))
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => max / s <= 6) ?? step * 10
  return Array.from({ length: Math.floor(max / nice) + 1 }, (_, i) => i * nice)
}

/** Decode tok/s the plan predicts from now on (the new calibration) for a deployment at a context, or null. */
export type Recalibrated = (deployment: string, tokens: number) => number | null

function decodePanel(r: BenchResult, machine: string, y0: number, recalibrated: Recalibrated): string {
  const single = r.points.filter((p) => p.concurrency === 1)
  const xs = single.map((p) => p.measuredPromptTokens ?? p.promptTokens)
  const after = single.map((p) => recalibrated(r.deployment, p.measuredPromptTokens ?? p.promptTokens))
  const seen = Math.max(1, ...single.flatMap((p, i) => [p.decodeTokensPerSecond.max, after[i] ?? 0]))
  const plannedMax = Math.max(0, ...single.map((p) => p.predicted.decodeTokensPerSecond ?? 0))
  // A prediction far off the measurements would flatten them into the axis: it is drawn at the top edge, with its value.
  const clipped = plannedMax > 3 * seen
  const xMax = Math.max(1, ...xs) * 1.05
  const yMax = (clipped ? seen : Math.max(seen, plannedMax)) * 1.35
  const pw = W - MARGIN.left - MARGIN.right
  const ph = PANEL_H - MARGIN.top - MARGIN.bottom
  const x = (v: number): number => MARGIN.left + (v / xMax) * pw
  const y = (v: number): number => y0 + MARGIN.top + ph - (v / yMax) * ph
  const parts: string[] = [
    `<text x="${MARGIN.left}" y="${y0 + 20}" font-size="14" font-weight="bold">${escape(`${r.deployment} on ${machine} (${r.engine}): decode tok/s over context, one stream`)}</text>`,
  ]
  parts.push(
    `<line x1="${MARGIN.left}" y1="${y(0)}" x2="${MARGIN.left + pw}" y2="${y(0)}" stroke="#444"/>`,
    `<line x1="${MARGIN.left}" y1="${y(0)}" x2="${MARGIN.left}" y2="${y0 + MARGIN.top}" stroke="#444"/>`,
  )
  for (const t of ticks(yMax))
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${y(t) + 4}" font-size="11" text-anchor="end">${t}</text>`,
      `<line x1="${MARGIN.left}" y1="${y(t)}" x2="${MARGIN.left + pw}" y2="${y(t)}" stroke="#eee"/>`,
    )
  for (const t of ticks(xMax)) parts.push(`<text x="${x(t)}" y="${y(0) + 16}" font-size="11" text-anchor="middle">${t}</text>`)
  parts.push(`<text x="${MARGIN.left + pw / 2}" y="${y0 + PANEL_H - 6}" font-size="11" text-anchor="middle">prompt tokens</text>`)
  const predicted = single
    .filter((p) => p.predicted.decodeTokensPerSecond !== null)
    .map((p) => `${x(p.measuredPromptTokens ?? p.promptTokens).toFixed(1)},${y(Math.min(yMax, p.predicted.decodeTokensPerSecond!)).toFixed(1)}`)
  if (clipped) parts.push(`<text x="${MARGIN.left + 6}" y="${y(yMax) + 14}" font-size="11" fill="#1f77b4">plan when measured: ~${plannedMax.toFixed(0)} tok/s, above this chart</text>`)
  if (predicted.length > 0) parts.push(`<polyline class="predicted" points="${predicted.join(' ')}" fill="none" stroke="#1f77b4" stroke-width="2" stroke-dasharray="6 4"/>`)
  const calibrated = single.flatMap((p, i) => (after[i] === null || after[i] === undefined ? [] : [`${x(p.measuredPromptTokens ?? p.promptTokens).toFixed(1)},${y(after[i]!).toFixed(1)}`]))
  if (calibrated.length > 0) parts.push(`<polyline class="calibrated" points="${calibrated.join(' ')}" fill="none" stroke="#2ca02c" stroke-width="2"/>`)
  for (const p of single) {
    const px = x(p.measuredPromptTokens ?? p.promptTokens)
    parts.push(
      `<line x1="${px.toFixed(1)}" y1="${y(p.decodeTokensPerSecond.min).toFixed(1)}" x2="${px.toFixed(1)}" y2="${y(p.decodeTokensPerSecond.max).toFixed(1)}" stroke="#d62728"/>`,
      `<circle class="measured" cx="${px.toFixed(1)}" cy="${y(p.decodeTokensPerSecond.mean).toFixed(1)}" r="4" fill="#d62728"><title>${escape(`${p.measuredPromptTokens ?? p.promptTokens} tokens: ${p.decodeTokensPerSecond.mean.toFixed(1)} tok/s measured, ${p.predicted.decodeTokensPerSecond?.toFixed(1) ?? '?'} predicted`)}</title></circle>`,
    )
  }
  const legend = y0 + 44
  const lx = MARGIN.left + pw - 190
  parts.push(
    `<circle cx="${lx + 10}" cy="${legend - 4}" r="4" fill="#d62728"/><text x="${lx + 20}" y="${legend}" font-size="11">measured (min–max)</text>`,
    `<line x1="${lx}" y1="${legend + 12}" x2="${lx + 20}" y2="${legend + 12}" stroke="#1f77b4" stroke-width="2" stroke-dasharray="6 4"/><text x="${lx + 24}" y="${legend + 16}" font-size="11">plan when measured</text>`,
    ...(calibrated.length > 0
      ? [
          `<line x1="${lx}" y1="${legend + 28}" x2="${lx + 20}" y2="${legend + 28}" stroke="#2ca02c" stroke-width="2"/><text x="${lx + 24}" y="${legend + 32}" font-size="11">plan with this calibration</text>`,
        ]
      : []),
  )
  return parts.join('\n')
}

function memoryPanel(plan: PlanDocument, measured: readonly Measured[], y0: number): { svg: string; height: number } {
  const rows = plan.machines
  const height = 40 + rows.length * 48
  const pw = W - MARGIN.left - MARGIN.right - 120
  const gib = (b: number): string => (b / 2 ** 30).toFixed(1)
  const parts = [`<text x="${MARGIN.left}" y="${y0 + 20}" font-size="14" font-weight="bold">Memory per machine: planned (green) and seen in use by the benchmarked servers (orange)</text>`]
  rows.forEach((m, i) => {
    const top = y0 + 34 + i * 48
    const bar = (bytes: number): number => (m.budgetBytes > 0 ? Math.min(1, bytes / m.budgetBytes) * pw : 0)
    const seen = measured.filter((x) => x.machine === m.name).flatMap((x) => x.results.map((r) => r.memory?.bytes ?? 0))
    const real = seen.reduce((a, b) => a + b, 0)
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${top + 14}" font-size="11" text-anchor="end">${escape(m.name)}</text>`,
      `<rect x="${MARGIN.left}" y="${top}" width="${pw}" height="18" fill="#f2f2f2" stroke="#999"/>`,
      `<rect class="planned" x="${MARGIN.left}" y="${top}" width="${bar(m.usedBytes).toFixed(1)}" height="18" fill="${m.usedBytes > m.budgetBytes ? '#d62728' : '#2ca02c'}"/>`,
      `<text x="${MARGIN.left + pw + 6}" y="${top + 14}" font-size="11">${gib(m.usedBytes)} / ${gib(m.budgetBytes)} GiB planned</text>`,
    )
    if (seen.length > 0) {
      parts.push(
        `<rect x="${MARGIN.left}" y="${top + 22}" width="${pw}" height="10" fill="#f2f2f2" stroke="#ccc"/>`,
        `<rect class="real" x="${MARGIN.left}" y="${top + 22}" width="${bar(real).toFixed(1)}" height="10" fill="#ff7f0e"/>`,
        `<text x="${MARGIN.left + pw + 6}" y="${top + 31}" font-size="11">${gib(real)} GiB seen</text>`,
      )
    }
  })
  return { svg: parts.join('\n'), height }
}

export function renderBenchReport(measured: readonly Measured[], plan: PlanDocument, recalibrated: Recalibrated = () => null): string {
  const panels: string[] = []
  let y = 10
  for (const m of measured) {
    for (const r of m.results) {
      if (r.points.length === 0) continue
      panels.push(decodePanel(r, m.machine, y, recalibrated))
      y += PANEL_H + 10
    }
  }
  const memory = memoryPanel(plan, measured, y)
  panels.push(memory.svg)
  y += memory.height + 10
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${panels.join('\n')}
</svg>
`
}
