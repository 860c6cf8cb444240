/**
 * `fleet probe [--machine NAME…] [--json] [--save]`: what each machine is and has, measured there — chip and GPU
 * cores, RAM, OS, Metal's working set and the wired limit in force, free disk where the model cache lives, memory
 * available now, and memory bandwidth timed with MLX. This machine is probed in-process, machines with host: by
 * their own fleet over ssh. Without a fleet.yaml it probes this machine (what `fleet init` starts from). `--save`
 * records the reports in fleet.probe.json next to fleet.yaml, which `plan` then uses for those machines' budgets.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { loadFleet } from '../config/load.ts'
import { hasErrors } from '../config/diagnostics.ts'
import { renderDiagnostic, summarize } from '../ui/diagnostics.ts'
import type { Machine } from '../config/types.ts'
import { UserError } from '../errors.ts'
import { resolveHubConfig } from '../hub/config.ts'
import { hubPathsFor } from '../observe/paths.ts'
import { localMachine } from '../observe/local.ts'
import { probeLocal } from '../probe/probe-local.ts'
import { PROBE_FILE, readProbeFile } from '../probe/file.ts'
import { PROBE_VERSION, type Figure, type ProbeReport } from '../probe/report.ts'
import { callRemote } from '../remote/client.ts'
import { fleetPayload, REMOTE_CONCURRENCY, selectMachines } from '../remote/machines.ts'
import { styler, type Io } from '../ui/io.ts'
import { formatTable } from '../ui/table.ts'
import { mapLimit } from '../util/map-limit.ts'

export interface ProbeOptions {
  readonly file: string
  readonly json: boolean
  readonly machines: readonly string[]
  readonly save: boolean
  readonly cwd?: string
  readonly now?: Date
}

type Outcome = { readonly report: ProbeReport } | { readonly machine: string; readonly error: string; readonly hint?: string }

/** The machine fleet runs on, as fleet.yaml names it (or anonymous). */
async function probeThis(machine: Machine | null, env: NodeJS.ProcessEnv, now: Date): Promise<ProbeReport> {
  const hubCache = machine ? hubPathsFor(machine, env).hubCache : resolveHubConfig(env).hubCache
  return probeLocal({ machine: machine?.name ?? null, hubCache, now })
}

/** The agent's side: probe this machine and print the report as JSON. */
export async function probeHere(options: { file: string; cwd?: string; machine?: string }, io: Io): Promise<number> {
  const loaded = loadFleet(resolve(options.cwd ?? process.cwd(), options.file), options.file)
  const machine = loaded.fleet?.machines.find((m) => m.name === options.machine) ?? null
  io.out(`${JSON.stringify(await probeThis(machine, io.env, new Date()))}\n`)
  return 0
}

export async function probe(options: ProbeOptions, io: Io): Promise<number> {
  const paint = styler(io.color)
  const now = options.now ?? new Date()
  const path = resolve(options.cwd ?? process.cwd(), options.file)
  let outcomes: Outcome[]
  if (!existsSync(path)) {
    if (options.machines.length > 0 || options.save) throw new UserError(`${options.file} does not exist`, { hint: '--machine and --save need a fleet.yaml; fleet probe alone probes this machine' })
    outcomes = [{ report: await probeThis(null, io.env, now) }]
  } else {
    const loaded = loadFleet(path, options.file)
    if (hasErrors(loaded.diagnostics) || !loaded.fleet || !loaded.source) {
      for (const d of loaded.diagnostics) io.err(`${renderDiagnostic(d, { text: loaded.source?.text, snippets: io.isTTY, paint })}\n`)
      io.err(`${options.file}: ${summarize(loaded.diagnostics)}\n`)
      return 1
    }
    const fleet = loaded.fleet
    const selection = selectMachines(fleet, options.machines)
    const local = selection.local ?? (options.machines.length === 0 ? localMachine(fleet, process.platform) : null)
    const payload = fleetPayload(path, loaded.source.text)
    const chosen = [...(local ? [local] : []), ...selection.remote.filter((m) => m !== local)]
    if (chosen.length === 0) outcomes = [{ report: await probeThis(null, io.env, now) }]
    else
      outcomes = await mapLimit(chosen, REMOTE_CONCURRENCY, async (machine): Promise<Outcome> => {
        if (machine.host === null) return { report: await probeThis(machine, io.env, now) }
        const outcome = await callRemote(machine, io.env, { op: 'probe', fleet: payload })
        if (!outcome.ok) return { machine: machine.name, error: outcome.failure.message, hint: outcome.failure.hint }
        if (outcome.error) return { machine: machine.name, error: outcome.error.message, ...(outcome.error.hint ? { hint: outcome.error.hint } : {}) }
        try {
          return { report: JSON.parse(outcome.out) as ProbeReport }
        } catch {
          return { machine: machine.name, error: `${machine.name} answered probe with something that is not JSON` }
        }
      })
    if (options.save) saveReports(join(dirname(path), PROBE_FILE), outcomes, io, options.json)
  }
  if (options.json) io.out(`${JSON.stringify({ version: PROBE_VERSION, machines: outcomes.map((o) => ('report' in o ? o.report : o)) }, null, 2)}\n`)
  else for (const o of outcomes) io.out('report' in o ? renderReport(o.report, paint) : `${o.machine}: ${paint('red', 'not probed')}: ${o.error}\n${o.hint ? `  hint: ${o.hint}\n` : ''}`)
  return outcomes.every((o) => 'report' in o) ? 0 : 1
}

function saveReports(path: string, outcomes: readonly Outcome[], io: Io, json: boolean): void {
  const before = readProbeFile(path)?.machines ?? {}
  const reports = outcomes.flatMap((o) => ('report' in o && o.report.machine !== null ? [o.report] : []))
  const machines = { ...before, ...Object.fromEntries(reports.map((r) => [r.machine!, r])) }
  writeFileSync(path, `${JSON.stringify({ version: PROBE_VERSION, machines }, null, 2)}\n`)
  const say = json ? io.err : io.out
  say(`Recorded ${reports.map((r) => r.machine).join(', ') || 'nothing'} in ${path}\n`)
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`

export function renderReport(r: ProbeReport, paint: ReturnType<typeof styler>): string {
  const row = (label: string, f: Figure<unknown> | null, text: (v: never) => string): string[] => [label, f ? text(f.value as never) : '—', f ? f.source : 'not available here']
  const rows: string[][] = [
    row('chip', r.chip, (v: string) => `${v}${r.chipId ? ` (${r.chipId})` : ''}${r.gpuCores ? `, ${r.gpuCores.value}-core GPU` : ''}`),
    row('memory', r.memoryBytes, gib),
    row('os', r.os, (v: string) => v),
    row('GPU working set', r.workingSetBytes, gib),
    row('wired limit', r.wiredLimitMiB, (v: number) => (v === 0 ? "macOS's default (0)" : `${v} MiB`)),
    row('cache free', r.cache.freeBytes, (v: number) => `${gib(v)} at ${r.cache.path}`),
    row('available now', r.availableBytes, (v: number) => `${gib(v)}${r.memoryFreePercent ? ` (${r.memoryFreePercent.value} % free)` : ''}`),
    row('bandwidth', r.bandwidthBytesPerSecond, (v: number) => `${(v / 1e9).toFixed(1)} GB/s measured`),
  ]
  const table = formatTable(rows, ['left', 'left', 'left'])
  return `${paint('bold', r.machine ?? 'this machine')} ${paint('dim', `(${r.platform}, ${r.measuredAt})`)}\n${table.map((l) => `  ${l}`).join('\n')}\n`
}
