/**
 * `fleet status`: per deployment on this machine, whether its service is loaded and running, its pid, uptime,
 * restarts, whether it answers, its port, and its resident memory next to the planned figure.
 */
import { localRuntime } from '../observe/local.ts'
import { observeWiredLimit } from '../observe/observe-local.ts'
import { declaredWiredLimitMiB } from '../plan/diff.ts'
import { memoryOn } from '../plan/distribute.ts'
import { footprintOf, processTable, type FootprintKind } from '../observe/footprint.ts'
import { answersOverHttp } from '../observe/machine.ts'
import { UserError } from '../errors.ts'
import { getPlan } from './get-plan.ts'
import { styler, type Io } from '../ui/io.ts'
import { formatTable } from '../ui/table.ts'
import { prepare } from './prepare.ts'
import { callRemote } from '../remote/client.ts'
import { fleetPayload, REMOTE_CONCURRENCY, selectMachines } from '../remote/machines.ts'
import { mapLimit } from '../util/map-limit.ts'

export interface StatusOptions {
  readonly file: string
  readonly json: boolean
  readonly machine?: string
  readonly cwd?: string
}

/** A server using more than its plan by this fraction gets a warning: the plan undercounted, or the server grew. */
export const FOOTPRINT_MARGIN = 0.15

