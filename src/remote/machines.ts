/**
 * Which machines a command acts on, and how: the one without `host:` is this machine (src/observe/local.ts), every
 * machine with `host:` is reached over ssh. `--machine NAME` (repeatable) narrows a command to some of them.
 */
import { probePathFor } from '../probe/file.ts'
import { calibrationPathFor } from '../bench/file.ts'
import { existsSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'
import type { Fleet, Machine } from '../config/types.ts'
import { UserError } from '../errors.ts'
import { localMachine } from '../observe/local.ts'
import { localPlanFromData } from '../plan/local.ts'
import type { RemoteMachinePlan } from '../plan/assemble.ts'
import { lockPathFor } from '../resolve/lock.ts'
import { didYouMean } from '../util/did-you-mean.ts'
import { mapLimit } from '../util/map-limit.ts'
import { callRemote } from './client.ts'
import type { AgentRequest } from './protocol.ts'

/** ssh sessions at once: enough for a room of Macs, few enough not to trip sshd's MaxStartups (10 by default). */
export const REMOTE_CONCURRENCY = 6

export interface MachineSelection {
  /** This machine, when it is one of those selected. */
  readonly local: Machine | null
  /** Selected machines with host:, in fleet.yaml order. */
  readonly remote: readonly Machine[]
}

export function selectMachines(fleet: Fleet, names: readonly string[], platform: NodeJS.Platform = process.platform): MachineSelection {
  const all = fleet.machines.map((m) => m.name)
  for (const name of names) {
    if (!all.includes(name)) throw new UserError(`--machine ${name}: ${fleet.file} declares no such machine`, { hint: `${didYouMean(name, all)} Machines: ${all.join(', ')}`.trim() })
  }
  if (names.length === 0) return { local: localMachine(fleet, platform), remote: fleet.machines.filter((m) => m.host !== null) }
  const chosen = fleet.machines.filter((m) => names.includes(m.name))
  const hostless = chosen.filter((m) => m.host === null)
  if (hostless.length > 1)
    throw new UserError(`--machine names several machines without host: (${hostless.map((m) => m.name).join(', ')}); only one of them can be this machine`, {
      hint: 'Give the others a host:, or name one of them',
    })
  return { local: hostless[0] ?? null, remote: chosen.filter((m) => m.host !== null) }
}

/** fleet.yaml and fleet.lock as this control point reads them, for an agent. */
export function fleetPayload(path: string, text: string): NonNullable<AgentRequest['fleet']> {
  const lockPath = lockPathFor(path)
  const probePath = probePathFor(path)
  // fleet.probe.json and fleet.calibration.json travel too: the machine plans with the same measurements.
  const calibrationPath = calibrationPathFor(path)
  return {
    name: basename(path),
    text,
    lock: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null,
    probe: existsSync(probePath) ? readFileSync(probePath, 'utf8') : null,
    calibration: existsSync(calibrationPath) ? readFileSync(calibrationPath, 'utf8') : null,
  }
}

/** Every selected remote machine's part of the plan, read there in parallel by its own fleet. */
export async function observeRemotes(machines: readonly Machine[], fleet: { file: string; path: string; text: string; offline: boolean }, env: NodeJS.ProcessEnv): Promise<RemoteMachinePlan[]> {
  const payload = fleetPayload(fleet.path, fleet.text)
  return mapLimit(machines, REMOTE_CONCURRENCY, async (machine): Promise<RemoteMachinePlan> => {
    const outcome = await callRemote(machine, env, { op: 'observe', fleet: payload, args: { offline: fleet.offline } })
    if (!outcome.ok) return { machine: machine.name, failure: outcome.failure }
    if (outcome.observed === null) {
      const detail = outcome.error?.message ?? outcome.out.trim().split('\n').slice(-3).join(' ')
      return {
        machine: machine.name,
        failure: { message: `${machine.name} could not plan its part: ${detail || `exit ${outcome.exitCode}`}`, hint: outcome.error?.hint ?? `Run fleet plan on ${machine.name} itself to see why` },
      }
    }
    return { machine: machine.name, plan: localPlanFromData(outcome.observed, fleet.file) }
  })
}
