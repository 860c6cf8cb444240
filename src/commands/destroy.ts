/**
 * `fleet destroy [--target NAME…] [--purge]`: stop and remove the services fleet installed on this machine. Weights
 * stay in the cache (other tools share it) unless --purge, which deletes the models only removed deployments used.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { localRuntime, type LocalRuntime } from '../observe/local.ts'
import { tryLock } from '../pull/lock.ts'
import { didYouMean } from '../util/did-you-mean.ts'
import { recordApplyState } from '../apply/state.ts'
import { UserError } from '../errors.ts'
import { repoFolderName } from '../pull/paths.ts'
import { SERVICE_LABEL_PREFIX } from '../services/types.ts'
import { styler, type Io } from '../ui/io.ts'
import { prepare, type Prepared } from './prepare.ts'
import { callRemote } from '../remote/client.ts'
import { fleetPayload, REMOTE_CONCURRENCY, selectMachines } from '../remote/machines.ts'
import { machinePrefix, prefixedLines } from '../ui/prefix.ts'
import { mapLimit } from '../util/map-limit.ts'
import { targetsByMachine } from './apply-fleet.ts'

export interface DestroyOptions {
  readonly file: string
  readonly targets: readonly string[]
  readonly purge: boolean
  readonly json: boolean
  readonly machine?: string
  readonly cwd?: string
}

export async function destroyHere(options: DestroyOptions, io: Io): Promise<number> {
  const prepared = await prepare({ ...options, offline: true }, io)
  if (!prepared) return 1
  const runtime = await localRuntime(prepared.fleet, io.env, options.machine === undefined ? {} : { machine: options.machine })
  if (!runtime) throw new UserError(`no machine in ${prepared.fleet.file} is this one`, { hint: 'Pass --machine NAME' })
  // destroy and apply must not race on the same services.
  mkdirSync(runtime.context.stateRoot, { recursive: true })
  const held = await tryLock(join(runtime.context.stateRoot, 'apply.lock'))
  if (!('release' in held)) throw new UserError(`a fleet apply is running (pid ${held.pid} on ${held.host})`, { hint: 'Wait for it to finish, then run fleet destroy again' })
  try {
    return await destroyLocked(options, io, prepared, runtime)
  } finally {
    await held.release()
  }
}

async function destroyLocked(options: DestroyOptions, io: Io, prepared: Prepared, runtime: LocalRuntime): Promise<number> {
  const paint = styler(io.color)
  const installed = (await runtime.backend.list()).filter((label) => label.startsWith(SERVICE_LABEL_PREFIX))
  const known = new Set([...installed.map((l) => l.slice(SERVICE_LABEL_PREFIX.length)), ...prepared.fleet.deployments.map((d) => d.name), runtime.machine.name])
  for (const target of options.targets) {
    if (!known.has(target)) throw new UserError(`--target ${target} names no deployment or machine`, { hint: `${didYouMean(target, known)} Targets: ${[...known].join(', ')}`.trim() })
  }
  const chosen = installed.filter((label) => options.targets.length === 0 || options.targets.includes(label.slice(SERVICE_LABEL_PREFIX.length)) || options.targets.includes(runtime.machine.name))
  const removed: string[] = []
  for (const label of chosen) {
    if (!options.json) io.out(`- ${label.slice(SERVICE_LABEL_PREFIX.length)}: stopping and removing ${label}\n`)
    await runtime.backend.remove(label)
    removed.push(label.slice(SERVICE_LABEL_PREFIX.length))
  }
  const purged: string[] = []
  if (options.purge) {
    // Only repos that no remaining deployment on this machine uses (another quant of the same repo shares its folder).
    const remaining = prepared.fleet.deployments.filter((d) => d.machines.includes(runtime.machine.name) && !removed.includes(d.name))
    const keepRepos = new Set(remaining.flatMap((d) => (d.model === null ? [] : [prepared.resolved.facts.get(d.model)?.repo ?? ''])))
    for (const d of prepared.fleet.deployments.filter((x) => removed.includes(x.name) && x.model !== null)) {
      const facts = prepared.resolved.facts.get(d.model!)
      if (!facts || purged.includes(facts.repo) || keepRepos.has(facts.repo)) continue
      rmSync(join(runtime.context.hubCache, repoFolderName(facts.repo)), { recursive: true, force: true })
      purged.push(facts.repo)
      if (!options.json) io.out(`- deleted the cached weights of ${facts.repo}\n`)
    }
  }
  await recordApplyState(runtime.context.stateRoot, runtime.machine.name, runtime.backend)
  if (options.json) io.out(`${JSON.stringify({ version: 1, machine: runtime.machine.name, removed, purged }, null, 2)}\n`)
  else
    io.out(
      removed.length === 0
        ? 'Nothing to destroy.\n'
        : `${paint('green', 'Destroy complete!')} ${removed.length} removed${purged.length > 0 ? `, ${purged.length} model${purged.length === 1 ? '' : 's'} purged` : '; weights kept (use --purge to delete them)'}.\n`,
    )
  return 0
}

/** destroy on every selected machine: this one in-process, the others over ssh, in parallel. */
export async function destroy(options: Omit<DestroyOptions, 'machine'> & { readonly machines: readonly string[] }, io: Io): Promise<number> {
  const prepared = await prepare({ ...options, offline: true }, io)
  if (!prepared) return 1
  const { machines: names, ...rest } = options
  const selection = selectMachines(prepared.fleet, names)
  if (selection.remote.length === 0) return destroyHere({ ...rest, ...(selection.local ? { machine: selection.local.name } : {}) }, io)
  const paint = styler(io.color)
  const chosen = [...(selection.local ? [selection.local] : []), ...selection.remote]
  const targets = targetsByMachine(prepared.fleet, chosen, options.targets)
  const machines = options.targets.length === 0 ? chosen : chosen.filter((m) => (targets.get(m.name) ?? []).length > 0)
  const payload = fleetPayload(prepared.path, prepared.source.text)
  const say = (text: string): void => (options.json ? io.err(text) : io.out(text))
  const results = await mapLimit(machines, REMOTE_CONCURRENCY, async (machine) => {
    const lines = prefixedLines(
      machinePrefix(
        machine.name,
        machines.map((m) => m.name),
      ),
      say,
    )
    const fail = (message: string, hint: string | undefined, exitCode = 1): { machine: string; exitCode: number; error: string } => {
      lines.write(`${paint('red', 'error')} ${message}\n${hint ? `  hint: ${hint}\n` : ''}`)
      return { machine: machine.name, exitCode, error: message }
    }
    try {
      const mine = targets.get(machine.name) ?? []
      if (machine.host === null)
        return { machine: machine.name, exitCode: await destroyHere({ ...rest, json: false, targets: mine, machine: machine.name }, { ...io, out: lines.write, err: lines.write, isTTY: false }) }
      const outcome = await callRemote(machine, io.env, { op: 'destroy', fleet: payload, args: { targets: mine, purge: options.purge }, onOut: lines.write, onErr: lines.write })
      if (!outcome.ok) return fail(outcome.failure.message, outcome.failure.hint)
      if (outcome.error) return fail(outcome.error.message, outcome.error.hint, outcome.exitCode)
      return { machine: machine.name, exitCode: outcome.exitCode }
    } catch (error) {
      if (error instanceof UserError) return fail(error.message, error.hint, error.exitCode)
      throw error
    } finally {
      lines.flush()
    }
  })
  if (options.json) io.out(`${JSON.stringify({ version: 1, machines: results }, null, 2)}\n`)
  const failed = results.filter((r) => r.exitCode !== 0)
  say(
    failed.length === 0
      ? `${paint('green', 'Destroy complete on every machine:')} ${machines.map((m) => m.name).join(', ')}.\n`
      : `${paint('red', 'Destroy finished with errors:')} ${failed.map((r) => r.machine).join(', ')} failed.\n`,
  )
  return failed.length === 0 ? 0 : 1
}
