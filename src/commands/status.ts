/**
 * `fleet status`: per deployment on this machine, whether its service is loaded and running, its pid, uptime,
 * restarts, whether it answers, its port, and its resident memory next to the planned figure.
 */
import { localRuntime } from '../observe/local.ts'
import { observeWiredLimit } from '../observe/observe-local.ts'
import { declaredWiredLimitMiB } from '../plan/diff.ts'
import { runProgram } from '../process/run.ts'
import { answersOverHttp } from '../observe/machine.ts'
import { UserError } from '../errors.ts'
import { getPlan } from './get-plan.ts'
import { styler, type Io } from '../ui/io.ts'
import { formatTable } from '../ui/table.ts'
import { prepare } from './prepare.ts'

export interface StatusOptions {
  readonly file: string
  readonly json: boolean
  readonly machine?: string
  readonly cwd?: string
}

/** Resident set size of a process in bytes (`ps -o rss=` prints KiB on macOS and Linux), or null. */
async function residentBytes(pid: number): Promise<number | null> {
  const result = await runProgram('ps', ['-o', 'rss=', '-p', String(pid)])
  const kib = Number.parseInt(result.stdout.trim(), 10)
  return result.exitCode === 0 && Number.isFinite(kib) ? kib * 1024 : null
}

function uptime(since: string | null, now: Date): string {
  if (since === null) return '—'
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(since)) / 1000))
  if (seconds < 120) return `${seconds}s`
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`
  return `${(seconds / 3600).toFixed(1)}h`
}

export async function status(options: StatusOptions, io: Io): Promise<number> {
  const paint = styler(io.color)
  const prepared = await prepare({ ...options, offline: true }, io)
  if (!prepared) return 1
  const runtime = await localRuntime(prepared.fleet, io.env, options.machine === undefined ? {} : { machine: options.machine })
  if (!runtime) throw new UserError(`no machine in ${prepared.fleet.file} is this one`, { hint: 'Pass --machine NAME' })
  // The planned figures and this machine's desired services, without observing (status reads the services itself).
  const { document: plan, desired: services } = await getPlan(prepared, runtime, { now: new Date(), observe: false })
  const now = new Date()
  const rows = []
  for (const d of prepared.fleet.deployments.filter((x) => x.machine === runtime.machine.name && x.machines.length === 1)) {
    const label = `dev.fleet.${d.name}`
    const state = await runtime.backend.state(label)
    const desired = services.find((s) => s.deployment.name === d.name)
    const healthy = state.running && desired ? await answersOverHttp(desired.readiness) : false
    const planned = plan.deployments.find((x) => x.name === d.name)?.memory?.totalBytes ?? null
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
      residentBytes: state.pid !== null ? await residentBytes(state.pid) : null,
      plannedBytes: planned,
    })
  }
  let wiredLimit: { declaredMiB: number; inForceMiB: number | null } | null = null
  const declaredMiB = declaredWiredLimitMiB(runtime.machine)
  if (declaredMiB !== null && process.platform === 'darwin') wiredLimit = { declaredMiB, inForceMiB: (await observeWiredLimit()).inForceMiB }
  if (options.json) {
    io.out(`${JSON.stringify({ version: 1, machine: runtime.machine.name, backend: runtime.backend.kind, deployments: rows, wiredLimit }, null, 2)}\n`)
  } else {
    const gib = (b: number | null): string => (b === null ? '—' : `${(b / 2 ** 30).toFixed(1)} GiB`)
    const table = formatTable(
      [
        ['deployment', 'engine', 'state', 'pid', 'up', 'restarts', 'health', 'port', 'resident', 'planned'],
        ...rows.map((r) => [
          r.deployment,
          r.engine,
          !r.loaded ? 'not installed' : r.running ? 'running' : r.lastExitCode !== null && r.lastExitCode !== 0 ? `crashed (${r.lastExitCode})` : 'stopped',
          r.pid === null ? '—' : String(r.pid),
          uptime(r.startedAt, now),
          r.restarts === null ? '—' : String(r.restarts),
          r.healthy ? paint('green', 'ok') : r.running ? paint('yellow', 'no answer') : '—',
          String(r.port),
          gib(r.residentBytes),
          gib(r.plannedBytes),
        ]),
      ],
      ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'right', 'right', 'right'],
    )
    io.out(`${runtime.machine.name} (${runtime.backend.kind})\n${table.map((l, i) => (i === 0 ? paint('dim', l) : l)).join('\n')}\n`)
    if (wiredLimit)
      io.out(
        `GPU wired limit: declared ${wiredLimit.declaredMiB} MiB, in force ${wiredLimit.inForceMiB ?? 'unknown'} MiB${wiredLimit.inForceMiB === wiredLimit.declaredMiB ? '' : paint('yellow', ' (differs: run fleet apply)')}\n`,
      )
  }
  return rows.every((r) => r.running && r.healthy) ? 0 : 1
}
