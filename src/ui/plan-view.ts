/** The human view of a plan: per machine a budget line, a bar and one row per deployment; then diagnostics. Pure. */
import { formatContext } from '../config/units.ts'
import type { PlanDocument } from '../plan/types.ts'
import { memoryOn } from '../plan/distribute.ts'
import type { DeploymentPlan } from '../plan/types.ts'
import { renderDiagnostic } from './diagnostics.ts'
import type { Style } from './io.ts'
import { bar, ellipsize, formatTable } from './table.ts'

const GiB = 2 ** 30
/** Terraform's change symbols. */
const ACTION_SYMBOL = { create: '+', update: '~', replace: '-/+', delete: '-', noop: ' ' } as const
const gib = (bytes: number, digits = 1): string => (bytes / GiB).toFixed(digits)

export interface PlanViewOptions {
  readonly paint: (style: Style, text: string) => string
  readonly text?: string | undefined
  readonly snippets: boolean
}

function speed(tps: number): string {
  return tps >= 100 ? tps.toFixed(0) : tps >= 10 ? tps.toFixed(0) : tps.toFixed(1)
}

function duration(seconds: number): string {
  if (seconds < 1) return `${(seconds * 1000).toFixed(0)} ms`
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`
  return `${(seconds / 60).toFixed(0)} min`
}

export function renderPlan(plan: PlanDocument, options: PlanViewOptions): string[] {
  const { paint } = options
  const lines: string[] = []
  for (const machine of plan.machines) {
    const ws = `GPU working set ${gib(machine.gpuWorkingSetBytes)} GiB (${{ default: 'default', declared: 'gpuWiredLimit', measured: 'measured' }[machine.gpuWorkingSetSource]})`
    lines.push(
      `${paint('bold', machine.name)}  ${machine.chipName} ${machine.gpuCores}-core GPU · ${gib(machine.memoryBytes, 0)} GB · ${(machine.bandwidthBytesPerSecond / 1e9).toFixed(0)} GB/s · ${ws} · reserve ${gib(machine.reserveBytes)} GiB`,
    )
    const fraction = machine.budgetBytes > 0 ? machine.usedBytes / machine.budgetBytes : 1
    const style: Style = fraction > 1 ? 'red' : fraction > 0.8 ? 'yellow' : 'green'
    lines.push(
      `  ${paint(style, bar(fraction))}  ${gib(machine.usedBytes)} / ${gib(machine.budgetBytes)} GiB  ${(fraction * 100).toFixed(0)}% at ${machine.fitOn}   ${paint('dim', `(${gib(machine.usedAtLoadBytes)} GiB at load, ${gib(machine.usedPeakBytes)} GiB peak) budget = ${machine.budget.derivation}`)}`,
    )
    for (const [pool, use] of Object.entries(machine.pools)) {
      if (use) lines.push(`  ${paint('dim', `pool ${pool}:`)} ${gib(use.usedBytes)} / ${gib(use.limitBytes)} GiB`)
    }
    const changeOf = (name: string): string => {
      const c = plan.changes.find((x) => x.machine === machine.name && x.name === name)
      return c ? ACTION_SYMBOL[c.action] : ' '
    }
    const rows: string[][] = [[' ', 'deployment', 'engine', 'model', 'quant', 'ctx × slots', 'weights', 'KV', 'other', 'at load', 'peak', 'decode tok/s', 'TTFT (full)']]
    for (const name of machine.deployments) {
      const d = plan.deployments.find((x) => x.name === name)!
      // A deployment split across machines shows here what this machine holds of it.
      const m = memoryOn(d, machine.name) ?? d.memory
      rows.push([
        changeOf(d.name),
        d.placement === 'multi-machine' ? `${d.name} *` : d.name,
        d.engine,
        ellipsize(d.repo ?? '(command)', 34),
        d.quant ?? '—',
        d.engine === 'command' ? '—' : `${formatContext(d.context)} × ${d.parallel}`,
        m ? `${gib(m.weightsBytes)} GiB` : '?',
        m ? gib(m.kvCacheBytes) : '?',
        m ? gib(m.overheadBytes) : '?',
        // ≥: only the weights were sized (an architecture fleet could not read), so the real figure is larger.
        m ? `${m.complete ? '' : '≥'}${gib(m.atLoadBytes)} GiB` : '?',
        m ? `${m.complete ? '' : '≥'}${gib(m.peakBytes)} GiB` : '?',
        d.decodeTokensPerSecond ? `~${speed(d.decodeTokensPerSecond.empty)} → ${speed(d.decodeTokensPerSecond.full)}${d.decodeError ? ` ±${Math.round(d.decodeError.fraction * 100)} %` : ''}` : '—',
        d.timeToFirstTokenSeconds !== null ? duration(d.timeToFirstTokenSeconds) : '—',
      ])
    }
    for (const c of plan.changes.filter((x) => x.machine === machine.name && x.action === 'delete')) {
      rows.push([ACTION_SYMBOL.delete, c.name, '', '', '', '', '', '', '', '', '', '', ''])
    }
    const table = formatTable(rows, ['left', 'left', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'])
    lines.push(`  ${paint('dim', table[0]!)}`, ...table.slice(1).map((row) => `  ${row}`))
    const reasons = plan.changes.filter((c) => c.machine === machine.name && c.action !== 'noop')
    for (const c of reasons) lines.push(`  ${paint('dim', `${ACTION_SYMBOL[c.action].trim()} ${c.name}: ${c.reasons.join('; ')}`)}`)
    lines.push('')
  }
  const multi = plan.deployments.filter((d) => d.placement === 'multi-machine')
  for (const d of multi) lines.push(paint('dim', distributedLine(d)))
  if (multi.length > 0) lines.push('')
  for (const d of plan.diagnostics) lines.push(renderDiagnostic(d, { text: options.text, snippets: options.snippets, paint }))
  if (plan.diagnostics.length > 0) lines.push('')
  lines.push(summaryLine(plan, paint))
  return lines
}

function summaryLine(plan: PlanDocument, paint: PlanViewOptions['paint']): string {
  const s = plan.summary
  const weights = plan.models.reduce((sum, m) => sum + (m.weightsBytes ?? 0), 0)
  const verdict = s.errors > 0 ? paint('red', `Plan fails: ${s.errors} error${s.errors === 1 ? '' : 's'}`) : paint('green', `Plan: every machine fits`)
  const warnings = s.warnings > 0 ? `, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}` : ''
  const observed = plan.observations ?? (plan.observation ? [plan.observation] : [])
  const where = observed.length === 1 ? observed[0]!.machine : `${observed.length} machines`
  const changes = observed.length > 0 ? ` Changes on ${where}: ${s.toAdd} to add, ${s.toChange} to change, ${s.toDestroy} to destroy.` : ''
  return `${verdict}${warnings}.${changes} ${plan.deployments.length} deployment${plan.deployments.length === 1 ? '' : 's'} on ${plan.machines.length} machine${plan.machines.length === 1 ? '' : 's'}; ${gib(weights)} GiB of weights across ${plan.models.length} model${plan.models.length === 1 ? '' : 's'}.`
}

/** "* deepseek: pipeline across ultra-a (layers 31–60), ultra-b (0–30) over 1 Gb Ethernet (assumed) …" */
function distributedLine(d: DeploymentPlan): string {
  const x = d.distributed
  if (x === null) {
    const total = d.memory ? `${gib(d.memory.totalBytes)} GiB` : 'an unknown amount'
    return `* ${d.name} spans ${d.machines.join(', ')} and needs ${total}; fleet could not split it (its architecture is unknown), so it counts against no machine.`
  }
  const ranks = x.ranks.map((r) => `${r.machine} (${x.parallelism === 'tensor' ? '1/' + x.ranks.length + ' of every layer' : `layers ${r.layers.start}–${r.layers.end - 1}`})`).join(', ')
  const links = [...new Set(x.hops.map((h) => `${h.label}${h.declared ? '' : ' (assumed: no links: entry)'}`))].join(', ')
  const alone = d.singleMachineDecodeTokensPerSecond ? `; ~${speed(d.singleMachineDecodeTokensPerSecond.typical)} tok/s on ${d.machine} alone, were it to fit` : ''
  const decode = d.decodeTokensPerSecond
    ? `~${speed(d.decodeTokensPerSecond.typical)} tok/s at ${formatContext(Math.min(4096, d.context))} across them (${(x.networkSecondsPerToken * 1000).toFixed(2)} ms/token on links)`
    : ''
  return `* ${d.name}: ${x.parallelism} over ${x.backend === 'rpc' ? 'llama.cpp RPC' : `MLX ${x.backend}`} across ${ranks}, over ${links}; ${decode}${alone}.`
}
