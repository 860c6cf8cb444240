/** `fleet logs <deployment> [-f] [-n N]`: the server's output, from the log files its service writes. */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { tail } from '../apply/ports.ts'
import { localRuntime } from '../observe/local.ts'
import { getPlan } from './get-plan.ts'
import { UserError } from '../errors.ts'
import type { Io } from '../ui/io.ts'
import { didYouMean } from '../util/did-you-mean.ts'
import { prepare } from './prepare.ts'
import { callRemote } from '../remote/client.ts'
import { fleetPayload, selectMachines } from '../remote/machines.ts'

export interface LogsOptions {
  readonly file: string
  readonly deployment: string
  readonly follow: boolean
  readonly lines: number
  readonly machine?: string
  readonly cwd?: string
  /** Stops following (tests; Ctrl-C otherwise). */
  readonly signal?: AbortSignal
}

export async function logsHere(options: LogsOptions, io: Io): Promise<number> {
  const prepared = await prepare({ ...options, json: false, offline: true }, io)
  if (!prepared) return 1
  const runtime = await localRuntime(prepared.fleet, io.env, options.machine === undefined ? {} : { machine: options.machine })
  if (!runtime) throw new UserError(`no machine in ${prepared.fleet.file} is this one`, { hint: 'Pass --machine NAME' })
  const names = prepared.fleet.deployments.filter((d) => d.machine === runtime.machine.name).map((d) => d.name)
  if (!names.includes(options.deployment)) {
    throw new UserError(`no deployment "${options.deployment}" runs on ${runtime.machine.name}`, {
      hint: `${didYouMean(options.deployment, names)} Deployments here: ${names.join(', ') || '(none)'}`.trim(),
    })
  }
  // The installed definition knows where the logs are; fall back to where apply would put them.
  const installed = await runtime.backend.installedSpec(`dev.fleet.${options.deployment}`)
  const spec = installed ?? (await getPlan(prepared, runtime, { now: new Date(), observe: false })).desired.find((s) => s.deployment.name === options.deployment)?.spec
  if (!spec) throw new UserError(`${options.deployment} has no service definition yet`, { hint: 'Run fleet apply first' })
  const files = [...new Set([spec.stdoutPath, spec.stderrPath])]
  for (const path of files) {
    const text = tail(path, options.lines)
    if (text !== '') io.out(`${text}\n`)
  }
  if (!options.follow) return 0
  const offsets = new Map(files.map((path) => [path, sizeOf(path)]))
  while (!options.signal?.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    for (const path of files) {
      const from = offsets.get(path) ?? 0
      const size = sizeOf(path)
      if (size < from) offsets.set(path, 0) // truncated or rotated: start over
      else if (size > from) {
        io.out(readRange(path, from, size))
        offsets.set(path, size)
      }
    }
  }
  return 0
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

function readRange(path: string, from: number, to: number): string {
  const buffer = Buffer.alloc(to - from)
  const fd = openSync(path, 'r')
  try {
    readSync(fd, buffer, 0, buffer.length, from)
  } finally {
    closeSync(fd)
  }
  return buffer.toString('utf8')
}

/** `fleet logs DEPLOYMENT`: read where the deployment runs, here or over ssh on its machine. */
export async function logs(options: Omit<LogsOptions, 'machine'> & { readonly machines: readonly string[] }, io: Io): Promise<number> {
  const prepared = await prepare({ ...options, json: false, offline: true }, io)
  if (!prepared) return 1
  const { machines: names, ...rest } = options
  const selection = selectMachines(prepared.fleet, names)
  const declared = prepared.fleet.deployments.find((d) => d.name === options.deployment)
  // The deployment's own machine; a service removed from fleet.yaml is found on the one machine --machine names.
  const machine = declared ? prepared.fleet.machines.find((m) => m.name === declared.machine) : names.length === 1 ? (selection.local ?? selection.remote[0]) : selection.local
  if (!machine || machine.host === null) return logsHere({ ...rest, ...(machine ? { machine: machine.name } : {}) }, io)
  const outcome = await callRemote(machine, io.env, {
    op: 'logs',
    fleet: fleetPayload(prepared.path, prepared.source.text),
    args: { deployment: options.deployment, follow: options.follow, lines: options.lines },
    onOut: io.out,
    onErr: io.err,
    ...(options.signal ? { signal: options.signal } : {}),
  })
  if (!outcome.ok) throw new UserError(outcome.failure.message, { hint: outcome.failure.hint })
  if (outcome.error) throw new UserError(`${machine.name}: ${outcome.error.message}`, { exitCode: outcome.exitCode, ...(outcome.error.hint ? { hint: outcome.error.hint } : {}) })
  return outcome.exitCode
}
