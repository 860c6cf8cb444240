/**
 * The part of the plan about the machine fleet runs on: what is missing to deploy there (engines, pinned files), the
 * changes apply would make, the weights still to download against free disk, and the fingerprint a saved plan is
 * checked against. Pure: the observation was read before planning.
 */
import type { Diagnostic, PathSegment } from '../config/diagnostics.ts'
import type { Fleet } from '../config/types.ts'
import type { DesiredProblem, DesiredRank, DesiredService } from './desired.ts'
import { diffServices, observationFingerprint, rankChange, wiredLimitChange } from './diff.ts'
import { modelKey, type LocalContext, type MachineObservation } from './observation.ts'
import type { Locate } from './rules.ts'
import type { Change, Observation } from './types.ts'

export interface LocalInputs {
  readonly context: LocalContext
  readonly desired: readonly DesiredService[]
  /** Deployments across machines this machine is a rank of (not the head): their model must be in its cache. */
  readonly ranks?: readonly DesiredRank[]
  readonly problems: readonly DesiredProblem[]
  readonly observation: MachineObservation
}

export interface LocalPlan {
  readonly changes: Change[]
  readonly diagnostics: Diagnostic[]
  readonly disk: ReadonlyMap<string, { readonly missingBytes: number; readonly freeBytes: number }>
  readonly observation: Observation
}

export function planLocal(fleet: Fleet, local: LocalInputs, locate: Locate): LocalPlan {
  const { context, desired, problems, observation } = local
  const machine = context.machine.name
  const diagnostics: Diagnostic[] = []
  const at = (path: PathSegment[], fields: Pick<Diagnostic, 'severity' | 'code' | 'message' | 'hint'>): void => {
    const pos = locate(path, { key: path.length === 2 })
    diagnostics.push({ file: fleet.file, line: pos.line, column: pos.column, path: path.join('.'), ...fields })
  }
  const onMachine = fleet.deployments.filter((d) => d.machine === machine)
  const usersOf = (missing: LocalContext['missingEngines'][number]): string[] =>
    fleet.deployments
      .filter((d) => d.machines.includes(machine))
      .filter((d) => d.engine === missing.engine && (missing.deployment === undefined || d.name === missing.deployment))
      .map((d) => d.name)
  for (const missing of context.missingEngines) {
    for (const name of usersOf(missing)) {
      // A pinned Python environment is something apply creates; a missing binary is the user's to install.
      at(
        ['deployments', name, 'engine'],
        missing.installable
          ? { severity: 'info', code: 'engine-to-install', message: `${missing.engine} is not installed yet (${missing.reason}); apply will create it`, hint: missing.hint }
          : {
              severity: 'error',
              code: 'engine-missing',
              message: missing.engine === 'command' ? `the program of ${name} was not found: ${missing.reason}` : `${missing.engine} is not installed on this machine: ${missing.reason}`,
              hint: missing.hint,
            },
      )
    }
  }
  for (const p of problems) {
    if (context.missingEngines.some((m) => !m.installable && usersOf(m).includes(p.deployment))) continue // reported above
    at(['deployments', p.deployment], { severity: 'error', code: 'not-deployable', message: p.message, hint: p.hint })
  }
  // Every deployment declared for this machine keeps its service, even one that cannot be deployed right now.
  // (A llama.cpp worker of a deployment across machines runs its rpc-server as that service; an mlx-lm rank runs none.)
  const declared = new Set([...onMachine, ...fleet.deployments.filter((d) => d.engine === 'llama.cpp' && d.machines.slice(1).includes(machine))].map((d) => `dev.fleet.${d.name}`))
  const ranks = local.ranks ?? []
  const changes = [
    ...diffServices(desired, observation, declared),
    ...ranks.map((r) =>
      rankChange(
        r,
        observation,
        context.missingEngines.some((m) => m.engine === r.deployment.engine && m.installable),
      ),
    ),
  ]
  const wired = wiredLimitChange(context.machine, observation.wiredLimit)
  if (wired) changes.unshift(wired)
  // Weights still to download, once per model, against the free space of the cache's volume.
  const models = new Set([...desired.flatMap((d) => (d.model ? [modelKey(d.model.repo, d.model.commit)] : [])), ...ranks.map((r) => modelKey(r.model.repo, r.model.commit))])
  const missingBytes = [...models].reduce((sum, key) => sum + (observation.missingBytes.get(key) ?? 0), 0)
  return {
    changes,
    diagnostics,
    disk: new Map([[machine, { missingBytes, freeBytes: observation.freeBytes }]]),
    observation: {
      machine,
      backend: observation.backend,
      fingerprint: observationFingerprint(
        desired,
        observation,
        changes.filter((c) => c.kind === 'machine'),
      ),
    },
  }
}

/** A machine's LocalPlan as JSON (what `fleet agent` sends back for `observe`). */
export interface LocalPlanData {
  readonly machine: string
  readonly changes: Change[]
  readonly diagnostics: Diagnostic[]
  readonly disk: { readonly missingBytes: number; readonly freeBytes: number }
  readonly observation: Observation
}

export function localPlanData(plan: LocalPlan): LocalPlanData {
  const machine = plan.observation.machine
  return { machine, changes: plan.changes, diagnostics: plan.diagnostics, disk: plan.disk.get(machine) ?? { missingBytes: 0, freeBytes: 0 }, observation: plan.observation }
}

/** Back from JSON; the diagnostics point at the control point's fleet file (the agent read a copy of it). */
export function localPlanFromData(data: LocalPlanData, file: string): LocalPlan {
  return { changes: data.changes, diagnostics: data.diagnostics.map((d) => ({ ...d, file })), disk: new Map([[data.machine, data.disk]]), observation: data.observation }
}
