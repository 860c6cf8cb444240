/**
 * `fleet apply` across machines: this machine in-process, every selected machine with host: through its own fleet over
 * ssh, in parallel (bounded). Each machine keeps the guarantees of a local apply (its own lock, deletes first,
 * health-gated starts, rollback, a saved plan checked against what it observes); a machine that cannot be reached or
 * fails is reported with its reason while the others converge, and the exit code is 1 if any failed. A remote with a
 * missing or different fleet is found before anything changes anywhere.
 */
import { resolve } from 'node:path'
import { readSavedPlan, savedPlanFor } from '../apply/saved-plan.ts'
import type { ApplyPhase } from '../apply/phase.ts'
import type { Deployment, Fleet, Machine } from '../config/types.ts'
import { UserError } from '../errors.ts'
import { callRemote, type RemoteFailure } from '../remote/client.ts'
import { fleetPayload, REMOTE_CONCURRENCY, selectMachines } from '../remote/machines.ts'
import { styler, type Io } from '../ui/io.ts'
import { machinePrefix, prefixedLines } from '../ui/prefix.ts'
import { didYouMean } from '../util/did-you-mean.ts'
import { mapLimit } from '../util/map-limit.ts'
import { applyHere, INTERRUPTED_EXIT_CODE, interruptSignal, type ApplyOptions } from './apply.ts'
import { prepare } from './prepare.ts'

export interface FleetApplyOptions extends Omit<ApplyOptions, 'machine'> {
  /** --machine NAME…: only these machines (default: this one and every machine with host:). */
  readonly machines: readonly string[]
}

interface MachineResult {
  readonly machine: string
  readonly exitCode: number
  readonly failure: string | null
}

/**
 * The deployments across machines this apply starts: their head is one of the machines applied to, and a --target (if
 * any) names the deployment or its head.
 */
function splitDeployments(fleet: Fleet, machines: readonly Machine[], targets: readonly string[]): Deployment[] {
  const names = new Set(machines.map((m) => m.name))
  return fleet.deployments.filter((d) => d.machines.length > 1 && names.has(d.machine) && (targets.length === 0 || targets.includes(d.name) || targets.includes(d.machine)))
}

/**
 * Which --target values each machine gets: a machine's name selects all its changes, a deployment its machine. A
 * target fleet.yaml does not declare (a service removed from it) can only be sent to one machine at a time.
 */
export function targetsByMachine(fleet: Fleet, machines: readonly Machine[], targets: readonly string[]): Map<string, string[]> {
  const out = new Map(machines.map((m) => [m.name, [] as string[]]))
  for (const target of targets) {
    const machine = fleet.machines.find((m) => m.name === target)
    const deployment = fleet.deployments.find((d) => d.name === target)
    if (machine) out.get(machine.name)?.push(target)
    // A deployment across machines has a part on each of them (the ranks' models, the head's launcher).
    else if (deployment) for (const m of deployment.machines) out.get(m)?.push(target)
    else if (machines.length === 1) out.get(machines[0]!.name)!.push(target)
    else {
      const known = [...fleet.deployments.map((d) => d.name), ...fleet.machines.map((m) => m.name)]
      throw new UserError(`--target ${target} names no deployment or machine in ${fleet.file}`, {
        hint: `${didYouMean(target, known)} To remove a service no longer declared, name its machine too: --machine NAME --target ${target}`.trim(),
      })
    }
  }
  return out
}

