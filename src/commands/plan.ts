/**
 * `fleet plan`: load → validate → resolve → size → plan, then print. Reads the Hub only for models fleet.lock does
 * not yet pin (metadata only), reads the live state of this machine and, over ssh, of every machine with host: (each
 * machine's own fleet reads its part), and writes nothing but fleet.lock (and --out).
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { localRuntime } from '../observe/local.ts'
import { observeRemotes, selectMachines } from '../remote/machines.ts'
import { styler, type Io } from '../ui/io.ts'
import { prepare } from './prepare.ts'
import { UserError } from '../errors.ts'
import { renderPlan } from '../ui/plan-view.ts'
import { getPlan } from './get-plan.ts'

export interface PlanOptions {
  readonly file: string
  readonly json: boolean
  readonly offline: boolean
  /** Write the plan document here, for `fleet apply FILE`. */
  readonly out?: string
  readonly detailedExitcode?: boolean
  /** Narrow the plan's observation to these machines (default: this one and every machine with host:). */
  readonly machines?: readonly string[]
  readonly cwd?: string
  /** The clock, injectable for reproducible output. */
  readonly now?: Date
}

export async function plan(options: PlanOptions, io: Io): Promise<number> {
  const paint = styler(io.color)
  const prepared = await prepare(options, io)
  if (!prepared) return 1
  const selection = selectMachines(prepared.fleet, options.machines ?? [])
  const runtime = selection.local ? await localRuntime(prepared.fleet, io.env, { machine: selection.local.name }) : null
  const remote = await observeRemotes(selection.remote, { file: prepared.fleet.file, path: prepared.path, text: prepared.source.text, offline: options.offline }, io.env)
  const { document } = await getPlan(prepared, runtime, { now: options.now ?? new Date(), remote })
  if (options.out !== undefined) {
    try {
      writeFileSync(resolve(options.cwd ?? process.cwd(), options.out), `${JSON.stringify(document, null, 2)}\n`)
    } catch (error) {
      throw new UserError(`cannot write the plan to ${options.out}: ${(error as Error).message}`, { hint: 'Choose a path in a directory that exists and is writable' })
    }
  }
  if (options.json) io.out(`${JSON.stringify(document, null, 2)}\n`)
  else io.out(`${renderPlan(document, { paint, text: prepared.source.text, snippets: io.isTTY }).join('\n')}\n`)
  if (document.summary.errors > 0) return 1
  const unobserved = document.diagnostics.filter((d) => d.code === 'machine-unreachable').map((d) => d.path.split('.')[1])
  if (options.detailedExitcode && unobserved.length > 0) {
    // "No changes" would be a claim about machines fleet could not read.
    io.err(`${paint('red', 'error')} the changes on ${unobserved.join(', ')} are unknown (not reachable), so --detailed-exitcode cannot say whether anything is pending\n`)
    return 1
  }
  // --detailed-exitcode, as Terraform: 0 no changes, 1 error, 2 changes pending.
  const pending = document.changes.some((c) => c.action !== 'noop')
  return options.detailedExitcode && pending ? 2 : 0
}