function uptime(since: string | null, now: Date): string {
  if (since === null) return '—'
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(since)) / 1000))
  if (seconds < 120) return `${seconds}s`
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`
  return `${(seconds / 3600).toFixed(1)}h`
}

export interface StatusRow {
  readonly deployment: string
  readonly engine: string
  readonly loaded: boolean
  readonly running: boolean
  readonly pid: number | null
  readonly startedAt: string | null
  readonly restarts: number | null
  readonly lastExitCode: number | null
  readonly healthy: boolean
  readonly port: number
  /** The real memory of the server's process tree (= memory.bytes), or null when it is not running. */
  readonly residentBytes: number | null
  /** Which figure residentBytes is and where it came from (macOS: the physical footprint, Metal buffers included). */
  readonly memory?: { readonly kind: FootprintKind; readonly source: string } | null
  readonly plannedBytes: number | null
  /** residentBytes is more than FOOTPRINT_MARGIN above plannedBytes. */
  readonly overPlan?: boolean
  /** A deployment across machines: this machine's rank (0 = the head, whose service runs every rank). */
  readonly rank?: { readonly rank: number; readonly of: number; readonly head: string; readonly machines: readonly string[] }
}

/** `status --json` of one machine. */
export interface MachineStatus {
  readonly version: 1
  readonly machine: string
  readonly backend: string
  readonly deployments: readonly StatusRow[]
  readonly wiredLimit: { readonly declaredMiB: number; readonly inForceMiB: number | null } | null
}

function stateText(r: StatusRow): string {
  // A rank runs under the head's launcher, not as a service here: the head's row says whether it is up.
  if (r.rank && r.rank.rank > 0 && r.engine !== 'llama.cpp') return `rank ${r.rank.rank} of ${r.rank.of}, started by ${r.rank.head}`
  const state = !r.loaded ? 'not installed' : r.running ? 'running' : r.lastExitCode !== null && r.lastExitCode !== 0 ? `crashed (${r.lastExitCode})` : 'stopped'
  if (!r.rank) return state
  return r.rank.rank === 0 ? `${state} (head of ${r.rank.of} ranks: ${r.rank.machines.join(', ')})` : `${state} (rpc-server for ${r.rank.head})`
}

export function renderStatus(doc: MachineStatus, paint: ReturnType<typeof styler>, now: Date): string {
  const gib = (b: number | null): string => (b === null ? '—' : `${(b / 2 ** 30).toFixed(1)} GiB`)
  const table = formatTable(
    [
      ['deployment', 'engine', 'state', 'pid', 'up', 'restarts', 'health', 'port', 'memory', 'planned'],
      ...doc.deployments.map((r) => [
        r.deployment,
        r.engine,
        stateText(r),
        r.pid === null ? '—' : String(r.pid),
        uptime(r.startedAt, now),
        r.restarts === null ? '—' : String(r.restarts),
        r.healthy ? paint('green', 'ok') : r.running ? paint('yellow', 'no answer') : '—',
        String(r.port),
        `${gib(r.residentBytes)}${r.overPlan ? paint('yellow', ' !') : ''}`,
        gib(r.plannedBytes),
      ]),
    ],
    ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'right', 'right', 'right'],
  )
  let text = `${doc.machine} (${doc.backend})\n${table.map((l, i) => (i === 0 ? paint('dim', l) : l)).join('\n')}\n`
  for (const r of doc.deployments) {
    if (!r.overPlan || r.residentBytes === null || r.plannedBytes === null) continue
    const over = Math.round((r.residentBytes / r.plannedBytes - 1) * 100)
    text += `${paint('yellow', 'warning')} ${r.deployment} uses ${gib(r.residentBytes)}, ${over} % more than the ${gib(r.plannedBytes)} planned (${r.memory?.source ?? 'measured'})\n`
  }
  const kinds = [...new Set(doc.deployments.flatMap((r) => (r.memory ? [r.memory.source] : [])))]
  if (kinds.length > 0) text += paint('dim', `memory: ${kinds.join('; ')}\n`)
  const w = doc.wiredLimit
  if (w) text += `GPU wired limit: declared ${w.declaredMiB} MiB, in force ${w.inForceMiB ?? 'unknown'} MiB${w.inForceMiB === w.declaredMiB ? '' : paint('yellow', ' (differs: run fleet apply)')}\n`
  return text
}

/** Every selected machine's status: this one in-process, the others over ssh, in parallel. */
export async function status(options: Omit<StatusOptions, 'machine'> & { readonly machines: readonly string[] }, io: Io): Promise<number> {
  const prepared = await prepare({ ...options, offline: true }, io)
  if (!prepared) return 1
  const selection = selectMachines(prepared.fleet, options.machines)
  const { machines: _names, ...rest } = options
  if (selection.remote.length === 0) return statusHere({ ...rest, ...(selection.local ? { machine: selection.local.name } : {}) }, io)
  const paint = styler(io.color)
  const payload = fleetPayload(prepared.path, prepared.source.text)
  const chosen = [...(selection.local ? [selection.local] : []), ...selection.remote]
  const answers = await mapLimit(chosen, REMOTE_CONCURRENCY, async (machine): Promise<{ doc: MachineStatus | null; error: { message: string; hint?: string } | null; code: number }> => {
    let out = ''
    try {
      if (machine.host === null) {
        const code = await statusHere({ ...rest, json: true, machine: machine.name }, { ...io, out: (t) => void (out += t), isTTY: false })
        return { doc: JSON.parse(out) as MachineStatus, error: null, code }
      }
      const outcome = await callRemote(machine, io.env, { op: 'status', fleet: payload })
      if (!outcome.ok) return { doc: null, error: outcome.failure, code: 1 }
      if (outcome.error) return { doc: null, error: outcome.error, code: outcome.exitCode }
      return { doc: JSON.parse(outcome.out) as MachineStatus, error: null, code: outcome.exitCode }
    } catch (error) {
      if (error instanceof UserError) return { doc: null, error: { message: error.message, ...(error.hint ? { hint: error.hint } : {}) }, code: error.exitCode }
      if (error instanceof SyntaxError) return { doc: null, error: { message: `${machine.name} answered status with something that is not JSON` }, code: 1 }
      throw error
    }
  })
  const now = new Date()
  if (options.json) {
    const machines = answers.map((a, i) => a.doc ?? { machine: chosen[i]!.name, error: a.error?.message ?? 'unknown', ...(a.error?.hint ? { hint: a.error.hint } : {}) })
    const deployments = answers.flatMap((a) => (a.doc ? a.doc.deployments.map((r) => ({ machine: a.doc!.machine, ...r })) : []))
    io.out(`${JSON.stringify({ version: 1, deployments, machines }, null, 2)}\n`)
  } else {
    answers.forEach((a, i) => {
      if (a.doc) io.out(renderStatus(a.doc, paint, now))
      else io.out(`${chosen[i]!.name}: ${paint('red', 'unknown')}: ${a.error?.message ?? ''}\n${a.error?.hint ? `  hint: ${a.error.hint}\n` : ''}`)
      if (i < answers.length - 1) io.out('\n')
    })
  }
  return answers.every((a) => a.code === 0 && a.doc !== null) ? 0 : 1
}

export async function statusHere(options: StatusOptions, io: Io): Promise<number> {
  const paint = styler(io.color)
  const prepared = await prepare({ ...options, offline: true }, io)
  if (!prepared) return 1
  const runtime = await localRuntime(prepared.fleet, io.env, options.machine === undefined ? {} : { machine: options.machine })
  if (!runtime) throw new UserError(`no machine in ${prepared.fleet.file} is this one`, { hint: 'Pass --machine NAME' })
  // The planned figures and this machine's desired services, without observing (status reads the services itself).
  const { document: plan, desired: services } = await getPlan(prepared, runtime, { now: new Date(), observe: false })
  const now = new Date()
  const rows: StatusRow[] = []
  // The process table is read once, for every running server's process tree.
  let processes: string | null | undefined
  for (const d of prepared.fleet.deployments.filter((x) => x.machines.includes(runtime.machine.name))) {
    const label = `dev.fleet.${d.name}`
    const index = d.machines.indexOf(runtime.machine.name)
    const rank = d.machines.length > 1 ? { rank: index, of: d.machines.length, head: d.machine, machines: d.machines } : null
    const deployment = plan.deployments.find((x) => x.name === d.name)
    const planned = deployment ? (memoryOn(deployment, runtime.machine.name)?.peakBytes ?? null) : null
    // An mlx-lm rank has no service here (the head's mlx.launch runs it); a llama.cpp worker runs its rpc-server.
    if (rank && index > 0 && d.engine !== 'llama.cpp') {
      rows.push({
        deployment: d.name,
        engine: d.engine,
        loaded: false,
        running: false,
        pid: null,
        startedAt: null,
        restarts: null,
        lastExitCode: null,
        healthy: false,
        port: d.port,
        residentBytes: null,
        plannedBytes: planned,
        rank,
      })
      continue
    }
    const state = await runtime.backend.state(label)
    const desired = services.find((s) => s.deployment.name === d.name)
    const healthy = state.running && desired ? await answersOverHttp(desired.readiness) : false
    const footprint = state.pid !== null ? await footprintOf(state.pid, { processes: (processes ??= await processTable()) }) : null
    rows.push({
      deployment: d.name,
      engine: d.engine,
      loaded: state.loaded,
      running: state.running,
      pid: state.pid,
      startedAt: state.startedAt,
      restarts: state.restarts,
      lastExitCode: state.lastExitCode,
      healthy,
      port: d.port,
      residentBytes: footprint?.bytes ?? null,
      memory: footprint ? { kind: footprint.kind, source: footprint.source } : null,
      plannedBytes: planned,
      overPlan: footprint !== null && planned !== null && footprint.bytes > planned * (1 + FOOTPRINT_MARGIN),
      ...(rank ? { rank } : {}),
    })
  }
  let wiredLimit: { declaredMiB: number; inForceMiB: number | null } | null = null
  const declaredMiB = declaredWiredLimitMiB(runtime.machine)
  if (declaredMiB !== null && process.platform === 'darwin') wiredLimit = { declaredMiB, inForceMiB: (await observeWiredLimit()).inForceMiB }
  const doc: MachineStatus = { version: 1, machine: runtime.machine.name, backend: runtime.backend.kind, deployments: rows, wiredLimit }
  if (options.json) io.out(`${JSON.stringify(doc, null, 2)}\n`)
  else io.out(renderStatus(doc, paint, now))
  // A rank's health is its head's: only the rows of services on this machine decide the exit code.
  return rows.every((r) => (r.rank !== undefined && r.rank.rank > 0 && r.engine !== 'llama.cpp') || (r.running && r.healthy)) ? 0 : 1
}