export async function apply(options: FleetApplyOptions, io: Io): Promise<number> {
  const prepared = await prepare(options, io)
  if (!prepared) return 1
  const selection = selectMachines(prepared.fleet, options.machines)
  const { machines: _names, ...rest } = options
  // One machine, this one: exactly the local apply (its output, listr progress, JSON result).
  if (selection.remote.length === 0) return applyHere({ ...rest, ...(selection.local ? { machine: selection.local.name } : {}) }, io)

  const paint = styler(io.color)
  const say = (text: string): void => (options.json ? io.err(text) : io.out(text))
  const chosen = [...(selection.local ? [selection.local] : []), ...selection.remote]
  const targets = targetsByMachine(prepared.fleet, chosen, options.targets)
  const machines = options.targets.length === 0 ? chosen : chosen.filter((m) => (targets.get(m.name) ?? []).length > 0)
  const saved = options.planFile === undefined ? null : readSavedPlan(resolve(options.cwd ?? process.cwd(), options.planFile))
  const names = machines.map((m) => m.name)

  // Before anything changes anywhere: every remote answers as this same fleet, or apply stops here.
  const remotes = machines.filter((m) => m.host !== null)
  const hellos = await mapLimit(remotes, REMOTE_CONCURRENCY, async (m) => ({ machine: m, outcome: await callRemote(m, io.env, { op: 'hello' }) }))
  const unusable = hellos.flatMap(({ machine, outcome }) => (!outcome.ok && outcome.failure.kind !== 'unreachable' ? [{ machine, failure: outcome.failure }] : []))
  if (unusable.length > 0) {
    for (const { failure } of unusable) io.err(`${paint('red', 'error')} ${failure.message}\n  hint: ${failure.hint}\n`)
    io.err(`${paint('red', 'Apply refused:')} ${unusable.map((u) => u.machine.name).join(', ')} cannot run this fleet; nothing was changed on any machine.\n`)
    return 1
  }
  const unreachable = new Map<string, RemoteFailure>(hellos.flatMap(({ machine, outcome }) => (!outcome.ok ? [[machine.name, outcome.failure] as const] : [])))

  const interrupt = options.signal ? { signal: options.signal, dispose: () => {} } : interruptSignal()
  const payload = fleetPayload(prepared.path, prepared.source.text)
  const applyOn = async (machine: Machine, phase: ApplyPhase, machineTargets: readonly string[]): Promise<MachineResult> => {
    const lines = prefixedLines(machinePrefix(machine.name, names), say)
    const fail = (failure: { message: string; hint?: string | undefined }, exitCode = 1): MachineResult => {
      lines.write(`${paint('red', 'error')} ${failure.message}\n${failure.hint ? `  hint: ${failure.hint}\n` : ''}`)
      return { machine: machine.name, exitCode, failure: failure.message }
    }
    try {
      const lost = unreachable.get(machine.name)
      if (lost) return fail(lost)
      // A saved plan is checked against each machine once, in the first round: the heads' round follows what that
      // round just changed on the head (its fingerprint moved on purpose).
      const savedPlan = saved && phase !== 'heads' ? savedPlanFor(saved, machine.name) : undefined
      if (machine.host === null) {
        const here: Io = { ...io, out: lines.write, err: lines.write, isTTY: false }
        const { planFile, ...local } = rest
        const code = await applyHere(
          { ...local, ...(phase === 'heads' || planFile === undefined ? {} : { planFile }), json: false, machine: machine.name, targets: machineTargets, signal: interrupt.signal, phase },
          here,
        )
        return { machine: machine.name, exitCode: code, failure: code === 0 ? null : `exit ${code}` }
      }
      const outcome = await callRemote(machine, io.env, {
        op: 'apply',
        fleet: payload,
        args: {
          targets: machineTargets,
          offline: options.offline,
          yes: options.yes ?? false,
          dryRun: options.dryRun,
          ...(phase === 'all' ? {} : { phase }),
          ...(savedPlan ? { savedPlan } : {}),
          ...(options.readyTimeoutSeconds === undefined ? {} : { readyTimeoutSeconds: options.readyTimeoutSeconds }),
        },
        onOut: lines.write,
        onErr: lines.write,
        signal: interrupt.signal,
      })
      if (!outcome.ok) return fail(outcome.failure)
      if (outcome.error) return fail(outcome.error, outcome.exitCode)
      return { machine: machine.name, exitCode: outcome.exitCode, failure: outcome.exitCode === 0 ? null : `exit ${outcome.exitCode}` }
    } catch (error) {
      if (error instanceof UserError) return fail({ message: error.message, hint: error.hint }, error.exitCode)
      throw error
    } finally {
      lines.flush()
    }
  }
  let results: MachineResult[]
  try {
    const split = splitDeployments(prepared.fleet, machines, options.targets)
    if (split.length === 0) {
      results = await mapLimit(machines, REMOTE_CONCURRENCY + 1, (machine) => applyOn(machine, 'all', targets.get(machine.name) ?? []))
    } else {
      // Round 1: every machine's own changes, and each rank's model into its cache. Round 2: the heads start the ranks.
      const first = await mapLimit(machines, REMOTE_CONCURRENCY + 1, (machine) => applyOn(machine, 'parts', targets.get(machine.name) ?? []))
      const failedFirst = new Set(first.filter((r) => r.exitCode !== 0).map((r) => r.machine))
      const heads = new Map<string, string[]>()
      for (const d of split) {
        const blocked = d.machines.filter((m) => m !== d.machine && failedFirst.has(m))
        if (blocked.length > 0 || interrupt.signal.aborted) {
          if (!interrupt.signal.aborted) {
            const lines = prefixedLines(machinePrefix(d.machine, names), say)
            lines.write(
              `${paint('red', 'error')} ${d.name} was not started: ${blocked.join(', ')} failed above, and every rank must hold the model first\n  hint: Fix what ${blocked.join(', ')} reported and run fleet apply again\n`,
            )
            lines.flush()
          }
          first.push({ machine: d.machine, exitCode: 1, failure: `${d.name} not started` })
          continue
        }
        heads.set(d.machine, [...(heads.get(d.machine) ?? []), d.name])
      }
      const second = await mapLimit([...heads], REMOTE_CONCURRENCY + 1, ([name, deployments]) =>
        applyOn(
          machines.find((m) => m.name === name)!,
          'heads',
          deployments,
        ),
      )
      results = machines.map((m) => {
        const mine = [...first, ...second].filter((r) => r.machine === m.name)
        return mine.find((r) => r.exitCode !== 0) ?? mine[0]!
      })
    }
  } finally {
    interrupt.dispose()
  }
  const failed = results.filter((r) => r.exitCode !== 0)
  if (options.json) {
    io.out(
      `${JSON.stringify({ version: 1, machines: results.map((r) => ({ machine: r.machine, exitCode: r.exitCode, ok: r.exitCode === 0, ...(r.failure ? { error: r.failure } : {}) })) }, null, 2)}\n`,
    )
  }
  const verdict =
    failed.length === 0
      ? `${paint('green', 'Apply complete on every machine:')} ${names.join(', ')}.`
      : `${paint('red', 'Apply finished with errors:')} ${failed.length} of ${results.length} machines failed (${failed.map((r) => r.machine).join(', ')}); the others converged. Fix what each says and run fleet apply again.`
  say(`${verdict}\n`)
  if (interrupt.signal.aborted) return INTERRUPTED_EXIT_CODE
  return failed.length === 0 ? 0 : 1
}
